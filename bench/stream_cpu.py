"""The app's CPU while a model streams at a local model's pace: the TUI in a real terminal (tmux)
against `exosuit ask` printing the same stream (the SDK and nothing else), in the same run.

A CPU model and the app share two cores: every percent the app takes is speed the model loses
(with 25-40% of a core, generation fell from ~22 to ~15 tokens/s). The local wire server sends
an answer of Markdown prose and a code block at 20 chunks a second; the app's process CPU time
(/proc/PID/stat, user + system) is read from its first chunk on screen to its last. Target: the
TUI under 5% of a core.

    .venv/bin/python bench/stream_cpu.py [seconds] [chunks per second]

Figures (2 CPUs, 120x35 tmux): at 20 chunks/s for 15 s the TUI took 2.0% of a core and
`exosuit ask` 0.9% (2.4x); for 45 s, 1.9% and 0.9%: the cost does not grow with the answer.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.tmux import Terminal  # noqa: E402
from tests.wire_server import Reply, WireServer  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def chunks(count: int) -> list[str]:
    """An answer of `count` chunks: prose, a Python block, prose, each chunk a token or so."""
    prose = "The change makes the function reject a zero divisor before it divides . ".split(" ")
    code = ["def ", "div", "(a", ", b", "):\n", "    if ", "b ", "== ", "0:\n", "        raise ", "ZeroDivisionError\n",
            "    return ", "a ", "/ ", "b\n", "\n"]
    out = ["Here ", "is ", "how:\n\n", "```python\n"]
    while len(out) < count * 2 // 3:
        out += code
    out.append("```\n\n")
    while len(out) < count - 1:
        out += [word + " " for word in prose if word]
    return out[: count - 1] + ["\n\nENDOFANSWER"]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def app_pid(marker: str) -> int:
    """The Python process whose command line holds `marker`."""
    for _ in range(100):
        found = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout.split()
        if found:
            return int(found[0])
        time.sleep(0.1)
    raise RuntimeError(f"no process {marker!r}")


def measure(command: str, marker: str, server: WireServer, answer: list[str], rate: float, tui: bool) -> float:
    """The process's CPU share (of one core) from its first streamed chunk to its last."""
    server.script(Reply(*answer, delay=1 / rate, usage=(900, len(answer))))
    term = Terminal(command)
    try:
        if tui:
            term.wait_for("^q quit")
            term.type("make div reject zero")
            term.keys("Enter")
        pid = app_pid(marker)
        term.wait_for("Here is", timeout=60)
        start_cpu, start = cpu_seconds(pid), time.monotonic()
        term.wait_for("ENDOFANSWER", timeout=60 + len(answer) / rate)
        return (cpu_seconds(pid) - start_cpu) / (time.monotonic() - start)
    finally:
        term.close()


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 15
    rate = float(sys.argv[2]) if len(sys.argv) > 2 else 20
    answer = chunks(int(seconds * rate))
    with tempfile.TemporaryDirectory() as tmp, WireServer() as server:
        repo = Path(tmp) / "project"
        repo.mkdir()
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        (repo / "calc.py").write_text("def div(a, b):\n    return a / b\n")
        env = (f"env -u ANTHROPIC_API_KEY OPENAI_BASE_URL={server.openai_url} OPENAI_API_KEY=x EXOSUIT_MODEL=m "
               f"EXOSUIT_CONFIG={shlex.quote(str(Path(tmp) / 'none.toml'))} COLORTERM=truecolor")
        base = f"cd {ROOT} && {env} {sys.executable} -m app.cli"
        tui = measure(f"{base} --repo {shlex.quote(str(repo))}; sleep 30", f"app.cli --repo {repo}", server, answer, rate, True)
        ask = measure(f"{base} ask --repo {shlex.quote(str(repo))} go; sleep 30", f"app.cli ask --repo {repo}", server, answer, rate, False)
    print(f"{len(answer)} chunks at {rate:g}/s: TUI {tui:.1%} of a core, `exosuit ask` {ask:.1%} "
          f"(the TUI costs {tui / ask if ask else float('inf'):.1f}x the bare stream); target: TUI under 5%")


if __name__ == "__main__":
    main()

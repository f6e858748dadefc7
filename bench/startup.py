"""Time from `python -m app.cli` to the TUI's first paint, in a real pseudo-terminal.

Each run starts the app in a fresh temp git repo on a 100x30 pty, waits until the status bar's
text ("quit") has been written to the terminal, records the elapsed time, then sends ctrl+q.
Prints the median and spread over the runs, for the offline default and for an OpenAI-compatible
provider (nothing is contacted: start-up must not touch the network).

    .venv/bin/python bench/startup.py [runs]
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKER = b"quit"


def first_paint(repo: Path, env: dict[str, str], timeout: float = 20.0) -> float:
    """Seconds from spawning the app to the first frame that shows the status bar."""
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "--repo", str(repo)],
        cwd=ROOT, env=env, stdin=child, stdout=child, stderr=child, start_new_session=True,
    )
    os.close(child)
    seen = b""
    try:
        while MARKER not in seen:
            if time.perf_counter() - start > timeout:
                raise TimeoutError(f"no first paint after {timeout}s: {seen[-300:]!r}")
            ready, _, _ = select.select([main], [], [], 0.05)
            if ready:
                seen += os.read(main, 65536)
        elapsed = time.perf_counter() - start
        os.write(main, b"\x11")  # ctrl+q
        _drain(main, process)
        return elapsed
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        os.close(main)


def _drain(fd: int, process: subprocess.Popen[bytes]) -> None:
    """Read the terminal until the app exits (it blocks if nobody reads its output)."""
    deadline = time.perf_counter() + 5
    while process.poll() is None and time.perf_counter() < deadline:
        if select.select([fd], [], [], 0.05)[0]:
            try:
                os.read(fd, 65536)
            except OSError:
                break


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    base = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and "BASE_URL" not in k}
    base |= {"TERM": "xterm-256color", "COLORTERM": "truecolor", "EXOSUIT_CONFIG": "/nonexistent"}
    setups = {
        "offline default (local model, not loaded)": base,
        "OpenAI-compatible provider": base | {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "OPENAI_API_KEY": "x"},
    }
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        for name, env in setups.items():
            times = sorted(first_paint(repo, env) for _ in range(runs))
            print(
                f"{name}: median {statistics.median(times) * 1000:.0f} ms to first paint "
                f"(min {times[0] * 1000:.0f}, max {times[-1] * 1000:.0f}, {runs} runs)"
            )


if __name__ == "__main__":
    main()

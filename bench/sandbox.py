"""What the sandbox costs a command: `run_command` of `true` in bubblewrap, beside a bare
`subprocess.run` of the same command and `run_command` unsandboxed, medians and the ratio.

    .venv/bin/python bench/sandbox.py [--runs 50]

Figures here (2 cores, a repository of 2,000 files): bare subprocess.run 1.5 ms, run_command
unsandboxed 1.4 ms, sandboxed 12.8 ms (8.3x bare): bubblewrap's namespaces and mounts take about
8 ms, the walk for secrets files to hide most of the rest. (Before run_command waited on the
process itself it polled every 50 ms: 76 ms.)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.shell import run_command, sandbox_available  # noqa: E402


def median_ms(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    if not sandbox_available():
        sys.exit("bubblewrap cannot make a sandbox here")
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        for n in range(2000):
            (repo / f"pkg{n // 100}").mkdir(exist_ok=True)
            (repo / f"pkg{n // 100}" / f"m{n}.py").write_text("x = 1\n")
        bare = median_ms(lambda: subprocess.run(["bash", "-c", "true"], cwd=repo, check=True), args.runs)
        plain = median_ms(lambda: run_command(repo, "true", sandbox=False), args.runs)
        boxed = median_ms(lambda: run_command(repo, "true"), args.runs)
    print(f"bare subprocess.run      {bare:6.1f} ms")
    print(f"run_command unsandboxed  {plain:6.1f} ms")
    print(f"run_command sandboxed    {boxed:6.1f} ms   ratio to bare {boxed / bare:.1f}x")


if __name__ == "__main__":
    main()

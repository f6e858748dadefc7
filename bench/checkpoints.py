"""Checkpoints on a big dirty repository: the time of an AI write through the gate (checkpoint
before and after, recorded), of `/undo` and of a Rewind restore, beside `git stash create` (the
usual way to snapshot a dirty tree without touching it) in the same run.

    .venv/bin/python bench/checkpoints.py [--files 10000] [--runs 15]

The repository: `--files` committed files in 100 directories, then 200 of them edited and 100
untracked files added. Each run writes one AI change to three files (one of them dirty).
Target: each under 200 ms median.

Figures here (2 cores, 10,000 files, medians of 15 runs), 2026-12-07:
    write (checkpoint + record)  107 ms   1.6x git stash create
    undo                         110 ms   1.6x
    rewind                       130 ms   1.9x
    git stash create              69 ms
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.edits.changeset import ChangeSet, FileChange  # noqa: E402
from app.workspace import Workspace  # noqa: E402


def make_repo(root: Path, files: int) -> None:
    for i in range(files):
        path = root / f"pkg{i % 100}" / f"module_{i}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"def f_{i}(x):\n    return x + {i}\n")
    git = ["git", "-c", "user.email=bench@example.com", "-c", "user.name=bench"]
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "initial"], cwd=root, check=True)
    for i in range(0, files, files // 200):
        (root / f"pkg{i % 100}" / f"module_{i}.py").write_text(f"def f_{i}(x):\n    return x - {i}  # mine\n")
    for i in range(100):
        (root / f"pkg{i}" / "scratch.txt").write_text("notes\n")


def timed(action) -> float:  # noqa: ANN001
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "repo"
        root.mkdir()
        make_repo(root, args.files)
        workspace = Workspace(root)
        paths = ["pkg0/module_0.py", "pkg1/module_1.py", "pkg2/module_2.py"]  # module_0 is dirty
        writes, undos, rewinds, stashes = [], [], [], []
        for run in range(args.runs):
            changes = []
            for rel in paths:
                text = (root / rel).read_text()
                changes.append(FileChange(rel, text, text + f"# run {run}\n"))
            writes.append(timed(lambda: workspace.write(ChangeSet(changes))))
            undos.append(timed(workspace.undo))
            workspace.write(ChangeSet(changes))
            first = workspace.undoable
            rewinds.append(timed(lambda: workspace.rewind(first.number)))  # type: ignore[union-attr]
            stashes.append(timed(lambda: subprocess.run(["git", "stash", "create"], cwd=root, capture_output=True, check=True)))
        stash = statistics.median(stashes)
        print(f"{args.files:,} files, 200 edited and 100 untracked; medians of {args.runs} runs")
        for name, times in (("write (checkpoint + record)", writes), ("undo", undos), ("rewind", rewinds)):
            median = statistics.median(times)
            print(f"  {name:<28} {median:7.1f} ms   {median / stash:4.1f}x git stash create")
        print(f"  {'git stash create':<28} {stash:7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

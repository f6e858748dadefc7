"""Benchmark of building ChangeSets, against difflib (what we used before, and what aider diffs
with) and git's own diff (xdiff, in C) on the same changes.

    .venv/bin/python -m bench.changeset_bench [--runs 5] [--no-real]

Synthetic: `large_files` with 100k changed lines (removed + added), in 50 files and in one.
Real: SQLAlchemy 2.0.30's package replaced by 2.0.36's in a git repo (the wheels come from PyPI
once, into ~/.cache/exosuit-bench; network needed then), the working-tree review of it: building
its ChangeSet (`working_tree_changeset`: git calls and diffs), and the review screen's first
frame on it (headless, 120x40). Each figure is a median of RUNS; a ratio above 1 means we are
faster. The changed-line and hunk counts show that the diffs are alike: git's histogram and
patience diffs, and ours, differ only where a change can be drawn in more than one way.

Figures (2 CPUs, Python 3.11, while two other jobs ran; targets: 100k lines under 300 ms, the
SQLAlchemy review's first frame under 0.5 s):

    in 50 files                      ours    294 ms   git diff --histogram   385 ms   difflib 10067 ms
    in 1 file                        ours    813 ms   git diff --histogram 15302 ms   (difflib: minutes)
    SQLAlchemy: ChangeSet of the working tree  263 ms (git diff --histogram 116 ms, --patience 130 ms)
                its diffs alone      151 ms   difflib 2431 ms (16x)
                first frame of the review      362 ms, ChangeSet included (was 2.2 s)
                changed lines, hunks: ours 2820, 386; difflib 2818; git histogram 2810, 387; patience 2808, 387
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from app.edits.changeset import Block, ChangeSet, FileChange, split_lines
from app.git.worktree import working_tree_changeset
from app.review import RevertRejected  # noqa: E402
from app.workspace import Workspace  # noqa: E402
from bench.review_bench import first_paint
from scripts.review_samples import large_files
from widgets.review_command import ReviewApp

CACHE = Path.home() / ".cache" / "exosuit-bench"
OLD, NEW = "2.0.30", "2.0.36"


def median_seconds(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def difflib_blocks(old: list[str], new: list[str]) -> list[Block]:
    """The blocks as we made them before: difflib on whole files, common head and tail trimmed."""
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    matcher = difflib.SequenceMatcher(None, old[head : len(old) - tail], new[head : len(new) - tail], autojunk=False)
    return [Block(i1 + head, i2 + head, j1 + head, j2 + head) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def changed_lines(blocks: list[Block]) -> int:
    return sum(b.old_hi - b.old_lo + b.new_hi - b.new_lo for b in blocks)


def row(name: str, ours: float, peers: dict[str, float]) -> str:
    ratios = "  ".join(f"{peer} {ours and seconds / ours:6.1f}x" for peer, seconds in peers.items())
    cells = "  ".join(f"{peer} {seconds * 1000:8.1f} ms" for peer, seconds in peers.items())
    return f"{name:34} ours {ours * 1000:8.1f} ms  {cells}  ratio: {ratios}"


def bench_synthetic(runs: int) -> None:
    """difflib is timed on the 50 files only: it is quadratic in a file's length (10 s for 20k
    lines of one file, 36 s for 40k), and would take many minutes on the one file."""
    print("Building a ChangeSet of 100k changed lines:")
    for files in (50, 1):
        texts = large_files(100_000, files)
        ours = median_seconds(lambda: ChangeSet([FileChange(path, old, new) for path, (old, new) in texts.items()]), runs)
        peers = {}
        with tempfile.TemporaryDirectory() as tmp:
            for side, index in (("a", 0), ("b", 1)):
                for path, pair in texts.items():
                    (Path(tmp) / side / path).parent.mkdir(parents=True, exist_ok=True)
                    (Path(tmp) / side / path).write_text(pair[index])
            command = ["git", "-C", tmp, "diff", "--no-index", "--histogram", "a", "b"]
            peers["git diff --histogram"] = median_seconds(lambda: subprocess.run(command, capture_output=True), runs)
        if files > 1:
            pairs = [(split_lines(old), split_lines(new)) for old, new in texts.values()]
            peers["difflib"] = median_seconds(lambda: [difflib_blocks(old, new) for old, new in pairs], 1)
        print(row(f"  in {files} file{'s' * (files > 1)}", ours, peers))


def sqlalchemy(version: str) -> Path:
    """SQLAlchemy's package at `version`, unpacked from its PyPI wheel (downloaded once)."""
    target = CACHE / f"sqlalchemy-{version}"
    if not target.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "-q"]
        subprocess.run([*pip, "-d", str(CACHE), f"sqlalchemy=={version}"], check=True)
        [wheel] = CACHE.glob(f"[Ss][Qq][Ll][Aa]lchemy-{version}-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            members = [m for m in archive.namelist() if m.startswith("sqlalchemy/") and m.endswith((".py", ".pyi"))]
            archive.extractall(target, members)
    return target / "sqlalchemy"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def numstat(repo: Path, *options: str) -> tuple[int, int]:
    """(changed lines, hunks) of `git diff HEAD` with `options`."""
    patch = git(repo, "diff", "HEAD", "-U3", *options)
    lines = patch.splitlines()
    changed = sum(1 for line in lines if line[:1] in "+-" and not line.startswith(("+++ ", "--- ")))
    return changed, sum(1 for line in lines if line.startswith("@@ "))


def bench_real(runs: int) -> None:
    old, new = sqlalchemy(OLD), sqlalchemy(NEW)
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        shutil.copytree(old, repo / "lib" / "sqlalchemy")
        git(repo, "init", "-q")
        git(repo, "add", "-A")
        git(repo, "-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-qm", OLD)
        shutil.rmtree(repo / "lib" / "sqlalchemy")
        shutil.copytree(new, repo / "lib" / "sqlalchemy")
        changeset, _ = working_tree_changeset(repo)
        print(f"\nSQLAlchemy {OLD} -> {NEW}, lib/ in the working tree ({len(changeset.files)} files changed):")
        build = median_seconds(lambda: working_tree_changeset(repo), runs)
        peers = {algorithm: median_seconds(lambda a=algorithm: git(repo, "diff", "HEAD", f"--diff-algorithm={a}"), runs)
                 for algorithm in ("histogram", "patience")}
        print(row("  ChangeSet of the working tree", build, {f"git diff --{a}": s for a, s in peers.items()}))
        texts = [(change.old_text or "", change.new_text or "") for change in changeset.files]
        pairs = [(split_lines(a), split_lines(b)) for a, b in texts]
        diffs = median_seconds(lambda: [FileChange("f", a, b) for a, b in texts], runs)
        reference = median_seconds(lambda: [difflib_blocks(a, b) for a, b in pairs], runs)
        print(row("  its diffs alone", diffs, {"difflib": reference}))
        paints = [asyncio.run(first_paint(lambda: ReviewApp(working_tree_changeset(repo)[0], RevertRejected(Workspace(repo)))))[0]
                  for _ in range(runs)]
        print(f"  {'first frame of the review':32} {statistics.median(paints) * 1000:8.1f} ms (ChangeSet included)")
        ours_lines = sum(changed_lines(change.blocks) for change in changeset.files)
        print(f"  changed lines, hunks: ours {ours_lines}, {changeset.hunk_count}; difflib "
              f"{sum(changed_lines(difflib_blocks(a, b)) for a, b in pairs)}; "
              + "; ".join(f"git {a} {', '.join(map(str, numstat(repo, f'--diff-algorithm={a}')))}"
                          for a in ("histogram", "patience", "myers")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-real", action="store_true", help="skip SQLAlchemy (needs PyPI the first time)")
    args = parser.parse_args()
    bench_synthetic(args.runs)
    if not args.no_real:
        bench_real(args.runs)


if __name__ == "__main__":
    main()

"""Finding the repository a command works in."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git_root(directory: Path) -> Path | None:
    """The top of the git work tree containing `directory`, or None (not in one, or no git)."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=directory, capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return Path(result.stdout.strip()) if result.returncode == 0 else None


def start_within(root: Path, directory: Path) -> str:
    """Where `directory` is inside the repository `root`, as a POSIX path ("" for the root
    itself or a directory outside it): the place typed paths count from (`ContextFiles.start`)."""
    directory, root = directory.resolve(), root.resolve()
    start = directory.relative_to(root).as_posix() if directory.is_relative_to(root) else ""
    return "" if start == "." else start


def find_repo_root(directory: Path) -> Path | None:
    """The top of the git work tree containing `directory`; the directory itself outside git;
    None when `directory` is not a directory."""
    if not directory.is_dir():
        return None
    return git_root(directory) or directory.resolve()

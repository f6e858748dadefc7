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


def find_repo_root(directory: Path) -> Path | None:
    """The top of the git work tree containing `directory`; the directory itself outside git;
    None when `directory` is not a directory."""
    if not directory.is_dir():
        return None
    return git_root(directory) or directory.resolve()

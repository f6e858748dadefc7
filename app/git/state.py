"""What a repository is in the middle of: a merge, a rebase, a cherry-pick… Undo, rewind and
commits refuse then, with one line saying why, rather than mix their work into the person's."""

from __future__ import annotations

from pathlib import Path

IN_PROGRESS = {
    "MERGE_HEAD": "a merge",
    "rebase-merge": "a rebase",
    "rebase-apply": "a rebase (or git am)",
    "CHERRY_PICK_HEAD": "a cherry-pick",
    "REVERT_HEAD": "a revert",
    "BISECT_LOG": "a bisect",
}
"""Files or directories in the git directory that say an operation is under way, and its name."""


def in_progress(git_dir: Path) -> str | None:
    """The operation under way in the repository whose git directory is `git_dir`, or None."""
    return next((what for name, what in IN_PROGRESS.items() if (git_dir / name).exists()), None)

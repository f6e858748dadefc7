"""The working tree as a ChangeSet against HEAD, and reverting parts of it.

The ChangeSet holds what `git diff HEAD` shows: tracked files, staged and unstaged changes alike.
Untracked files are left out (a review must never offer to delete a `.env` nobody asked about);
`git add -N PATH` (intent to add) brings one in, as a new file. A rename is the old path deleted
and the new one added. A file made executable or not (`chmod +x`) has a mode hunk, unless git is
told to ignore modes (`core.fileMode = false`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import git

from app.edits.apply import git_mode
from app.edits.changeset import ChangeSet, FileChange

if TYPE_CHECKING:
    from app.workspace import Written

SYMLINK_MODE = "120000"


def working_tree_changeset(repo_root: Path) -> tuple[ChangeSet, list[str]]:
    """Uncommitted changes to tracked files (staged and unstaged) against HEAD.

    Returns the ChangeSet and a line for each change it leaves out or cannot show ("path: why"):
    symlinks and files that are not UTF-8 text.
    """
    repo = git.Repo(repo_root)
    modes = repo.config_reader().get_value("core", "filemode", True)
    head = None if not repo.head.is_valid() else repo.head.commit
    if head is None:
        listed = repo.git.ls_files("-z", "--cached")
    else:
        listed = repo.git.diff("HEAD", "--name-only", "-z", "--no-renames", "--ignore-submodules=all")
    files, left_out = [], []
    paths = sorted(_listed(listed))
    blobs = _head_blobs(repo, head, paths)
    for path in paths:
        disk = Path(repo.working_tree_dir) / path
        old_mode, blob = blobs.get(path, (None, None))
        if disk.is_symlink() or old_mode == SYMLINK_MODE:
            left_out.append(f"{path}: a symbolic link" + " at HEAD" * (not disk.is_symlink()))
            continue
        try:
            old = repo.odb.stream(bytes.fromhex(blob)).read().decode("utf-8") if blob else None
            new = _disk_text(disk)
        except UnicodeDecodeError:
            left_out.append(f"{path}: not a text file")
            continue
        if old is not None and new is not None and modes:
            change = FileChange(path, old, new, old_mode=old_mode, new_mode=git_mode(disk.stat().st_mode))
        else:
            change = FileChange(path, old, new)
        if old != new or change.hunks:
            files.append(change)
    return ChangeSet(files), left_out


def untracked_files(repo_root: Path) -> list[str]:
    """Files that are neither tracked nor ignored: what a working-tree review leaves out."""
    return git.Repo(repo_root).untracked_files


def revert_working_tree(
    repo_root: Path, changeset: ChangeSet, write: Callable[[ChangeSet], Written]
) -> tuple[Written, list[str]]:
    """Write `changeset` (working tree -> the text to keep) with `write` (the workspace's gate) and
    bring the index along, as `git checkout -p HEAD` does, where that loses nothing.

    An index entry follows when it held the working tree's content (the change was staged whole)
    or was only an intent to add; then a reverted hunk is unstaged too, and `git commit` will not
    bring it back. An entry staged differently from the working tree is left as it was. Returns
    what `write` returned and the paths whose staged version was left holding changes against HEAD.
    """
    paths = [f.path for f in changeset.files]
    if not paths:
        return write(changeset), []
    repo = git.Repo(repo_root)
    differ = _listed(repo.git.diff("--name-only", "-z", "--no-renames", "--", *paths))
    intent_to_add = _listed(repo.git.diff("--name-only", "-z", "--no-renames", "--diff-filter=A", "--", *paths))
    result = write(changeset)
    root = Path(repo.working_tree_dir)
    follow = [p for p in paths if p not in differ or (p in intent_to_add and not (root / p).exists())]
    if follow:
        repo.git.add("--all", "--force", "--", *follow)
    staged = _listed(repo.git.diff("--cached", "--name-only", "-z", "--no-renames", "--", *paths))
    return result, [p for p in paths if p in staged and p not in follow]


def _listed(output: str) -> set[str]:
    """The paths in the NUL-separated output of a `git ... -z --name-only` command."""
    return {p for p in output.split("\0") if p}


def _head_blobs(repo: git.Repo, head: git.Commit | None, paths: list[str]) -> dict[str, tuple[str, str]]:
    """The (mode, blob id) at HEAD of the files among `paths` (one `git ls-tree` per 500 paths:
    reading trees through GitPython took longer than diffing them)."""
    blobs: dict[str, tuple[str, str]] = {}
    for start in range(0, len(paths) if head is not None else 0, 500):
        listed = repo.git.ls_tree("-z", "--full-tree", head.hexsha, "--", *paths[start : start + 500])
        for entry in filter(None, listed.split("\0")):
            meta, path = entry.split("\t", 1)
            mode, kind, sha = meta.split()
            if kind == "blob":
                blobs[path] = (mode, sha)
    return blobs


def _disk_text(path: Path) -> str | None:
    if not path.is_file():
        return None
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()

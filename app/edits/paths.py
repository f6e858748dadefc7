"""Path safety: every path an edit names must stay inside the repository and out of `.git`."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath


class UnsafePathError(ValueError):
    """A path that must not be read or written: absolute, escaping the repo, or inside `.git`."""


def safe_path(repo_root: Path, rel: str) -> Path:
    """The location of repo-relative `rel` under `repo_root`, after checking it is safe to write.

    Refused: empty paths, absolute paths (POSIX or Windows), `..` components, any `.git`
    component, and paths that leave the repository (or enter `.git`) through a symlink. The
    result is `repo_root` (resolved) joined with the normalised `rel`; symlinks inside the repo
    are not replaced by their targets, so deleting or renaming acts on the link itself.
    """
    posix = normalize(rel)
    root = repo_root.resolve()
    path = root.joinpath(*PurePosixPath(posix).parts)
    real = Path(os.path.realpath(path))
    if real != root and root not in real.parents:
        raise UnsafePathError(f"{rel}: resolves outside the repository (through a symlink)")
    if _is_git_dir(real.relative_to(root)):
        raise UnsafePathError(f"{rel}: resolves into .git (through a symlink)")
    if real == root:
        raise UnsafePathError(f"{rel}: names the repository root, not a file")
    return path


def normalize(rel: str) -> str:
    """`rel` as a clean repo-relative POSIX path, or UnsafePathError saying why it is refused."""
    if not rel or not rel.strip():
        raise UnsafePathError("empty path")
    if "\0" in rel:
        raise UnsafePathError(f"{rel!r}: contains a NUL character")
    text = rel.replace("\\", "/")
    if text.startswith("/") or (len(text) > 1 and text[1] == ":" and text[0].isalpha()):
        raise UnsafePathError(f"{rel}: absolute paths are not allowed; give a path relative to the repository")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafePathError(f"{rel}: '..' is not allowed in paths")
    if not parts:
        raise UnsafePathError(f"{rel}: names the repository root, not a file")
    if _is_git_dir(PurePosixPath(*parts)):
        raise UnsafePathError(f"{rel}: files under .git cannot be edited")
    return "/".join(parts)


def _is_git_dir(rel: PurePosixPath | Path) -> bool:
    """True when any component of `rel` is `.git` (case-insensitively, for macOS and Windows)."""
    return any(part.lower() == ".git" for part in rel.parts)

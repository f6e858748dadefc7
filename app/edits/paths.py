"""Paths an edit names: they must stay inside the repository and out of `.git`, and a basename
or a suffix of a repo path is resolved to that path (`RepoFiles`)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path, PurePosixPath


class UnsafePathError(ValueError):
    """A path that must not be read or written: absolute, escaping the repo, or inside `.git`."""


def safe_path(repo_root: Path, rel: str) -> Path:
    """The location of repo-relative `rel` under `repo_root`, after checking it is safe to write.

    Refused: empty paths, absolute paths (POSIX or Windows), home-directory paths (`~/x`,
    `~user/x`: a shell reads them as absolute), `..` components, any `.git` component, and paths that leave the repository (or enter `.git`) through a symlink. The
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
    if text.startswith("~"):
        raise UnsafePathError(f"{rel}: home-directory paths are not allowed; give a path relative to the repository")
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


class RepoFiles:
    """The repository's files, listed when first needed, for resolving the paths a model writes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._listed: list[str] | None = None

    def matches(self, rel: str) -> list[str]:
        """The files `rel` names: itself when it is a file, else every listed file whose path
        ends with `/rel` (a basename or a shorter suffix). Unsafe paths name nothing."""
        try:
            rel = normalize(rel)
            if safe_path(self.root, rel).is_file():
                return [rel]
        except UnsafePathError:
            return []
        return [path for path in self._files() if path.endswith("/" + rel)]

    def _files(self) -> list[str]:
        if self._listed is None:
            self._listed = repo_files(self.root)
        return self._listed

    def named(self, name: str) -> list[str]:
        """Every listed file whose basename is `name`, wherever it is."""
        return [path for path in self._files() if path.rsplit("/", 1)[-1] == name]

    def names_file(self, rel: str) -> bool:
        """True when `rel` names at least one existing file (see `matches`)."""
        return bool(self.matches(rel))


def repo_files(root: Path) -> list[str]:
    """The repo's files, repo-relative and sorted: git's tracked ones and untracked ones that are
    not ignored, or every file under `root` (`.git` aside) where git cannot list them."""
    try:
        result = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root, capture_output=True, check=True, timeout=30,
        )
        return sorted(set(filter(None, result.stdout.decode("utf-8", "replace").split("\0"))))
    except (OSError, subprocess.SubprocessError):
        found = []
        for directory, subdirs, names in os.walk(root):
            subdirs[:] = [d for d in subdirs if d != ".git"]
            found += [Path(directory, n).relative_to(root).as_posix() for n in names]
        return sorted(found)

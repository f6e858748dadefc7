"""Path safety: absolute paths, `..`, `.git` and symlinks leaving the repo are refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.edits.paths import UnsafePathError, normalize, safe_path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "src" / "a.py").write_text("a\n")
    return root


@pytest.mark.parametrize(
    "rel",
    ["", "  ", "/etc/passwd", "C:\\Windows\\x", "c:/x", "../x", "src/../../x", "a/../b", ".git/config",
     ".git", "src/.git/hooks/pre-commit", ".GIT/config", "x\0y", ".", "./"],
)
def test_refused_paths(repo: Path, rel: str) -> None:
    with pytest.raises(UnsafePathError):
        safe_path(repo, rel)


@pytest.mark.parametrize(
    ("rel", "expected"),
    [("src/a.py", "src/a.py"), ("./src/a.py", "src/a.py"), ("src//a.py", "src/a.py"),
     ("src\\a.py", "src/a.py"), ("new/dir/file.txt", "new/dir/file.txt"), (".gitignore", ".gitignore")],
)
def test_accepted_paths(repo: Path, rel: str, expected: str) -> None:
    assert normalize(rel) == expected
    assert safe_path(repo, rel) == repo.resolve() / expected


def test_symlinked_dir_leaving_repo_is_refused(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("s\n")
    os.symlink(outside, repo / "link")
    with pytest.raises(UnsafePathError, match="outside the repository"):
        safe_path(repo, "link/secret.txt")
    with pytest.raises(UnsafePathError, match="outside the repository"):
        safe_path(repo, "link/new-file.txt")


def test_symlinked_file_leaving_repo_is_refused(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "target.txt").write_text("t\n")
    os.symlink(tmp_path / "target.txt", repo / "escape.txt")
    with pytest.raises(UnsafePathError):
        safe_path(repo, "escape.txt")


def test_dangling_symlink_leaving_repo_is_refused(repo: Path, tmp_path: Path) -> None:
    os.symlink(tmp_path / "does-not-exist.txt", repo / "dangling.txt")
    with pytest.raises(UnsafePathError):
        safe_path(repo, "dangling.txt")


def test_symlink_into_git_dir_is_refused(repo: Path) -> None:
    os.symlink(repo / ".git", repo / "innocent")
    with pytest.raises(UnsafePathError, match=".git"):
        safe_path(repo, "innocent/config")


def test_symlink_inside_repo_is_allowed_and_kept(repo: Path) -> None:
    os.symlink(repo / "src", repo / "alias")
    assert safe_path(repo, "alias/a.py") == repo.resolve() / "alias" / "a.py"


def test_repo_root_reached_through_symlink(tmp_path: Path, repo: Path) -> None:
    os.symlink(repo, tmp_path / "via-link")
    assert safe_path(tmp_path / "via-link", "src/a.py") == repo.resolve() / "src" / "a.py"

"""Fixtures for the review screen tests: a real git repository holding the sample files."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from scripts.review_samples import SAMPLE_FILES


def make_repo(root: Path, files: dict[str, str]) -> git.Repo:
    """A git repository at `root` with `files` committed."""
    repo = git.Repo.init(root)
    with repo.config_writer() as config:
        config.set_value("user", "name", "Test")
        config.set_value("user", "email", "test@example.com")
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    repo.index.add(list(files))
    repo.index.commit("initial")
    return repo


@pytest.fixture
def sample_repo(tmp_path: Path) -> Path:
    """A repository with the files `sample_changeset()` applies to, committed."""
    make_repo(tmp_path, SAMPLE_FILES)
    return tmp_path

"""A temporary git index holding HEAD's tree, for building a commit without touching the person's
index, HEAD or working tree; and the identity such commits are made with."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import git


def identity(name: str, email: str) -> dict[str, str]:
    """The environment that makes `name <email>` a commit's author and committer."""
    return {f"GIT_{role}_{part}": value for role in ("AUTHOR", "COMMITTER")
            for part, value in (("NAME", name), ("EMAIL", email))}


EXOSUIT = identity("exosuit", "exosuit@localhost")
"""Exosuit's own commits (checkpoints, the agent's branch), which must work where the person set
no git identity."""


@contextmanager
def head_index(repo: git.Repo) -> Iterator[dict[str, str]]:
    """The environment of git commands working on a temporary index that holds HEAD's tree (empty
    in a repository with no commits), removed afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {"GIT_INDEX_FILE": os.path.join(tmp, "index")}
        if repo.head.is_valid():
            repo.git.read_tree("HEAD", env=env)
        yield env

"""Commits of accepted AI changes on the person's branch, marked as AI-made by a trailer.

A change is committed as exactly what its checkpoint says the AI wrote (`git diff <ref>^ <ref>`)
applied to HEAD in a temporary index: the person's uncommitted edits to the same files stay
uncommitted in the working tree, never folded in. The real index follows only for the committed
paths (their entries become the new HEAD's), so `git status` shows the person's own work as it
was. A commit is refused, with one line, during a merge or rebase, when a file it would commit
has staged changes or is the person's own untracked file, or when the AI's hunks cannot be
placed on HEAD's version of a file (they touch the person's uncommitted lines).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import git

from app.git.checkpoints import Checkpoint
from app.git.index import EXOSUIT, head_index, identity
from app.git.state import in_progress

TRAILER = "Co-authored-by: exosuit ({model}) <exosuit@localhost>"
"""What marks a commit as AI-made (the model that wrote the change in it)."""


class CommitRefused(Exception):
    """The change is left uncommitted; the message says why in one line."""


@dataclass(frozen=True)
class Committed:
    sha: str
    subject: str


def _refusal(root: Path, checkpoint: Checkpoint) -> str | None:
    """Why `checkpoint`'s change cannot be committed alone (one line), or None when it can (as
    far as can be told before placing its hunks on HEAD)."""
    repo = git.Repo(root)
    if what := in_progress(Path(repo.git_dir)):
        return f"not committed: {what} is in progress"
    paths = list(checkpoint.paths)
    has_head = repo.head.is_valid()
    staged = repo.git.diff("--cached", "--name-only", "HEAD", "--", *paths) if has_head else repo.git.ls_files("--cached", "--", *paths)
    if staged:
        return f"not committed: {', '.join(staged.splitlines())} has staged changes of yours"
    at_head = set(repo.git.ls_tree("-r", "--name-only", "HEAD", "--", *paths).splitlines()) if has_head else set()
    yours = [p for p in repo.git.ls_tree("-r", "--name-only", checkpoint.before, "--", *paths).splitlines() if p not in at_head]
    if yours:
        return f"not committed: {', '.join(yours)} {'is' if len(yours) == 1 else 'are'} your own uncommitted file{'s' * (len(yours) > 1)}"
    return None


def commit_change(root: Path, checkpoint: Checkpoint, write_message: Callable[[], str]) -> Committed:
    """Commit `checkpoint`'s change on HEAD with the AI trailer and the message `write_message`
    gives (asked only once the change is known to be committable: it may ask the model); raises
    CommitRefused (see `_refusal`, and when its hunks cannot be placed on HEAD's files)."""
    if why := _refusal(root, checkpoint):
        raise CommitRefused(why)
    message = write_message()
    repo = git.Repo(root)
    paths = list(checkpoint.paths)
    has_head = repo.head.is_valid()
    patch = repo.git.diff("--binary", "--no-renames", checkpoint.before, checkpoint.commit, "--", *paths)
    with head_index(repo) as env, tempfile.TemporaryDirectory() as tmp:
        patch_file = Path(tmp, "change.patch")
        patch_file.write_text(patch + "\n" if patch and not patch.endswith("\n") else patch, encoding="utf-8")
        try:
            repo.git.apply("--cached", str(patch_file), env=env)
        except git.GitCommandError:
            raise CommitRefused("not committed: the AI's hunks touch lines of your uncommitted edits in the same files") from None
        tree = repo.git.write_tree(env=env)
    model = checkpoint.about.model or "unknown model"
    text = f"{message.strip()}\n\n{TRAILER.format(model=model)}\n"
    parents = ["-p", "HEAD"] if has_head else []
    sha = repo.git.commit_tree(tree, *parents, "-m", text, env=_identity(repo))
    repo.git.update_ref("-m", "exosuit: commit an accepted AI change", "HEAD", sha, *(["HEAD"] if has_head else []))
    repo.git.reset("-q", sha, "--", *paths)  # the index follows for these paths only
    return Committed(sha, message.strip().splitlines()[0])


def uncommit(root: Path, checkpoint: Checkpoint) -> bool:
    """When `checkpoint`'s commit is HEAD, move the branch back to its parent (the index of its
    paths along); whether it was. A commit with later ones on top stays in the history."""
    repo = git.Repo(root)
    if not checkpoint.ai_commit or not repo.head.is_valid() or repo.head.commit.hexsha != checkpoint.ai_commit:
        return False
    parents = repo.head.commit.parents
    if not parents:
        return False  # the repository's first commit: there is nothing to move back to
    repo.git.update_ref("-m", "exosuit: undo an AI commit", "HEAD", parents[0].hexsha, checkpoint.ai_commit)
    repo.git.reset("-q", parents[0].hexsha, "--", *checkpoint.paths)
    return True


def recommit(root: Path, checkpoint: Checkpoint) -> bool:
    """When HEAD is still the parent of `checkpoint`'s undone commit, move the branch forward to it
    again (the index of its paths along); whether it was."""
    repo = git.Repo(root)
    if not checkpoint.ai_commit or not repo.head.is_valid():
        return False
    commit = repo.commit(checkpoint.ai_commit)
    if not commit.parents or commit.parents[0].hexsha != repo.head.commit.hexsha:
        return False
    repo.git.update_ref("-m", "exosuit: redo an AI commit", "HEAD", commit.hexsha, repo.head.commit.hexsha)
    repo.git.reset("-q", commit.hexsha, "--", *checkpoint.paths)
    return True


def template_message(checkpoint: Checkpoint) -> str:
    """The commit message when the model cannot write one: the instruction, and the files."""
    instruction = " ".join(checkpoint.about.instruction.split())
    subject = instruction[:69] + "…" if len(instruction) > 70 else instruction
    files = ", ".join(checkpoint.paths)
    return f"{subject or 'Edit ' + files}\n\nFiles: {files}"


def _identity(repo: git.Repo) -> dict[str, str]:
    """The person's git identity for the commit (they accepted the change), else exosuit's."""
    reader = repo.config_reader()
    name, email = reader.get_value("user", "name", ""), reader.get_value("user", "email", "")
    return identity(str(name), str(email)) if name and email else EXOSUIT

"""The agent's own branch: a git worktree where it reads, edits and runs commands apart from the
person's files (`[git] agent_branch`). It starts from the person's working tree as it is — their
uncommitted edits and untracked files included, recorded in a commit on HEAD — so the agent sees
what they see; when it ends, what it changed is a ChangeSet against that start, which the person
reviews hunk by hunk: only the accepted hunks land in their tree (through the write gate). The
branch keeps the agent's last state as a commit; the worktree is removed. Files named like
secrets are never put on the branch (a branch may be pushed), and ignored files (a virtualenv,
`node_modules`) are not in the worktree.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import git

from app.edits import textfile
from app.edits.changeset import ChangeSet, FileChange
from app.git.index import EXOSUIT, head_index
from app.git.state import in_progress

BRANCHES = "exosuit/agent-"


class BranchRefused(Exception):
    """The agent's branch cannot be made now; the message says why in one line."""


def worktrees_dir(root: Path) -> Path:
    """Where the agent's worktrees of the repository at `root` are made: the user's cache dir
    ($EXOSUIT_CACHE, else the platform's), out of the person's tree."""
    from app.context.tags import cache_path

    return cache_path().parent / "worktrees" / hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class AgentBranch:
    root: Path
    """The person's repository."""
    path: Path
    """The worktree the agent works in."""
    branch: str
    base: str
    """The commit of the person's working tree when the agent started."""

    @classmethod
    def start(cls, root: Path) -> AgentBranch:
        """Make a worktree on a new branch holding the person's working tree as it is now.
        Raises BranchRefused during a merge or rebase (the tree is half-made)."""
        repo = git.Repo(root)
        if what := in_progress(Path(repo.git_dir)):
            raise BranchRefused(f"{what} is in progress: finish it or abort it first")
        with head_index(repo) as env:
            repo.git.add("--all", env=env)
            _leave_out_secrets(repo, env)
            tree = repo.git.write_tree(env=env)
        parents = ["-p", "HEAD"] if repo.head.is_valid() else []
        base = repo.git.commit_tree(tree, *parents, "-m", "exosuit: the working tree when the agent started", env=EXOSUIT)
        taken = {b.name for b in repo.branches}
        number = next(n for n in range(1, 10_000) if f"{BRANCHES}{n}" not in taken)
        branch = f"{BRANCHES}{number}"
        path = worktrees_dir(root) / f"agent-{number}"
        path.parent.mkdir(parents=True, exist_ok=True)
        repo.git.worktree("add", "-q", "-b", branch, str(path), base)
        return cls(Path(repo.working_tree_dir or root), path, branch, base)

    def changeset(self) -> ChangeSet:
        """What the agent changed in its worktree since the start, as a ChangeSet on the files
        as they were then (text files; a file it made binary or a symlink is left out)."""
        work = git.Repo(self.path)
        work.git.add("--all")
        listed = work.git.diff("--cached", "--name-only", "-z", "--no-renames", self.base)
        files = []
        for rel in sorted(filter(None, listed.split("\0"))):
            old = _text(work, f"{self.base}:{rel}")
            new_path = self.path / rel
            try:  # exactly: CRLF stays CRLF, as the write gate compares
                new = textfile.read(new_path, rel).text if new_path.is_file() and not new_path.is_symlink() else None
            except textfile.NotTextError:
                continue
            if old != new:
                files.append(FileChange(rel, old, new))
        return ChangeSet(files)

    def finish(self) -> str:
        """Keep the agent's last state as a commit on its branch and remove the worktree; the
        branch's name."""
        work = git.Repo(self.path)
        work.git.add("--all")
        _leave_out_secrets(work, {})
        if work.git.diff("--cached", "--name-only", "HEAD"):
            work.git.commit("-q", "-m", "exosuit: the agent's work", env={**os.environ, **EXOSUIT})
        git.Repo(self.root).git.worktree("remove", "--force", str(self.path))
        return self.branch


def _leave_out_secrets(repo: git.Repo, env: dict[str, str]) -> None:
    """Take files named like secrets (`.env`, keys) out of the index `env` names: a branch may be
    pushed, and they must never be in one."""
    from app.context.secrets import secret_reason

    listed = repo.git.ls_files("-z", "--cached", env=env)
    secrets = [rel for rel in listed.split("\0") if rel and secret_reason(rel)]
    if secrets:
        repo.git.rm("--cached", "-q", "--", *secrets, env=env)


def _text(repo: git.Repo, spec: str) -> str | None:
    try:
        return repo.git.show(spec, strip_newline_in_stdout=False)
    except git.GitCommandError:
        return None

"""Checkpoints: every AI change written to a repository, recorded in git before and after, so that
it can be undone, redone or rewound to, also after a restart.

A checkpoint is two commits kept under `refs/exosuit/checkpoints/<n>`: *before* (HEAD's tree
with the files the change touches as they were on disk just before it, the person's uncommitted
edits and untracked files included) and *after*, its child, with those files as the change left
them; `git diff <ref>^ <ref>` is the change. The after commit's message holds what the change
was (its kind, files, instruction, level, model, lines added and removed) as JSON. Both are made
with a temporary index: the real index, HEAD and the working tree are never touched. Undo, redo
and rewind are themselves recorded, so the history is append-only and the undo stack is read
back from it (`undo_stack`). Old checkpoints are pruned by count and age.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import git

from app.edits import textfile
from app.edits.changeset import ChangeSet, FileChange
from app.git.index import EXOSUIT, head_index
from app.workspace import About

CHECKPOINT_REFS = "refs/exosuit/checkpoints"

Kind = Literal["edit", "undo", "redo", "rewind", "save"]
"""An AI change, the person's undo, redo or rewind of one, or their own save in the editor."""


@dataclass(frozen=True)
class Checkpoint:
    number: int
    commit: str
    """The after commit (its parent is the before commit)."""
    kind: Kind
    paths: tuple[str, ...]
    time: float
    about: About = field(default_factory=About)
    of: int | None = None
    """For an undo or redo: the checkpoint it took back or put again; for a rewind: the one
    rewound to (the files as they were before it)."""
    added: int = 0
    removed: int = 0
    ai_commit: str | None = None
    """The commit made of the change on the person's branch, when one was."""

    @property
    def ref(self) -> str:
        return f"{CHECKPOINT_REFS}/{self.number}"

    @property
    def before(self) -> str:
        return f"{self.commit}^"


class Checkpoints:
    """The checkpoints of the git repository at `root`."""

    def __init__(self, root: Path) -> None:
        self.repo = git.Repo(root)
        self.root = Path(self.repo.working_tree_dir or root)

    def snapshot(self, paths: Iterable[str]) -> str:
        """The tree of HEAD with `paths` as they are on disk now (a missing one left out)."""
        paths = sorted(set(paths))
        with head_index(self.repo) as env:
            present = [p for p in paths if (self.root / p).is_file() or (self.root / p).is_symlink()]
            absent = [p for p in paths if p not in present]
            if present:
                self.repo.git.update_index("--add", "--", *present, env=env)
            if absent:
                self.repo.git.update_index("--force-remove", "--", *absent, env=env)
            return self.repo.git.write_tree(env=env)

    def uncommitted(self, paths: Iterable[str]) -> list[str]:
        """Those of `paths` whose file differs from HEAD (changed, staged or untracked)."""
        paths = list(paths)
        out = self.repo.git.status("--porcelain", "-z", "--untracked-files=all", "--no-renames", "--", *paths) if paths else ""
        return sorted({entry[3:] for entry in out.split("\0") if len(entry) > 3})

    def record(self, before: str, paths: Iterable[str], kind: Kind, about: About = About(), of: int | None = None) -> Checkpoint:
        """Record a change from the tree `before` (a `snapshot` taken just before it) to `paths`
        as they are on disk now; the checkpoint."""
        paths = tuple(sorted(set(paths)))
        after = self.snapshot(paths)
        added = removed = 0
        for line in self.repo.git.diff("--numstat", "--no-renames", before, after).splitlines():
            plus, minus, _ = line.split("\t", 2)
            added += int(plus) if plus.isdigit() else 0
            removed += int(minus) if minus.isdigit() else 0
        number = max((c.number for c in self.history()), default=0) + 1
        checkpoint = Checkpoint(number, "", kind, paths, time.time(), about, of, added, removed)
        parents = ["-p", "HEAD"] if self.repo.head.is_valid() else []
        before_commit = self.repo.git.commit_tree(before, *parents, "-m", f"exosuit checkpoint {number}: before", env=EXOSUIT)
        title = f"exosuit checkpoint {number}: {kind} {', '.join(paths)}"[:200]
        commit = self.repo.git.commit_tree(after, "-p", before_commit, "-m", f"{title}\n\n{_dump(checkpoint)}", env=EXOSUIT)
        self.repo.git.update_ref(checkpoint.ref, commit)
        return replace(checkpoint, commit=commit)

    def set_ai_commit(self, checkpoint: Checkpoint, sha: str) -> Checkpoint:
        """Remember that `checkpoint`'s change was committed as `sha` (its ref moves to a copy
        of its after commit saying so)."""
        updated = replace(checkpoint, ai_commit=sha)
        title = self.repo.git.log("-1", "--format=%s", checkpoint.commit)
        tree = self.repo.git.rev_parse(f"{checkpoint.commit}^{{tree}}")
        commit = self.repo.git.commit_tree(tree, "-p", checkpoint.before, "-m", f"{title}\n\n{_dump(updated)}", env=EXOSUIT)
        self.repo.git.update_ref(checkpoint.ref, commit)
        return replace(updated, commit=commit)

    def diff(self, checkpoint: Checkpoint) -> str:
        """The change `checkpoint` recorded, as a unified diff."""
        return self.repo.git.diff("--no-renames", checkpoint.before, checkpoint.commit)

    def history(self) -> list[Checkpoint]:
        """Every checkpoint kept, oldest first."""
        out = self.repo.git.for_each_ref("--format=%(refname)%00%(objectname)%00%(contents:body)%00", CHECKPOINT_REFS)
        found = []
        for entry in out.split("\0\n"):
            parts = entry.strip("\n").split("\0")
            if len(parts) < 3 or not parts[0].rsplit("/", 1)[-1].isdigit():
                continue
            try:
                found.append(_load(int(parts[0].rsplit("/", 1)[-1]), parts[1], parts[2]))
            except (ValueError, KeyError, TypeError):
                continue  # not one of ours (an older format, or edited by hand)
        return sorted(found, key=lambda c: c.number)

    def change_back(self, checkpoint: Checkpoint, to_before: bool = True) -> ChangeSet:
        """The ChangeSet that takes `checkpoint`'s files from how it left them back to how they
        were before it (or, `to_before=False`, the other way): refused by the write gate for a
        file no longer as the checkpoint says."""
        before = self._files(checkpoint.before, checkpoint.paths)
        after = self._files(checkpoint.commit, checkpoint.paths)
        old, new = (after, before) if to_before else (before, after)
        return ChangeSet([FileChange(p, old[p][0], new[p][0], old_mode=old[p][1], new_mode=new[p][1])
                          for p in checkpoint.paths if old[p] != new[p]])

    def rewind_to(self, checkpoint: Checkpoint) -> ChangeSet:
        """The ChangeSet that puts every file changed by `checkpoint` and the checkpoints after
        it back as it was before `checkpoint`, from the files as they are on disk now. Raises
        NotTextError for a file that is no longer UTF-8 text."""
        later = [c for c in self.history() if c.number >= checkpoint.number]
        firsts: dict[str, Checkpoint] = {}
        for c in later:
            for path in c.paths:
                firsts.setdefault(path, c)
        changes = []
        for path, first in sorted(firsts.items()):
            text, mode = self._files(first.before, (path,))[path]
            disk = self.root / path
            current = textfile.read(disk, path).text if disk.is_file() else None  # exactly: CRLF stays CRLF
            if current != text:
                changes.append(FileChange(path, current, text, new_mode=mode))
        return ChangeSet(changes)

    def prune(self, keep: int, days: float) -> list[int]:
        """Delete the checkpoints beyond the newest `keep` and those older than `days`; their numbers."""
        history = self.history()
        cutoff = time.time() - days * 86400
        old = [c for i, c in enumerate(history) if i < len(history) - keep or c.time < cutoff]
        for c in old:
            self.repo.git.update_ref("-d", c.ref)
        return [c.number for c in old]

    def _files(self, commit: str, paths: Iterable[str]) -> dict[str, tuple[str | None, str | None]]:
        """Each of `paths` in `commit`: its text and mode, (None, None) when it is not there."""
        paths = list(paths)
        found: dict[str, tuple[str | None, str | None]] = {p: (None, None) for p in paths}
        listed = self.repo.git.ls_tree("-z", "--full-tree", commit, "--", *paths) if paths else ""
        for entry in filter(None, listed.split("\0")):
            meta, path = entry.split("\t", 1)
            mode, kind, sha = meta.split()
            if kind == "blob":
                text = self.repo.odb.stream(bytes.fromhex(sha)).read().decode("utf-8")
                found[path] = (text, mode)
        return found


def prune_old(root: Path, keep: int, days: float) -> list[int]:
    """Prune the checkpoints of the repository at `root` (nothing outside git); their numbers."""
    try:
        return Checkpoints(root).prune(keep, days)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandError):
        return []


def undo_stack(history: list[Checkpoint]) -> tuple[list[Checkpoint], list[Checkpoint]]:
    """The checkpoints `/undo` takes back (newest last) and those `/redo` puts again (next last),
    replayed from the history: a change or a rewind goes on the undo stack and empties the redo
    stack; an undo moves its checkpoint over to the redo stack, a redo moves it back; the
    person's own saves are on neither."""
    undo: list[Checkpoint] = []
    redo: list[Checkpoint] = []
    for c in history:
        if c.kind in ("edit", "rewind"):
            undo.append(c)
            redo.clear()
        elif c.kind == "undo" and undo and undo[-1].number == c.of:
            redo.append(undo.pop())
        elif c.kind == "redo" and redo and redo[-1].number == c.of:
            undo.append(redo.pop())
    return undo, redo


def _dump(checkpoint: Checkpoint) -> str:
    return json.dumps({
        "kind": checkpoint.kind, "paths": list(checkpoint.paths), "time": checkpoint.time,
        "instruction": checkpoint.about.instruction, "level": checkpoint.about.level, "model": checkpoint.about.model,
        "of": checkpoint.of, "added": checkpoint.added, "removed": checkpoint.removed, "ai_commit": checkpoint.ai_commit,
    })


def _load(number: int, commit: str, body: str) -> Checkpoint:
    data = json.loads(body)
    about = About(data["instruction"], data["level"], data["model"])
    return Checkpoint(number, commit, data["kind"], tuple(data["paths"]), float(data["time"]), about, data["of"],
                      int(data["added"]), int(data["removed"]), data["ai_commit"])

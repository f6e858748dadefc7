"""The one write gate: every write of an AI change goes policy → checkpoint → atomic apply →
undo record, whoever asks for it (a review, `exosuit apply --yes`, `/undo`, a working-tree revert).

No other module calls `apply_changeset`. The policy (the autonomy level's hook) sees the write
first and may refuse it; the checkpoint is taken only once every file is known to be writable and
something will be written, and only when a file to be overwritten holds uncommitted work (or
always, for a revert of the working tree itself); the write is all files or none; the undo record
is the ChangeSet that puts back every file written, which `undo()` writes through the same gate.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from app.edits.apply import ApplyError, apply_changeset
from app.edits.changeset import ChangeSet, FileChange

Accepted = Mapping[str, Collection[int]]
"""FileChange.path -> the indices of its hunks to write (as `apply_changeset` takes it)."""

Policy = Callable[[ChangeSet, "Accepted | None"], "str | None"]
"""Says why a write may not happen (one line), or None to let it through."""


@dataclass(frozen=True)
class Written:
    """One write that went through the gate."""

    written: list[str] = field(default_factory=list)
    """Repo-relative paths created or changed."""
    deleted: list[str] = field(default_factory=list)
    checkpoint: str | None = None
    """The git ref holding the working tree from just before, when one was taken."""
    undo: ChangeSet = field(default_factory=lambda: ChangeSet([]))
    """Puts every file back as it was before this write (refused for a file changed since)."""

    @property
    def paths(self) -> list[str]:
        return sorted(self.written + self.deleted)


class Workspace:
    """The repository files an AI change may be written to, and the undo records of those writes."""

    def __init__(self, root: Path, policy: Policy | None = None) -> None:
        self.root = root
        self.policy = policy
        self.undoable: list[Written] = []
        """Writes that changed files, oldest first: `undo()` puts back the newest."""

    def write(
        self, changeset: ChangeSet, accepted: Accepted | None = None, *, why: str = "writing the model's edits",
        save_all: bool = False,
    ) -> Written:
        """Write `changeset` (its `accepted` hunks) or raise ApplyError and write nothing.

        `why` names the write in its checkpoint's message; `save_all` takes a checkpoint even when
        no uncommitted work is overwritten (a revert of the working tree changes nothing else).
        """
        return self._write(changeset, accepted, why, save_all, record=True)

    def undo(self) -> Written:
        """Put back the files of the newest write in `undoable`; raises ApplyError (and writes
        nothing) when there is none or a file changed since."""
        if not self.undoable:
            raise ApplyError(["nothing to undo"])
        undone = self._write(self.undoable[-1].undo, None, "undoing the model's edits", False, record=False)
        self.undoable.pop()
        return undone

    def _write(self, changeset: ChangeSet, accepted: Accepted | None, why: str, save_all: bool, record: bool) -> Written:
        refusal = self.policy(changeset, accepted) if self.policy else None
        if refusal:
            raise ApplyError([refusal])
        saved: str | None = None

        def save() -> None:
            nonlocal saved
            from app.worktree import checkpoint, checkpoint_before_write  # git loads on the first write

            message = f"exosuit: before {why}"
            saved = checkpoint(self.root, message) if save_all else checkpoint_before_write(self.root, changeset, accepted, message)

        applied = apply_changeset(self.root, changeset, accepted, before_write=save)
        written = Written(applied.written, applied.deleted, saved, undo_of(changeset, accepted))
        if record and written.paths:
            self.undoable.append(written)
        return written


def undo_of(changeset: ChangeSet, accepted: Accepted | None = None) -> ChangeSet:
    """The ChangeSet that puts every file `changeset` (its `accepted` hunks) writes, creates,
    deletes or renames back as it was."""
    files = []
    for change in changeset.files:
        if accepted is not None and change.path not in accepted:
            continue
        indices = range(len(change.hunks)) if accepted is None else accepted[change.path]
        written, mode = change.text_with(indices), change.mode_with(indices)
        renamed_from = change.path if change.is_rename else None
        path = change.old_path or change.path
        files.append(FileChange(path, written, change.old_text, renamed_from, mode, change.old_mode))
    return ChangeSet(files)

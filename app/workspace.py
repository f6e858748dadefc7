"""The one write gate: every write of an AI change goes policy → checkpoint → atomic apply →
record, whoever asks for it (a review, `exosuit apply --yes`, `/undo`, `/redo`, a rewind, a
working-tree revert).

No other module calls `apply_changeset`. The policy (the autonomy level's hook) sees the write
first and may refuse it; the files it touches are saved (their uncommitted edits and untracked
files included) only once every file is known to be writable and something will be written; the
write is all files or none; then the change is recorded as a checkpoint in git
(`app/git/checkpoints.py`), which is what `undo`, `redo` and `rewind` work from, also after a
restart. Outside a git repository writes are not recorded and cannot be undone.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from app.edits.apply import ApplyError, apply_changeset
from app.edits.changeset import ChangeSet

if TYPE_CHECKING:
    from app.git.checkpoints import Checkpoint, Checkpoints, Kind

Accepted = Mapping[str, Collection[int]]
"""FileChange.path -> the indices of its hunks to write (as `apply_changeset` takes it)."""

Policy = Callable[[ChangeSet, "Accepted | None"], "str | None"]
"""Says why a write may not happen (one line), or None to let it through."""


@dataclass(frozen=True)
class About:
    """What a change was made for, kept with its checkpoint (the Rewind screen lists it)."""

    instruction: str = ""
    level: str = ""
    model: str = ""


@dataclass(frozen=True)
class Written:
    """One write that went through the gate."""

    written: list[str] = field(default_factory=list)
    """Repo-relative paths created or changed."""
    deleted: list[str] = field(default_factory=list)
    checkpoint: str | None = None
    """The git ref recording the write, before and after (None outside git, or nothing written)."""
    saved_work: list[str] = field(default_factory=list)
    """Paths the write changed that held uncommitted work (kept in the checkpoint)."""
    note: str = ""
    """What else came of it, e.g. that an undone change's commit is off the branch."""

    @property
    def paths(self) -> list[str]:
        return sorted(self.written + self.deleted)


class Workspace:
    """The repository files an AI change may be written to, and the checkpoints of those writes."""

    def __init__(self, root: Path, policy: Policy | None = None, *, recorded: bool = True) -> None:
        """`recorded=False`: no checkpoints (the agent's own worktree, whose changes the person
        reviews as a whole before they reach their files)."""
        self.root = root
        self.policy = policy
        self.about: About | None = None
        """What the changes written from now on are for (the instruction, level, model), for the
        checkpoints; the conversation sets it with each question."""
        self._checkpoints: Checkpoints | None | bool = False if recorded else None
        """Opened on first use (False: not yet; None: not a git repository, or not recorded)."""

    @property
    def checkpoints(self) -> Checkpoints | None:
        """The repository's checkpoints, None outside git."""
        if self._checkpoints is False:
            import git  # git loads on the first write

            from app.git.checkpoints import Checkpoints

            try:
                self._checkpoints = Checkpoints(self.root)
            except (git.InvalidGitRepositoryError, git.NoSuchPathError):
                self._checkpoints = None
        return self._checkpoints  # type: ignore[return-value]

    def write(self, changeset: ChangeSet, accepted: Accepted | None = None) -> Written:
        """Write `changeset` (its `accepted` hunks) and record it, or raise ApplyError and write nothing."""
        return self._write(changeset, accepted, "edit")

    def save(self, rel: str, old_text: str, new_text: str) -> Written:
        """Write the person's own edit of `rel` (the editor's save), checked against `old_text`
        (the file as it was read): checkpointed like any write, but theirs, so it is on no undo
        stack and in no AI commit. Raises ApplyError when the file changed on disk since."""
        from app.edits.changeset import FileChange

        return self._write(ChangeSet([FileChange(rel, old_text, new_text)]), None, "save")

    @property
    def undoable(self) -> Checkpoint | None:
        """The checkpoint `undo()` would take back, if any."""
        undo, _ = self._stacks()
        return undo[-1] if undo else None

    @property
    def redoable(self) -> Checkpoint | None:
        """The checkpoint `redo()` would put again, if any."""
        _, redo = self._stacks()
        return redo[-1] if redo else None

    def undo(self) -> Written:
        """Put back the files of the newest change not undone; raises ApplyError (and writes
        nothing) when there is none or a file changed since."""
        checkpoints = self._ready("undo")
        target = self.undoable
        if target is None:
            raise ApplyError(["nothing to undo"])
        written = self._write(checkpoints.change_back(target), None, "undo", of=target.number)
        if not target.ai_commit:
            return written
        from app.git.commits import uncommit

        short = target.ai_commit[:7]
        note = (f"its commit {short} is off the branch" if uncommit(self.root, target)
                else f"its commit {short} stays in the history (HEAD has moved on): commit the undo when you want it there")
        return replace(written, note=note)

    def redo(self) -> Written:
        """Write again the change the newest undo took back; raises ApplyError as `undo` does."""
        checkpoints = self._ready("redo")
        target = self.redoable
        if target is None:
            raise ApplyError(["nothing to redo"])
        written = self._write(checkpoints.change_back(target, to_before=False), None, "redo", of=target.number)
        from app.git.commits import recommit

        if target.ai_commit and recommit(self.root, target):
            return replace(written, note=f"its commit {target.ai_commit[:7]} is back on the branch")
        return written

    def rewind(self, number: int) -> Written:
        """Put every file that checkpoint `number` and the later ones changed back as it was
        before it (recorded as a change of its own, so that `undo` brings the present back)."""
        checkpoints = self._ready("rewind")
        target = next((c for c in checkpoints.history() if c.number == number), None)
        if target is None:
            raise ApplyError([f"no checkpoint {number}"])
        from app.edits.textfile import NotTextError

        try:
            changes = checkpoints.rewind_to(target)
        except NotTextError as error:
            raise ApplyError([str(error)]) from None
        return self._write(changes, None, "rewind", of=number)

    def _ready(self, doing: str) -> Checkpoints:
        """The checkpoints to work from; ApplyError (one line) outside git or during a merge or rebase."""
        from app.git.state import in_progress

        checkpoints = self._require()
        if what := in_progress(Path(checkpoints.repo.git_dir)):
            raise ApplyError([f"cannot {doing} during {what} in progress: finish it or abort it first"])
        return checkpoints

    def _require(self) -> Checkpoints:
        if self.checkpoints is None:
            raise ApplyError([f"{self.root} is not a git repository: changes are not recorded there (git init)"])
        return self.checkpoints

    def _stacks(self) -> tuple[list[Checkpoint], list[Checkpoint]]:
        from app.git.checkpoints import undo_stack

        return undo_stack(self.checkpoints.history()) if self.checkpoints else ([], [])

    def _write(self, changeset: ChangeSet, accepted: Accepted | None, kind: Kind, of: int | None = None) -> Written:
        refusal = self.policy(changeset, accepted) if self.policy else None
        if refusal:
            raise ApplyError([refusal])
        paths = sorted({p for f in changeset.files if accepted is None or f.path in accepted
                        for p in (f.path, f.old_path) if p})
        before: tuple[str, list[str]] | None = None

        def save() -> None:
            nonlocal before
            if self.checkpoints is not None:
                before = (self.checkpoints.snapshot(paths), self.checkpoints.uncommitted(paths))

        applied = apply_changeset(self.root, changeset, accepted, before_write=save)
        written = Written(applied.written, applied.deleted)
        if before is None or not written.paths:
            return written
        about = self.about if kind == "edit" and self.about else About()  # an undo or a save is the person's
        checkpoint = self.checkpoints.record(before[0], paths, kind, about, of)  # type: ignore[union-attr]
        return Written(applied.written, applied.deleted, checkpoint.ref, before[1])

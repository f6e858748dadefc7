"""Reviewing a ChangeSet hunk by hunk: the marks, the decision log, undo, and the result.

`Review` holds the state the review screen shows and changes; it has no UI so it can be used and
tested on its own. `ReviewResult` is what a finished review hands back: which hunks to write
(`accepted`, the map the workspace's `write` takes) and, for a model conversation, the rejections
phrased as a failure the model must address (`feedback_for_model`). A `ReviewTarget` writes it:
`WriteAccepted` for edits a model proposed, `RevertRejected` for a review of the working tree.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from enum import Enum

import prompts
from app.edits.changeset import ChangeSet, FileChange
from app.workspace import Workspace, Written
from app.git.worktree import revert_working_tree


class HunkState(str, Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Mark:
    """Where one hunk stands: its state and the reviewer's comment (for a rejection)."""

    state: HunkState = HunkState.PENDING
    comment: str = ""
    edited: bool = False
    """Accepted after the reviewer rewrote the proposed lines."""


@dataclass(frozen=True)
class Decision:
    """One accept or reject, as the reviewer made it."""

    path: str
    hunk: int
    """The hunk's index in its file when the decision was made."""
    header: str
    accepted: bool
    comment: str = ""
    seconds: float = 0.0
    """Time spent on the hunk before deciding."""
    edited: bool = False
    """The reviewer edited the proposed text before accepting it."""


@dataclass
class _Undo:
    """What one action changed, to put it back: a file's change and marks, and the log length."""

    file_index: int
    hunk_index: int
    change: FileChange
    marks: list[Mark]
    decisions: int


class Review:
    """The reviewer's marks on every hunk of `changeset`, changed by decisions, splits and edits.

    Splits and edits change a file's hunks, so marks are kept per file in a list parallel to
    `FileChange.hunks`. A split or edit works on a copy of the FileChange, which replaces the
    original in `changeset.files`; undo puts the previous object back.
    """

    def __init__(self, changeset: ChangeSet) -> None:
        self.changeset = changeset
        self.marks: list[list[Mark]] = [[Mark() for _ in f.hunks] for f in changeset.files]
        self.decisions: list[Decision] = []
        self._undo: list[_Undo] = []
        self.proposed = {f.path: f.new_text for f in changeset.files}
        """Each file's new text before any edit made in the review."""

    def mark(self, file_index: int, hunk_index: int) -> Mark:
        return self.marks[file_index][hunk_index]

    def decide(
        self, file_index: int, hunk_index: int, accepted: bool, comment: str = "", seconds: float = 0.0
    ) -> Decision:
        """Accept or reject one hunk, recording the decision."""
        self._remember(file_index, hunk_index)
        return self._decide(file_index, hunk_index, accepted, comment, seconds)

    def decide_file(self, file_index: int, accepted: bool, seconds: float = 0.0) -> list[Decision]:
        """Accept or reject every hunk of a file (one undo step)."""
        self._remember(file_index)
        hunks = range(len(self.changeset.files[file_index].hunks))
        return [self._decide(file_index, h, accepted, "", seconds / max(1, len(hunks))) for h in hunks]

    def accept_all(self) -> ReviewResult:
        """Accept every hunk of every file (as `Y` on each would); the result, ready to write."""
        for index in range(len(self.changeset.files)):
            self.decide_file(index, True)
        return self.result()

    def split(self, file_index: int, hunk_index: int) -> bool:
        """Split a hunk into one hunk per block; each part keeps the hunk's mark."""
        change = self.changeset.files[file_index]
        if len(change.hunks[hunk_index].blocks) < 2:
            return False
        self._remember(file_index, hunk_index)
        parts = len(change.hunks[hunk_index].blocks)
        self._writable(file_index).split(hunk_index)
        marks = self.marks[file_index]
        marks[hunk_index : hunk_index + 1] = [marks[hunk_index]] * parts
        return True

    def edit(self, file_index: int, hunk_index: int, text: str, seconds: float = 0.0) -> Decision | None:
        """Replace what a hunk proposes with `text` and accept it.

        Returns the decision, or None when the edited text changes nothing (the hunk is gone).
        """
        self._remember(file_index, hunk_index)
        kept = self._writable(file_index).edit_hunk(hunk_index, text)
        if not kept:
            del self.marks[file_index][hunk_index]
            return None
        return self._decide(file_index, hunk_index, True, "", seconds, edited=True)

    def undo(self) -> tuple[int, int] | None:
        """Undo the last decision, split or edit; returns the (file, hunk) it was about, if any."""
        if not self._undo:
            return None
        step = self._undo.pop()
        self.changeset.files[step.file_index] = step.change
        self.marks[step.file_index] = step.marks
        del self.decisions[step.decisions :]
        return step.file_index, step.hunk_index

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def counts(self) -> dict[HunkState, int]:
        """How many hunks are accepted, rejected and pending."""
        counts = dict.fromkeys(HunkState, 0)
        for marks in self.marks:
            for mark in marks:
                counts[mark.state] += 1
        return counts

    def file_state(self, file_index: int) -> HunkState | None:
        """The state all of a file's hunks share, or None when they differ (partly decided)."""
        states = {mark.state for mark in self.marks[file_index]}
        return states.pop() if len(states) == 1 else None

    def result(self) -> ReviewResult:
        """The outcome so far, ready for a `ReviewTarget` to write and for the model."""
        return ReviewResult(
            self.changeset,
            {f.path: list(marks) for f, marks in zip(self.changeset.files, self.marks)},
            list(self.decisions),
            dict(self.proposed),
        )

    def _decide(
        self, file_index: int, hunk_index: int, accepted: bool, comment: str, seconds: float, edited: bool = False
    ) -> Decision:
        change = self.changeset.files[file_index]
        state = HunkState.ACCEPTED if accepted else HunkState.REJECTED
        self.marks[file_index][hunk_index] = Mark(state, comment, edited)
        decision = Decision(
            change.path, hunk_index, change.hunks[hunk_index].header, accepted, comment, round(seconds, 3), edited
        )
        self.decisions.append(decision)
        return decision

    def _remember(self, file_index: int, hunk_index: int = 0) -> None:
        change = self.changeset.files[file_index]
        marks = list(self.marks[file_index])
        self._undo.append(_Undo(file_index, hunk_index, change, marks, len(self.decisions)))

    def _writable(self, file_index: int) -> FileChange:
        """A copy of a file's change put in its place, so the remembered original stays intact."""
        change = copy.copy(self.changeset.files[file_index])
        change.hunks = list(change.hunks)
        self.changeset.files[file_index] = change
        return change


@dataclass
class ReviewResult:
    """The outcome of a review: marks per file, the decision log, and what was written."""

    changeset: ChangeSet
    marks: dict[str, list[Mark]]
    """FileChange.path -> one mark per hunk, in the order of `FileChange.hunks`."""
    decisions: list[Decision]
    proposed: dict[str, str | None] = field(default_factory=dict)
    """Each file's new text before any edit made in the review (for a working-tree review: what
    was on disk when it started)."""
    applied: bool = False
    """True once the accepted hunks were written (or reverted, for a working-tree review)."""
    written: list[str] = field(default_factory=list)
    """Paths written on disk."""
    deleted: list[str] = field(default_factory=list)
    """Paths deleted from disk."""
    checkpoint: str | None = None
    """The git ref recording the write, before and after (see app/git/checkpoints.py)."""
    saved_work: list[str] = field(default_factory=list)
    """Paths written over that held uncommitted work (kept in the checkpoint)."""
    staged_kept: list[str] = field(default_factory=list)
    """Working-tree review: reverted paths whose staged version (staged apart from the working
    tree's) was left in the index as it was."""

    @property
    def accepted(self) -> dict[str, list[int]]:
        """FileChange.path -> accepted hunk indices, only for files with at least one."""
        return {p: self._indices(p, HunkState.ACCEPTED) for p in self.marks if self._indices(p, HunkState.ACCEPTED)}

    @property
    def rejected(self) -> dict[str, list[int]]:
        """FileChange.path -> rejected hunk indices, only for files with at least one."""
        return {p: self._indices(p, HunkState.REJECTED) for p in self.marks if self._indices(p, HunkState.REJECTED)}

    def left(self) -> list[str]:
        """One line per file with hunks that were not accepted: what the review left unwritten."""
        lines = []
        for change in self.changeset.files:
            marks = self.marks[change.path]
            rejected = sum(m.state is HunkState.REJECTED for m in marks)
            pending = sum(m.state is HunkState.PENDING for m in marks)
            if rejected or pending:
                parts = [f"{rejected} rejected"] * bool(rejected) + [f"{pending} undecided"] * bool(pending)
                hunks = f"{len(marks)} hunk{'s' * (len(marks) != 1)}"
                lines.append(f"{change.path}: {', '.join(parts)} of {hunks}")
        return lines

    def feedback_for_model(self) -> str | None:
        """The rejected and undecided hunks, with comments, as a failure the model must address;
        the hunks the reviewer rewrote before accepting them, as they were written.

        None when every hunk was accepted as proposed.
        """
        sections = []
        for change in self.changeset.files:
            for index, (hunk, mark) in enumerate(zip(change.hunks, self.marks[change.path])):
                if mark.state is HunkState.ACCEPTED and not mark.edited:
                    continue
                where = f"### {change.path}, hunk {index + 1} of {len(change.hunks)}"
                if mark.state is HunkState.ACCEPTED:
                    sections.append(f"{where}: ACCEPTED WITH THE REVIEWER'S CHANGES, written as shown\n\n"
                                    f"```diff\n{hunk.text}```\n")
                    continue
                verdict = "REJECTED" if mark.state is HunkState.REJECTED else "NOT APPLIED (left undecided)"
                comment = mark.comment or "(no comment given)"
                sections.append(f"{where}: {verdict}\nReviewer's comment: {comment}\n\n```diff\n{hunk.text}```\n")
        if not sections:
            return None
        counts = {s: sum(m.state is s for ms in self.marks.values() for m in ms) for s in HunkState}
        if counts[HunkState.ACCEPTED] == sum(counts.values()):
            return prompts.load("review_edited", hunks="\n".join(sections))
        return prompts.load(
            "review_feedback",
            accepted=str(counts[HunkState.ACCEPTED]),
            rejected=str(counts[HunkState.REJECTED]),
            pending=str(counts[HunkState.PENDING]),
            hunks="\n".join(sections),
        )

    def _indices(self, path: str, state: HunkState) -> list[int]:
        return [i for i, mark in enumerate(self.marks[path]) if mark.state is state]


class ReviewTarget:
    """What a finished review writes, through the workspace's gate, and how it tells the reviewer."""

    does = ""
    """What ctrl+s does, for the review bar."""
    note = ""
    """A line the review bar always shows, or ""."""
    verb = "Wrote"

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def write(self, result: ReviewResult) -> ReviewResult:
        """Write a finished review; returns `result`, updated. Raises `ApplyError` and writes
        nothing when a file cannot be written, e.g. because it changed on disk during the review."""
        raise NotImplementedError

    def summary(self, result: ReviewResult) -> str:
        """What was written and what was left, one line each, for the reviewer."""
        lines = [f"{self.verb} {', '.join(result.written)}"] if result.written else []
        lines += [f"Deleted {', '.join(result.deleted)}"] if result.deleted else []
        lines = (lines or ["Nothing written."]) + self._left(result)
        if result.checkpoint and result.saved_work:
            lines.append(f"Your uncommitted work in {', '.join(result.saved_work)} is kept in {result.checkpoint}")
        return "\n".join(lines)

    def _left(self, result: ReviewResult) -> list[str]:
        return [f"Not written: {line}" for line in result.left()]

    def _written(self, result: ReviewResult, written: Written) -> ReviewResult:
        result.applied = True
        result.written, result.deleted, result.checkpoint = written.written, written.deleted, written.checkpoint
        result.saved_work = written.saved_work
        return result


class WriteAccepted(ReviewTarget):
    """A review of proposed edits: the accepted hunks are written, nothing else."""

    does = "writes the accepted hunks"

    def write(self, result: ReviewResult) -> ReviewResult:
        return self._written(result, self.workspace.write(result.changeset, result.accepted) if result.accepted else Written())


class RevertRejected(ReviewTarget):
    """A review of the working tree against HEAD: the rejected hunks are reverted, the rest kept,
    the files as they were recorded in a checkpoint; the index follows where it held the working
    tree's content (see `revert_working_tree`)."""

    does = "reverts the rejected hunks"
    note = "working tree vs HEAD: rejected hunks are reverted"
    verb = "Reverted hunks in"

    def write(self, result: ReviewResult) -> ReviewResult:
        changes = []
        for change in result.changeset.files:
            rejected = set(result.rejected.get(change.path, ()))
            if rejected:
                kept = [i for i in range(len(change.hunks)) if i not in rejected]
                text, mode = change.text_with(kept), change.mode_with(kept)
                changes.append(FileChange(change.path, result.proposed[change.path], text, None, change.new_mode, mode))
        changes += [
            FileChange(f.path, result.proposed[f.path], f.new_text)
            for f in result.changeset.files
            if f.path not in result.rejected and f.new_text != result.proposed[f.path]
        ]

        def write(changeset: ChangeSet) -> Written:
            return self.workspace.write(changeset)

        written, result.staged_kept = revert_working_tree(self.workspace.root, ChangeSet(changes), write)
        return self._written(result, written)

    def _left(self, result: ReviewResult) -> list[str]:
        pending = sum(m.state is HunkState.PENDING for ms in result.marks.values() for m in ms)
        lines = [f"Kept {pending} undecided hunk{'s' * (pending != 1)} as they are."] if pending else []
        return lines + ([f"Staged changes left in the index: {', '.join(result.staged_kept)}"] if result.staged_kept else [])

"""The conversation loop: a question, the model's answer, its edits placed, refused edits sent
back once, the person's review, its feedback sent to the model, and round again.

`Conversation.send()` drives every step and yields plain event values (frozen dataclasses that
`dataclasses.asdict` serializes) for whoever shows them: the TUI, a headless command, a log. It
asks for what only the person can decide through the `Reviewer` it was given (the TUI opens the
review screen; a headless command answers from its flags; a test from a script) and writes only
through the workspace's gate. A turn that fails or is stopped ends the loop; a stopped correction
still brings the edits placed before it to review.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

import prompts
from app.chat import ChatEvent, ChatSession, CompactError, TurnKind
from app.compaction import Compacted
from app.llm.base import ProviderError, ProviderSwitched
from app.proposal import Proposal, propose
from app.workspace import About, Workspace, Written

if TYPE_CHECKING:
    from app.edits.changeset import ChangeSet
    from app.git.checkpoints import Checkpoint
    from app.llm.router import Router
    from app.review import ReviewResult, WriteAccepted
    from app.shell import CommandResult

Severity = Literal["information", "warning", "error"]
MAX_COMMIT_DIFF = 12_000
"""Characters of a change's diff the model sees to write its commit message."""
E = TypeVar("E")


@dataclass(frozen=True)
class TurnStarted:
    """A turn goes to the model: typed by the person (`user`) or written by the loop (`feedback`:
    a correction request or the review's outcome, shown under `title`)."""

    text: str
    kind: TurnKind = "user"
    title: str = ""


@dataclass(frozen=True)
class TurnFailed:
    """The turn's answer failed or broke part-way (one line); the loop stops."""

    error: str


@dataclass(frozen=True)
class Notice:
    """A line for the person about the loop's progress: edits dropped, what a review wrote."""

    text: str
    severity: Severity = "information"


@dataclass(frozen=True)
class RangeDrafted:
    """The new text of lines `first`..`last` of `path` so far, whole lines, as a selection edit's
    answer streams (for an inline diff of the range; its review comes after)."""

    path: str
    first: int
    last: int
    text: str


LoopEvent = ChatEvent | TurnStarted | TurnFailed | Notice | Compacted | RangeDrafted


class Reviewer(Protocol):
    """Who decides on a proposal's hunks."""

    def review(self, proposal: Proposal, target: WriteAccepted) -> ReviewResult | None:
        """Let the person decide on `proposal.changeset`, written through `target` when they apply
        it; returns the result, or None when they closed the review without writing."""
        ...


class Conversation:
    """One conversation with the model about a repository, from question to written edits."""

    def __init__(self, session: ChatSession, reviewer: Reviewer, workspace: Workspace | None = None, *,
                 auto_commit: bool = False, commit_router: Router | None = None, edit_router: Router | None = None) -> None:
        """`auto_commit`: commit each accepted change (`[git] auto_commit`); `commit_router` and
        `edit_router`: who writes the commit messages and the selection edits (`[roles]`; None:
        the chat's providers)."""
        self.session = session
        self.reviewer = reviewer
        self.workspace = workspace or Workspace(session.repo_root)
        """Where reviews write, through the one gate (it records the checkpoints `undo()` works from)."""
        self.auto_commit = auto_commit
        self.commit_router = commit_router
        self.edit_router = edit_router
        self.reopenable: Proposal | None = None
        """The latest proposal whose review was closed without writing anything (`reopen()`)."""
        self._running = threading.Lock()
        self._stop_tests = threading.Event()

    @property
    def busy(self) -> bool:
        """Whether the loop is running: an answer streams or a review is open."""
        return self._running.locked()

    def send(self, text: str, kind: TurnKind = "user", title: str = "") -> Iterator[LoopEvent]:
        """Ask `text`; the events of carrying its answer through edits, retry and review to the end,
        starting with the `TurnStarted` of `text` (yielded before anything is sent).

        The loop is `busy` from this call until the events are exhausted (iterate them to the end).
        Raises RuntimeError when it is busy already.
        """
        return self.exclusive(self._turns(text, kind, title))

    def reopen(self) -> Iterator[LoopEvent]:
        """Review again the latest proposal closed without writing, placed on the files as they
        are now, and go on from its outcome (busy as for `send`). Raises RuntimeError when there
        is none or the loop is busy."""
        if self.reopenable is None:
            raise RuntimeError("no closed review to reopen")
        return self.exclusive(self._reopened(self.reopenable))

    def test(self, command: str) -> Iterator[LoopEvent]:
        """Run the tests (`command`) in the sandbox; when they fail, send their output to the
        model and carry its answer through the loop (busy as for `send`)."""
        return self.exclusive(self._tested(command))

    def _tested(self, command: str) -> Iterator[LoopEvent]:
        from app import shell

        yield Notice(f"Running the tests: {command}")
        result = shell.run_command(self.session.repo_root, command, stop=self._stop_tests)
        if result.exit_code == 0:
            yield Notice(f"Tests passed ({result.ending}).")
            return
        if result.stopped:  # the person stopped them: a half-run is nothing to fix
            yield Notice(f"Tests stopped ({result.ending}); nothing was sent to the model.")
            return
        yield Notice(f"Tests failed ({result.ending}): their output goes to the model.", "warning")
        yield from self._turns(tests_failed(result), "feedback", f"tests failed: {command}")

    def compact(self) -> Iterator[LoopEvent]:
        """Have the model summarise the older turns (see `ChatSession.compact`): a Notice, then
        the Compacted, or a Notice of why not with the conversation as it was (busy as for `send`)."""
        return self.exclusive(self._compacting())

    def _compacting(self) -> Iterator[LoopEvent]:
        yield Notice("Compacting the conversation: the model summarises the older turns…")
        try:
            yield self.session.compact()
        except (CompactError, ProviderError) as exc:
            yield Notice(f"Not compacted, the conversation is as it was: {exc}", "error")

    def edit_range(self, path: str, first: int, last: int, instruction: str,
                   reviewer: Reviewer | None = None) -> Iterator[LoopEvent]:
        """Have the model rewrite lines `first`..`last` (1-based) of `path` as `instruction` says
        (the Edit level), its answer streaming as `RangeDrafted` events, and have `reviewer` (else
        the conversation's) review the result (busy as for `send`). Only that range can change:
        the model's reply replaces it and nothing else, and a reply that repeats a line from either
        side of it (so that the line would stand twice) is refused and asked again once."""
        return self.exclusive(self._range_edit(path, first, last, instruction, reviewer))

    def _range_edit(self, path: str, first: int, last: int, instruction: str,
                    reviewer: Reviewer | None) -> Iterator[LoopEvent]:
        from app.edits import textfile
        from app.edits.changeset import ChangeSet, FileChange

        self.instructed(instruction, "edit")
        text = textfile.read(self.session.repo_root / path, path).text
        lines = text.splitlines(keepends=True)
        if not 1 <= first <= last <= len(lines):
            yield Notice(f"{path} has no lines {first}-{last}", "error")
            return
        before, part, after = "".join(lines[: first - 1]), "".join(lines[first - 1 : last]), "".join(lines[last:])
        router = self.edit_router or self.session.router
        yield Notice(f"Asking {router.name}/{router.model} to change {path}:{first}-{last}…")
        question = prompts.load("range_edit", path=path, first=str(first), last=str(last), instruction=instruction,
                                before=before, part=part, after=after)
        for attempt in (1, 2):
            reply = ""
            try:
                for piece in self.session.stream_aside(question, max_tokens=4096, what="the edit", router=router):
                    reply += piece
                    if "\n" in piece:
                        yield RangeDrafted(path, first, last, code_block(reply)[0])
            except ProviderError as exc:
                yield Notice(f"No edit: {exc}", "error")
                return
            new_part, closed = code_block(reply)
            if not closed:
                yield Notice(f"The model's reply holds no code block; nothing changed. It said: {reply.strip()[:200]}", "error")
                return
            if part.endswith("\n") and not new_part.endswith("\n"):
                new_part += "\n"
            if part.endswith("\r\n"):  # the file's line endings, not the model's
                new_part = new_part.replace("\r\n", "\n").replace("\n", "\r\n")
            outside = reaches_outside(lines, first, last, new_part)
            if not outside:
                break
            if attempt == 2:
                yield Notice(f"The model's edit still reaches outside {path}:{first}-{last} ({outside}); nothing changed.", "error")
                return
            yield Notice(f"The model's edit reaches outside {path}:{first}-{last} ({outside}): asked again.", "warning")
            question += "\n\n" + prompts.load("range_outside", reply=reply.strip(), problem=outside, first=str(first), last=str(last))
        changeset = ChangeSet([FileChange(path, text, before + new_part + after)])
        if not changeset.files[0].hunks:
            yield Notice(f"The model left {path}:{first}-{last} as it was.")
            return
        yield from self._review(Proposal([], changeset, []), reviewer)

    def cancel(self) -> None:
        """Stop the answer being written, the summary or the tests running (from any thread);
        what came so far is kept as stopped."""
        self._stop_tests.set()
        self.session.cancel()

    def undo(self) -> Written:
        """Put back the files of the newest AI change not undone (also from before a restart),
        and tell the model with the next turn. Raises ApplyError (nothing written) when there is
        none, a file changed since, or git is in the middle of a merge or rebase."""
        return self._told(self.workspace.undo(), "edits_undone")

    def redo(self) -> Written:
        """Write again the change the newest undo took back, and tell the model (raises as `undo`)."""
        return self._told(self.workspace.redo(), "edits_redone")

    def rewind(self, number: int) -> Written:
        """Put the files changed since checkpoint `number` back as they were before it, and tell
        the model (raises as `undo`)."""
        return self._told(self.workspace.rewind(number), "files_rewound")

    def _told(self, written: Written, prompt: str) -> Written:
        note = prompts.load(prompt, files=", ".join(written.paths))
        self.session.pending_note = "\n\n".join(n for n in (self.session.pending_note, note) if n)
        return written

    def commit(self, ref: str | None) -> Iterator[LoopEvent]:
        """Commit the change recorded as checkpoint `ref` when `auto_commit` is on, with a message
        the model writes (a template when it cannot); a Notice saying what came of it."""
        from app.git import commits  # git loads with the first commit

        checkpoints = self.workspace.checkpoints
        if not self.auto_commit or checkpoints is None or ref is None:
            return
        checkpoint = next((c for c in checkpoints.history() if c.ref == ref), None)
        if checkpoint is None or checkpoint.kind != "edit":
            return
        try:
            committed = commits.commit_change(self.session.repo_root, checkpoint, lambda: self._commit_message(checkpoint))
        except commits.CommitRefused as refused:
            yield Notice(f"{refused}; the change is written, and /undo still takes it back", "warning")
            return
        checkpoints.set_ai_commit(checkpoint, committed.sha)
        yield Notice(f"Committed {committed.sha[:7]} “{committed.subject}” (marked as AI-made)")

    def _commit_message(self, checkpoint: Checkpoint) -> str:
        """The model's message for `checkpoint`'s change; the template when the model is the
        offline smoke-test one, fails or answers nothing usable."""
        from app.git import commits

        session = self.session
        router = self.commit_router or session.router
        if router.active.kind == "local":
            return commits.template_message(checkpoint)
        diff = self.workspace.checkpoints.diff(checkpoint)[:MAX_COMMIT_DIFF]  # type: ignore[union-attr]
        question = prompts.load("commit_message", instruction=checkpoint.about.instruction or "(no instruction)", diff=diff)
        try:
            text = session.ask_aside(question, max_tokens=200, what="the commit message", router=router)
        except ProviderError:
            return commits.template_message(checkpoint)
        lines = [line.rstrip() for line in text.strip().strip("`").strip().splitlines()]
        subject = lines[0].strip().strip("\"'") if lines else ""
        if not subject or len(subject) > 100:
            return commits.template_message(checkpoint)
        return "\n".join([subject, *lines[1:5]]).strip()

    def instructed(self, text: str, level: str) -> None:
        """The person asked `text` at `level`: what the changes written from now on are for."""
        router = self.session.router
        self.workspace.about = About(text, level, f"{router.name}/{router.model}")

    def clear(self) -> None:
        """Forget the conversation and any closed review (the context files stay)."""
        self.session.clear()
        self.reopenable = None

    def exclusive(self, events: Iterator[E]) -> Iterator[E]:
        """`events` as the conversation's one running loop (the agent's run, say): `busy` from
        this call until they are exhausted. Raises RuntimeError when it is busy already."""
        if not self._running.acquire(blocking=False):
            raise RuntimeError("the conversation is busy: an answer streams or a review is open")
        self._stop_tests.clear()

        def released() -> Iterator[E]:
            try:
                for event in events:
                    if isinstance(event, ProviderSwitched):
                        self.session.log_event("switch", **dataclasses.asdict(event))
                    yield event
            finally:
                self._running.release()
                self.session.record()  # a turn boundary: the log catches up (and is fsynced)

        return released()

    def review(self, proposal: Proposal, target: WriteAccepted, reviewer: Reviewer | None = None) -> ReviewResult | None:
        """Have `reviewer` (else the conversation's) decide on `proposal`, written through
        `target`; the proposal and every decision go to the session log."""
        started = time.time()
        result = (reviewer or self.reviewer).review(proposal, target)
        self._log_review(proposal, result, started)
        return result

    def _log_review(self, proposal: Proposal, result: ReviewResult | None, started: float) -> None:
        """The review's decisions for the session log (the review analytics), each with the lines
        its hunk changed; a review closed without deciding anything is logged as such."""
        if self.session.transcript is None:
            return
        proposed = [{"path": f.path, "hunks": len(f.hunks), "lines": sum(h.added + h.removed for h in f.hunks)}
                    for f in proposal.changeset.files]
        about = self.workspace.about or About()
        decisions = [
            {"path": d.path, "hunk": d.hunk, "accepted": d.accepted, "comment": d.comment, "seconds": round(d.seconds, 3),
             "edited": d.edited, "lines": _hunk_lines(result.changeset, d.path, d.hunk)}
            for d in (result.decisions if result else [])
        ]
        self.session.log_event("review", level=about.level, model=about.model, seconds=round(time.time() - started, 3),
                               proposed=proposed, decisions=decisions, applied=bool(result and result.applied),
                               written=result.written if result else [])

    def _reopened(self, proposal: Proposal) -> Iterator[LoopEvent]:
        self.session.pending_note = ""  # the review is open again: its outcome is what the model hears
        feedback = yield from self._review(proposal.placed_again(self.session.repo_root))
        if feedback:
            yield from self._turns(feedback, "feedback", "review feedback")

    def _turns(self, text: str, kind: TurnKind, title: str) -> Iterator[LoopEvent]:
        retrying: Proposal | None = None
        if kind == "user":
            self.instructed(text, "files")
        while True:
            yield TurnStarted(text, kind, title)
            try:
                yield from self.session.stream_turn(text, kind=kind)
            except ProviderError as exc:
                yield TurnFailed(str(exc))
                if retrying is not None:  # the correction failed: review what was placed before it
                    yield from self._review(dataclasses.replace(retrying, retried=True))
                return
            turn = self.session.turns[-1]
            if turn.status != "complete":  # stopped
                if retrying is not None:
                    yield from self._review(dataclasses.replace(retrying, retried=True))
                return
            proposal = propose(self.session.repo_root, turn.answer, retrying)
            if proposal is None:
                return
            if proposal.needs_retry:
                retrying = proposal
                text, kind = proposal.retry_message(), "feedback"
                title = f"{proposal.retry_title()} — asking the model to correct"
                continue
            feedback = yield from self._review(proposal)
            if not feedback:
                return
            retrying, text, kind, title = None, feedback, "feedback", "review feedback"

    def _review(self, proposal: Proposal, reviewer: Reviewer | None = None) -> Iterator[LoopEvent]:
        """Show the refusals, have the person review the rest (through `reviewer`, else the
        conversation's); returns the feedback turn to send, if the review leaves the model
        something to do."""
        from app.review import WriteAccepted  # git loads on the first review

        self.reopenable = None
        yield from review_notices(proposal)
        if not proposal.changeset.files:
            return None
        target = WriteAccepted(self.workspace)
        result = self.review(proposal, target, reviewer)
        if result is None or not result.applied:
            self.reopenable = proposal
            self.session.pending_note = prompts.load("review_closed")
            yield Notice("Review closed: nothing written. /review reopens it; otherwise the model is told with your next message.")
            return None
        lines = target.summary(result).splitlines()
        if result.written or result.deleted:
            lines[0] += "  (/undo puts it back · /test runs the tests)"
        for line in lines:
            yield Notice(line)
        yield from self.commit(result.checkpoint)
        refusals = proposal.refusals_note()
        feedback = "\n\n".join(t for t in (result.feedback_for_model(), refusals) if t)
        if feedback and (result.left() or refusals):
            return feedback
        if feedback:  # all accepted, some rewritten: the model learns it with the next message
            self.session.pending_note = feedback
        return None


def _hunk_lines(changeset: ChangeSet, path: str, hunk: int) -> int:
    """The lines hunk `hunk` of `path` adds and removes (0 when it is no longer there)."""
    change = changeset.file(path)
    return change.hunks[hunk].added + change.hunks[hunk].removed if change and hunk < len(change.hunks) else 0


_FENCE = re.compile(r"^(`{3,})[\w+-]*\n", re.MULTILINE)


def code_block(reply: str) -> tuple[str, bool]:
    """The first fenced code block of `reply` as far as it has come (whole lines), and whether its
    closing fence has come too ("" and False before the opening one)."""
    opening = _FENCE.search(reply)
    if opening is None:
        return "", False
    body = reply[opening.end():]
    closing = re.search(rf"^{opening.group(1)}\s*$", body, re.MULTILINE)
    if closing:
        return body[: closing.start()], True
    return body[: body.rfind("\n") + 1], False


def reaches_outside(lines: list[str], first: int, last: int, new_part: str) -> str:
    """Why `new_part`, the new text of lines `first`..`last` of a file of `lines`, reaches past
    them: it starts with the (non-blank) line above them or ends with the line below, which the
    part did not, so that line would stand twice; "" when it does not."""
    new, old = new_part.splitlines(), [line.rstrip() for line in lines[first - 1 : last]]
    if not new:
        return ""
    above = lines[first - 2].rstrip() if first > 1 else ""
    if above.strip() and new[0].rstrip() == above and old[0] != above:
        return f"it starts with line {first - 1}, above them"
    below = lines[last].rstrip() if last < len(lines) else ""
    if below.strip() and new[-1].rstrip() == below and old[-1] != below:
        return f"it ends with line {last + 1}, below them"
    return ""


def tests_failed(result: CommandResult) -> str:
    """What the model is told of a failed test run: the command, how it ended, its output."""
    from app.context import fenced

    return prompts.load("tests_failed", command=result.command, summary=result.ending,
                        output=fenced(result.output or "(no output)"))


def review_notices(proposal: Proposal) -> list[Notice]:
    """What the person is told before a review: the edits dropped, the files left unparsable."""
    notices = [Notice(f"Edit dropped — {problem.summary}", "error") for problem in proposal.problems]
    for change in proposal.broken:
        line, message = change.flag or (0, "")
        notices.append(Notice(f"{change.path} would not parse after these edits — line {line}: {message} (flagged in the review)", "error"))
    return notices

"""The inline review of a selection edit (ctrl+k at the Edit level), over the file's editor.

While the model's answer streams, the range's diff is drawn against what it has written so far
(the lines it has not reached yet still shown as removed). Then the hunks are decided with the
review screen's keys: `y` accepts the one under the cursor, `n` rejects it, `r` rejects it with
a comment for the model, `Y` / `N` decide them all, `j` / `k` move. Once every hunk is decided,
the accepted ones are written through the conversation's target (the one write gate) and the
pane goes; `escape` stops the answer, or closes the review without writing (`/review` reopens it).
"""

from __future__ import annotations

import asyncio
import time
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from app.edits.apply import ApplyError
from app.edits.changeset import ChangeSet, FileChange
from app.review import HunkState, Mark, Review, ReviewResult, WriteAccepted
from widgets.diff_view import DiffView
from widgets.review_dialogs import CommentScreen


class RangeReview(Vertical):
    """The diff of lines `first`..`last` of `path`, drafted, then decided."""

    DEFAULT_CSS = """
    RangeReview {
        height: auto;
        max-height: 70%;
        border: round $accent;
        border-title-color: $text-accent;
        border-subtitle-color: $text-muted;
        background: $background;
        & > DiffView { height: auto; max-height: 100%; scrollbar-size-horizontal: 0; }
        & > Static { color: $text-muted; padding: 0 1; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "decide(True)", "Accept", show=False),
        Binding("n", "decide(False)", "Reject", show=False),
        Binding("Y", "decide_all(True)", "Accept all", show=False),
        Binding("N", "decide_all(False)", "Reject all", show=False),
        Binding("r", "reject_with_comment", "Reject with a comment", show=False),
        Binding("escape", "close", "Stop / close", show=False),
    ]

    class Stop(Message):
        """escape while the answer streams: the screen stops it."""

    def __init__(self, path: str, first: int, last: int, old_text: str) -> None:
        """`old_text`: the file as the model was asked about it."""
        super().__init__()
        self.path, self.first, self.last, self.old_text = path, first, last, old_text
        self.review: Review | None = None
        """Set once the answer is in and the hunks can be decided."""
        self._target: WriteAccepted | None = None
        self._decided: asyncio.Future[ReviewResult | None] | None = None
        self._since = time.monotonic()
        self.border_title = f"Edit {path}:{first}-{last}" if first != last else f"Edit {path}:{first}"
        self.border_subtitle = "writing…"

    def compose(self) -> ComposeResult:
        yield DiffView(ChangeSet([]))
        yield Static(self._keys())

    def on_mount(self) -> None:
        self.diff_view.focus()  # esc stops the answer from the start

    def on_unmount(self) -> None:
        if self._decided is not None and not self._decided.done():  # gone undecided: nothing written
            self._decided.set_result(None)

    @property
    def diff_view(self) -> DiffView:
        return self.query_one(DiffView)

    def draft(self, text: str) -> None:
        """Show the range as the answer has it so far: `text`, its first lines."""
        lines = self.old_text.splitlines(keepends=True)
        rest = "".join(lines[self.first - 1 + text.count("\n") : self.last])  # not reached yet: as they were
        new = "".join(lines[: self.first - 1]) + text + rest + "".join(lines[self.last :])
        self._show(ChangeSet([FileChange(self.path, self.old_text, new)]), [])

    def decide(self, changeset: ChangeSet, target: WriteAccepted) -> asyncio.Future[ReviewResult | None]:
        """Let the person decide on `changeset`, the answer's; what they decide, once written."""
        self.review, self._target = Review(changeset), target
        self._decided = asyncio.get_running_loop().create_future()
        self._show(changeset, self.review.marks)
        self._since = time.monotonic()
        self.border_subtitle = self._progress()
        self.query_one(Static).update(self._keys())
        self.diff_view.focus()
        return self._decided

    def _show(self, changeset: ChangeSet, marks: list[list[Mark]]) -> None:
        view = self.diff_view
        view.changeset = changeset
        view.marks = marks or [[Mark() for _ in f.hunks] for f in changeset.files]
        if changeset.files:
            view.refresh_file(0)
        view.refresh()

    @property
    def deciding(self) -> bool:
        """Whether the answer is in and not yet decided (keys before or after do nothing)."""
        return self._decided is not None and not self._decided.done()

    def action_decide(self, accepted: bool, comment: str = "") -> None:
        if not self.deciding or self.review is None:
            return
        file_index, hunk_index = self.diff_view.cursor
        self.review.decide(file_index, hunk_index, accepted, comment, time.monotonic() - self._since)
        self._since = time.monotonic()
        self.diff_view.refresh_hunk(file_index, hunk_index)
        self._next_or_done()

    def action_decide_all(self, accepted: bool) -> None:
        if not self.deciding or self.review is None:
            return
        self.review.decide_file(0, accepted, time.monotonic() - self._since)
        self._next_or_done()

    def action_reject_with_comment(self) -> None:
        if not self.deciding or self.review is None:
            return
        cursor = self.diff_view.cursor
        hunks = len(self.review.changeset.files[0].hunks)

        def rejected(comment: str | None) -> None:
            if comment is not None:
                self.diff_view.select(*cursor)
                self.action_decide(False, comment)

        self.app.push_screen(CommentScreen(f"hunk {cursor[1] + 1}/{hunks} · {self.path}"), rejected)

    def action_close(self) -> None:
        """escape: stop the answer; once it is in, close without writing anything."""
        if self._decided is None:
            self.post_message(self.Stop())
        elif self.deciding:
            self._decided.set_result(None)

    def _next_or_done(self) -> None:
        """The next undecided hunk; with none left, write what was accepted."""
        assert self.review is not None and self._target is not None and self._decided is not None
        self.border_subtitle = self._progress()
        marks = self.review.marks[0]
        pending = [h for h, mark in enumerate(marks) if mark.state == HunkState.PENDING]
        if pending:
            self.diff_view.select(0, pending[0])
            return
        try:
            result = self._target.write(self.review.result())
        except ApplyError as error:
            self.notify(f"Nothing written: {error}. /review places the edit on the file as it is now.",
                        severity="error", timeout=15)
            self._decided.set_result(None)
            return
        self._decided.set_result(result)

    def _progress(self) -> str:
        if self.review is None:
            return "writing…"
        counts = self.review.counts()
        total = sum(counts.values())
        decided = total - counts[HunkState.PENDING]
        return f"{decided}/{total} decided · {counts[HunkState.ACCEPTED]} accepted"

    def _keys(self) -> Text:
        if self.review is None:
            return Text("the model is writing the new lines · esc stops it")
        return Text.assemble(("y", "bold"), " accept  ", ("n", "bold"), " reject  ", ("r", "bold"),
                             " reject with a comment  ", ("Y/N", "bold"), " all  ", ("j/k", "bold"), " move  ",
                             ("esc", "bold"), " close, nothing written")

"""One answer from the model, streamed as Markdown, and what became of it."""

from __future__ import annotations

import time
from typing import Literal

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Label, Markdown

AnswerStatus = Literal["waiting", "streaming", "complete", "broken", "failed", "cancelled"]

SPINNER = "◐◓◑◒"

FLUSH_SECONDS = 1 / 30
"""How often streamed text is handed to the Markdown widget (bench/chat_stream.py)."""

_ENDINGS: dict[AnswerStatus, str] = {
    "broken": "✗ answer incomplete",
    "failed": "✗ no answer",
    "cancelled": "■ stopped",
}


class AnswerView(Vertical):
    """A header (who is answering, and a spinner while waiting), the Markdown answer, and an error line."""

    DEFAULT_CSS = """
    AnswerView {
        height: auto;
        padding: 0 1 0 1;
        margin: 0 0 1 0;
        border-left: outer $secondary 60%;
        & > #answer-header { color: $text-secondary; width: 1fr; }
        & > Markdown { margin: 0; padding: 0; background: transparent; }
        & > #answer-error { color: $text-error; width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
        &.-broken, &.-failed { border-left: outer $error; }
        &.-broken > Markdown, &.-cancelled > Markdown { opacity: 70%; }
        &.-cancelled { border-left: outer $warning 60%; }
        &.-cancelled > #answer-error { color: $text-warning; }
    }
    """

    status: reactive[AnswerStatus] = reactive("waiting")
    """Where the answer is: waiting for its first token, streaming, or how it ended."""
    label: reactive[str] = reactive("")
    """Who answers, e.g. "openai/gpt-4o-mini" (changes when the router fails over)."""
    usage: reactive[str] = reactive("")
    """What the answer cost, once known, e.g. "1.2k↑ 340↓ $0.0041"."""

    def __init__(self, label: str, waiting: str = "thinking…") -> None:
        super().__init__()
        self.set_reactive(AnswerView.label, label)
        self.waiting = waiting
        """What the header says until the first token arrives."""
        self.text = ""
        """The answer so far."""
        self._pending: list[str] = []
        self._frame = 0
        self._asked = time.monotonic()

    def compose(self) -> ComposeResult:
        yield Label(self._header(), id="answer-header")
        yield Markdown()

    def on_mount(self) -> None:
        self._spinner = self.set_interval(0.15, self._spin)
        self._flusher = self.set_interval(FLUSH_SECONDS, self._flush)

    def append(self, text: str) -> None:
        """Add a piece of the answer (ignored once the answer has ended); shown at the next flush."""
        if self.status not in ("waiting", "streaming"):
            return
        self.status = "streaming"
        self.text += text
        self._pending.append(text)

    async def _flush(self) -> None:
        """Append what arrived since the last flush to the Markdown widget, as one fragment.

        Markdown re-parses (and re-highlights) the block being written on every append, so
        appending each token of a long code block would cost time quadratic in its length. The
        flush timer waits for an append to finish before its next tick, so text that arrives
        meanwhile gathers into the next fragment. (Not Markdown's own MarkdownStream: stopping it
        before its task has started raises CancelledError in the caller.)
        """
        if not self._pending:
            return
        fragment = "".join(self._pending)
        self._pending.clear()
        await self.query_one(Markdown).append(fragment)

    async def finish(self, status: AnswerStatus, error: str = "") -> None:
        """End the answer: complete, or broken/failed/cancelled with a one-line reason."""
        if self.status not in ("waiting", "streaming"):
            return
        self._spinner.stop()
        # Paused, not stopped: stopping would cancel a flush half-way through an append. Appends
        # queue on Markdown's lock, so the rest of the text lands after any append under way.
        self._flusher.pause()
        await self._flush()
        self.status = status
        if not self.text:
            await self.query_one(Markdown).remove()
        if status != "complete":
            reason = " ".join(error.split()) if error else ""
            line = _ENDINGS[status] + (f": {reason}" if reason else "")
            error_line = Label(line, id="answer-error", markup=False)
            error_line.tooltip = line  # the whole reason, when the line is cut to fit
            await self.mount(error_line)

    def watch_status(self, old: AnswerStatus, new: AnswerStatus) -> None:
        self.remove_class(f"-{old}")
        self.add_class(f"-{new}")
        self._update_header()

    def watch_label(self) -> None:
        self._update_header()

    def watch_usage(self) -> None:
        self._update_header()

    def _spin(self) -> None:
        self._frame = (self._frame + 1) % len(SPINNER)
        self._update_header()

    def _header(self) -> Content:
        if self.status == "waiting":
            waited = int(time.monotonic() - self._asked)
            after = f"{SPINNER[self._frame]} {self.waiting}" + (f"  {waited}s" if waited else "")
        elif self.status == "streaming":
            after = SPINNER[self._frame]
        else:
            after = self.usage
        return Content.from_markup("[b]● $label[/b]  [dim]$after[/dim]", label=self.label, after=after)

    def _update_header(self) -> None:
        if self.is_mounted:
            self.query_one("#answer-header", Label).update(self._header())

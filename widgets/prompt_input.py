"""The prompt: a multi-line text area where Enter sends, with history and tab-completion."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.message import Message
from textual.widgets import TextArea

from widgets.slash import Completer


class PromptInput(TextArea):
    """Where the user types. Enter sends; shift+enter or ctrl+j starts a new line."""

    DEFAULT_CSS = """
    PromptInput {
        height: auto;
        min-height: 3;
        max-height: 12;
        border: round $primary 40%;
        padding: 0 1;
        background: $surface;
        &:focus { border: round $primary; }
        & .text-area--cursor-line { background: transparent; }
    }
    """

    @dataclass
    class Submitted(Message):
        """The user sent `text` (stripped, never empty)."""

        prompt: PromptInput
        text: str

        @property
        def control(self) -> PromptInput:
            return self.prompt

    @dataclass
    class Completions(Message):
        """Tab found several candidates (or none: an empty list)."""

        options: list[str]

    def __init__(self, completer: Completer | None = None, *, id: str | None = None) -> None:
        super().__init__(soft_wrap=True, placeholder="Ask about your code, or /help", id=id)
        self.completer = completer
        self._history: list[str] = []
        self._history_index = 0
        self._draft = ""
        """What was being typed before browsing the history (restored when coming back down)."""

    async def _on_key(self, event: events.Key) -> None:
        handled = True
        if event.key == "enter":
            self._submit()
        elif event.key in ("shift+enter", "ctrl+j", "alt+enter"):
            self.insert("\n")
        elif event.key == "tab" and self._complete():
            pass
        elif event.key == "up" and self.cursor_location[0] == 0:
            self._recall(-1)
        elif event.key == "down" and self.cursor_location[0] == self.document.line_count - 1:
            self._recall(+1)
        else:
            handled = False
        if handled:
            event.stop()
            event.prevent_default()
        else:
            await super()._on_key(event)

    def _submit(self) -> None:
        text = self.text.strip()
        if not text:
            return
        if not self._history or self._history[-1] != text:
            self._history.append(text)
        self._history_index = len(self._history)
        self.clear()
        self.post_message(self.Submitted(self, text))

    def _recall(self, step: int) -> None:
        """Move through earlier prompts, like a shell's history."""
        index = self._history_index + step
        if not 0 <= index <= len(self._history):
            return
        if self._history_index == len(self._history):
            self._draft = self.text
        self._history_index = index
        self.text = self._history[index] if index < len(self._history) else self._draft
        self.move_cursor(self.document.end)

    def _complete(self) -> bool:
        """Complete the word before the cursor; whether there was one to complete (else tab
        moves the focus on, as everywhere)."""
        if self.completer is None:
            return False
        row, column = self.cursor_location
        line = self.document.get_line(row)[:column]
        command = row == 0 and line.startswith("/")
        completion = (self.completer.complete if command else self.completer.complete_mention)(line)
        if completion is None:
            return False
        if completion.text is not None:
            self.replace(completion.text, (row, completion.start), (row, column))
        self.post_message(self.Completions(completion.options if len(completion.options) > 1 else []))
        return True

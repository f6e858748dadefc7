"""The editor pane: one repository file in a syntax-highlighted TextArea, with ghost-text
completions at the Tab level of the slider.

After a pause in typing (`debounce`, longer for a slower typist: see MAX_DEBOUNCE) the code
around the cursor goes to `Completions` in a worker thread; typing again cancels the request in flight, and a reply for a cursor that has
moved on is dropped. The suggestion shows dim at the cursor: `tab` takes all of it, `ctrl+right`
its next word, `escape` dismisses it, and typing what it says keeps the rest. `ctrl+s` asks the
screen to save, `ctrl+k` to have the model change the selected lines (this widget writes no file).
"""

from __future__ import annotations

import re
import statistics
import time
from pathlib import Path

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.timer import Timer
from textual.widgets import TextArea

from app.completion import Completions
from widgets.fast_text_area import FastTextArea

LANGUAGES = {".py": "python", ".js": "javascript", ".mjs": "javascript", ".ts": "javascript", ".go": "go",
             ".rs": "rust", ".java": "java", ".json": "json", ".toml": "toml", ".yaml": "yaml", ".yml": "yaml",
             ".md": "markdown", ".sh": "bash", ".html": "html", ".css": "css", ".sql": "sql", ".xml": "xml"}
"""File suffix -> the TextArea language that highlights it."""
MAX_HIGHLIGHTED_LINES = 20_000
"""Longer files are shown plain: a key stays under 16 ms however long the file
(widgets/fast_text_area.py), but the re-parse after a pause grows with it (35-50 ms at 10,000
lines: bench/editor_typing.py)."""
MAX_EDITED_BYTES = 2_000_000
"""Larger files open read-only: editing them would be slow, and they are rarely hand-written."""
DEBOUNCE = 0.12
"""Seconds of pause in typing before a completion is asked for, at least."""
MAX_DEBOUNCE = 0.4
"""At most: the pause waited for grows with the person's own pace between keys (PACE_FACTOR
times it), so that steady typing asks once, when it stops, and not once per key."""
PACE_FACTOR = 2.0
_WORD = re.compile(r"\s*\S+")


class EditorPane(FastTextArea):
    """Edit one file; ghost text when `ghost` is on (the Tab level)."""

    DEFAULT_CSS = """
    EditorPane {
        width: 1fr;
        height: 1fr;
        border: round $primary 40%;
        border-title-color: $text-primary;
        &:focus { border: round $primary; }
        & .text-area--suggestion { color: $text-muted 60%; text-style: italic; }
    }
    """

    BINDINGS = [
        Binding("tab", "accept", "Accept the suggestion", show=False, priority=True),
        Binding("ctrl+right", "accept_word", "Accept a word", show=False, priority=True),
        Binding("ctrl+s", "save", "Save", show=False, priority=True),
        Binding("ctrl+k", "edit_range", "Edit the selection with the model", show=False, priority=True),
        Binding("alt+backslash", "ask", "Ask for ghost text now", show=False, priority=True),
    ]

    class Save(Message):
        """The person asked to save the file as it is in the pane."""

        def __init__(self, editor: EditorPane) -> None:
            super().__init__()
            self.editor = editor

    class EditAsked(Message):
        """ctrl+k: the person wants lines `first`..`last` (1-based) changed by the model."""

        def __init__(self, editor: EditorPane, first: int, last: int) -> None:
            super().__init__()
            self.editor = editor
            self.first, self.last = first, last

    def __init__(self, path: str, text: str, completions: Completions | None = None, *, debounce: float = DEBOUNCE) -> None:
        """`path`: repo-relative; `text`: the file as read (its line endings kept)."""
        lines = text.count("\n")
        language = LANGUAGES.get(Path(path).suffix) if lines <= MAX_HIGHLIGHTED_LINES else None
        huge = len(text.encode("utf-8")) > MAX_EDITED_BYTES
        super().__init__(text, language=language, soft_wrap=False, tab_behavior="indent",
                         show_line_numbers=True, read_only=huge)
        self.path = path
        self.saved_text = text
        """The file's text as it was last read or saved (what a save is checked against)."""
        self.completions = completions
        self.debounce = debounce
        self.ghost = False
        """Whether completions are asked for (the slider is at Tab)."""
        self.on_key_only = False
        """Ask only on `alt+\\`, not after every pause: the model is too slow to keep up (the
        embedded one on a CPU)."""
        self._timer: Timer | None = None
        self._version = 0
        """Counts edits and cursor moves: a reply made for an older one is dropped."""
        self._asked_at: tuple[int, int] = (0, 0)
        self._last_edit = 0.0
        self._gaps: list[float] = []
        """The latest gaps between edits, in seconds: the person's pace."""
        self.too_large = huge
        """Opened read-only for its size (it stays so)."""
        self.border_title = f"{path} (read-only: over {MAX_EDITED_BYTES:,} bytes)" if huge else path
        self.disk_stamp: tuple[int, int] | None = None
        """The file's (mtime, size) when read or saved: a change on disk since is noticed."""

    @property
    def modified(self) -> bool:
        return self.text != self.saved_text

    def update_suggestion(self) -> None:
        """After each edit: cancel what is asked, and ask again after the pause."""
        self._version += 1
        self._asked_at = self.cursor_location
        if self.completions is None or not self.ghost:
            return
        self.completions.cancel()
        if self._timer is not None:
            self._timer.stop()
        if self.on_key_only:
            return
        now = time.monotonic()
        if now - self._last_edit < 1.0:  # a longer gap is a pause, not the pace
            self._gaps = [*self._gaps[-7:], now - self._last_edit]
        self._last_edit = now
        pace = statistics.median(self._gaps) if self._gaps else 0.0
        self._timer = self.set_timer(min(MAX_DEBOUNCE, max(self.debounce, PACE_FACTOR * pace)), self._ask)

    def on_text_area_selection_changed(self, event: TextArea.SelectionChanged) -> None:
        """The cursor moved (not by typing): the suggestion no longer applies."""
        if self.cursor_location != self._asked_at:
            self._version += 1
            self.suggestion = ""
            if self.completions is not None:
                self.completions.cancel()

    def action_ask(self) -> None:
        """alt+\\: ask for ghost text now (how it comes when `on_key_only`)."""
        self._version += 1
        self._asked_at = self.cursor_location
        self._ask()

    def _ask(self) -> None:
        if self.completions is None or not self.ghost or not self.selection.is_empty:
            return
        version, completions = self._version, self.completions
        row, column = self.cursor_location
        document = self.document
        prefix = document.get_text_range((0, 0), (row, column))
        suffix = document.get_text_range((row, column), document.end)

        def fetch() -> None:
            text = completions.complete(prefix, suffix, self.path)
            self.app.call_from_thread(self._arrived, version, text)

        self.run_worker(fetch, thread=True, group="ghost", exit_on_error=False)

    def _arrived(self, version: int, text: str | None) -> None:
        if version != self._version or not text:
            return  # typed or moved on since: stale
        self.suggestion = text
        if self.completions is not None:
            self.completions.shown()

    def action_accept(self) -> None:
        """tab: take the whole suggestion (without one: indent, as in an editor)."""
        if not self.suggestion:
            self.insert(" " * self.indent_width if self.indent_type == "spaces" else "\t")
            return
        text = self.suggestion
        self.suggestion = ""
        self.insert(text)
        if self.completions is not None:
            self.completions.accepted(text)

    def action_accept_word(self) -> None:
        """ctrl+right: take the suggestion's next word (without one: a word right)."""
        match = _WORD.match(self.suggestion)
        if not match:
            self.action_cursor_word_right()
            return
        rest = self.suggestion[match.end():]
        self.insert(match.group())  # typing what it says keeps the rest as the suggestion
        self.suggestion = rest
        if self.completions is not None:
            self.completions.accepted(match.group())

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "escape" and self.suggestion:  # else TextArea's: the focus moves on
            event.stop()
            event.prevent_default()
            self.action_dismiss()
            return
        await super()._on_key(event)

    def action_dismiss(self) -> None:
        """escape: drop the suggestion (and what is asked for it)."""
        self._version += 1
        self.suggestion = ""
        if self.completions is not None:
            self.completions.cancel()

    def action_save(self) -> None:
        self.post_message(self.Save(self))

    def action_edit_range(self) -> None:
        """ctrl+k: the selected lines, else the block of lines (up to blank ones) at the cursor."""
        start, end = sorted((self.selection.start, self.selection.end))
        if start != end:
            last = end[0] if end[1] > 0 or end[0] == start[0] else end[0] - 1
            first = start[0]
        else:
            first = last = self.cursor_location[0]
            lines = self.document.lines
            while first > 0 and lines[first - 1].strip():
                first -= 1
            while last + 1 < len(lines) and lines[last + 1].strip():
                last += 1
        self.post_message(self.EditAsked(self, first + 1, last + 1))

"""A TextArea whose cost per key does not grow with the length of the file.

Textual's TextArea (8.x) does work proportional to the whole document on every edit and every
drawn line: it re-parses the file (reading it through a Python call per line) and runs the
highlight query over the whole syntax tree after each edit (about 550 ms a key at 10,000 lines),
sums the wrapped height once per drawn line, measures every line's width, and joins the whole
text once per drawn line. `FastTextArea` keeps TextArea's behaviour and moves that work off the
keystroke:

- an edit only shifts the syntax tree (`Tree.edit`); the re-parse waits for a pause in typing
  (REPARSE_AFTER), as editors built on tree-sitter do, so colours catch up a moment later;
- highlights are queried for the lines about to be drawn, a window of them per query, and kept
  until the next change; a key typed within one line draws only that line again;
- the height is the length of the wrapped document's offset table, not a sum over lines; the
  widest line is measured in C where the text is ASCII without tabs; the text is joined once
  per change, not once per drawn line.

bench/editor_typing.py measures it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from rich.cells import cell_len
from textual.document._document import Document, EditResult, Location
from textual.document._edit import Edit
from textual.document._document_navigator import DocumentNavigator
from textual.document._syntax_aware_document import SyntaxAwareDocument
from textual.document._wrapped_document import WrappedDocument
from textual.geometry import Size
from textual.timer import Timer
from textual.widgets import TextArea

WINDOW = 64
"""Lines highlighted by one query: a screenful or so, so that one query serves a redraw."""
REPARSE_AFTER = 0.1
"""Seconds without an edit before the syntax tree is parsed again."""

Highlight = tuple[int, int | None, str]
"""TextArea's form: (start byte column, end byte column or None for the line's end, capture)."""


class _DrawnHighlights(dict[int, list[Highlight]]):
    """Line -> its highlights, queried when a line is first asked for (TextArea asks as it draws
    the line), up to WINDOW lines per query."""

    def __init__(self, query: Callable[[int, int], dict], line_count: int) -> None:
        super().__init__()
        self._query = query
        self._line_count = line_count

    def __bool__(self) -> bool:  # TextArea skips highlighting when the map is empty
        return True

    def __missing__(self, line: int) -> list[Highlight]:
        end = line + 1  # up to WINDOW lines from `line`, stopping at one already done
        while end < min(self._line_count, line + WINDOW) and end not in self:
            end += 1
        for row in range(line, end):
            self[row] = []
        for name, nodes in self._query(line, end).items():
            for node in nodes:
                (row0, col0), (row1, col1) = node.start_point, node.end_point
                for row in range(max(row0, line), min(row1, end - 1) + 1):
                    self[row].append((col0 if row == row0 else 0, col1 if row == row1 else None, name))
        return self[line]


class _LazyParseDocument(SyntaxAwareDocument):
    """A SyntaxAwareDocument whose edits shift its syntax tree at once and parse it again only
    when `reparse()` is called (from one UTF-8 copy of the text, not a Python call per line)."""

    stale = False
    """Edited since the last parse: the tree's positions are right, its shape may not be."""

    def replace_range(self, start: Location, end: Location, text: str) -> EditResult:
        top, bottom = sorted((start, end))
        start_byte, old_end_byte = self._location_to_byte_offset(top), self._location_to_byte_offset(bottom)
        start_point, old_end_point = self._location_to_point(top), self._location_to_point(bottom)
        result = Document.replace_range(self, start, end, text)
        self._syntax_tree.edit(
            start_byte=start_byte, old_end_byte=old_end_byte,
            new_end_byte=start_byte + len(text.encode("utf-8")),
            start_point=start_point, old_end_point=old_end_point,
            new_end_point=self._location_to_point(result.end_location))
        self.stale = True
        return result

    def reparse(self) -> None:
        """Parse the edited text again, reusing what the edits left unchanged."""
        self._syntax_tree = self._parser.parse(self.text.encode("utf-8"), self._syntax_tree)
        self.stale = False

    def _location_to_byte_offset(self, location: Location) -> int:
        row, column = location
        lines, newline = self._lines, self.newline
        above = len(newline.join(lines[:row]).encode("utf-8")) + (len(newline) if row else 0)
        return above + (len(lines[row][:column].encode("utf-8")) if row < len(lines) else 0)


class _CountedWrap(WrappedDocument):
    """A WrappedDocument whose height is the length of its offset table (one entry per screen
    line), not a sum over every line each time it is asked."""

    @property
    def height(self) -> int:
        return len(self._offset_to_line_info)


class FastTextArea(TextArea):
    """Textual's TextArea with per-key work bounded by the screen, not the document."""

    _joined: str | None = None
    _reparse_timer: Timer | None = None
    _edited: tuple[int, int] | None = None
    """While an edit is made: (its row, the line count before) when it stays within one row."""

    def _set_document(self, text: str, language: str | None) -> None:
        super()._set_document(text, language)
        if type(self.document) is SyntaxAwareDocument:
            self.document = _LazyParseDocument(self.document.text, self.document.language)
        self.wrapped_document = _CountedWrap(self.document, tab_width=self.indent_width)
        self.navigator = DocumentNavigator(self.wrapped_document)
        self._rewrap_and_refresh_virtual_size()

    def edit(self, edit: Edit) -> EditResult:
        top, bottom = edit.top[0], edit.bottom[0]
        self._edited = (top, self.document.line_count) if top == bottom and not self.soft_wrap else None
        try:
            return super().edit(edit)
        finally:
            self._edited = None

    def _build_highlight_map(self) -> None:
        """After every change to the document: forget the drawn lines and their highlights, and
        parse again once the typing pauses. A key typed within one line forgets only that line:
        until the re-parse, the others look as they did."""
        self._joined = None
        document, query = self.document, self._highlight_query
        if self._edited is not None and self._edited[1] == document.line_count and (
                query is None or isinstance(document, _LazyParseDocument)):
            row = self._edited[0]
            for key in [key for key in self._line_cache.keys() if key[2] == row]:  # key[2]: its line
                self._line_cache.discard(key)
            self._highlights.pop(row, None)
            self._reparse_later()
            return
        self._line_cache.clear()
        if query is None or not isinstance(document, SyntaxAwareDocument):
            self._highlights = defaultdict(list)
            return
        self._highlights = _DrawnHighlights(
            lambda first, end: document.query_syntax_tree(query, (first, 0), (end, 0)), document.line_count)
        self._reparse_later()

    def _reparse_later(self) -> None:
        if isinstance(self.document, _LazyParseDocument) and self.document.stale:
            if self._reparse_timer is not None:
                self._reparse_timer.stop()
            self._reparse_timer = self.set_timer(REPARSE_AFTER, self.reparse)

    def reparse(self) -> None:
        """Parse the document again now and draw its new colours (on a pause in typing)."""
        document = self.document
        if isinstance(document, _LazyParseDocument) and document.stale:
            document.reparse()
            self._build_highlight_map()
            self.refresh()

    @property
    def text(self) -> str:
        """The whole text (joined once per change: TextArea asks for it on every drawn line)."""
        if self._joined is None:
            self._joined = self.document.text
        return self._joined

    @text.setter
    def text(self, text: str) -> None:
        self.load_text(text)

    def _refresh_size(self) -> None:
        if self.soft_wrap:
            super()._refresh_size()
            return
        lines = self.document.lines
        if all(map(str.isascii, lines)) and not any("\t" in line for line in lines):
            width = max(map(len, lines), default=0)
        else:
            width = max((cell_len(line.expandtabs(self.indent_width)) for line in lines), default=0)
        # +1 for the cursor resting after the end of the widest line (as TextArea does)
        self.virtual_size = Size(width + self.gutter_width + 1, len(lines))
        self._refresh_scrollbars()

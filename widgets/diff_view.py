"""DiffView: a ChangeSet drawn with the Line API, fast on diffs of any size.

The ChangeSet is flattened into display rows (file header, folded context, hunk header, context,
removed and added lines; in side-by-side mode removed and added lines are paired on one row).
Each file's rows are built only when one of them is first drawn: the widget keeps just the row
count of every file, so opening a huge diff or toggling the layout costs one pass over the hunks.
`render_line` returns cached `Strip`s keyed by everything that affects a row (the first column,
cursor bar or decision mark, is added on top, so moving the cursor renders nothing again), and
syntax highlighting runs only on the lines being drawn (see `widgets/syntax.py`). A key redraws
only the rows it changes: the old and new cursor hunk, or the whole view when it scrolls (and the
scrollbar only when its thumb moves). A line of code is drawn from its text and style spans
(`_styled`), not through `rich.text.Text`, which cost most of a row's time.

A changed line also shows changes that are otherwise invisible: whitespace that changed (in its
changed-word highlight) and whitespace that ends it are drawn as `·` (a space) and `→` (a tab), a
line without a newline at the end of the file says so, and a carriage return that only one side
has is drawn as `^M`. Context lines are drawn as they are.

The widget shows a hunk cursor and the reviewer's marks; it does not decide anything. Whoever
owns the marks changes them and calls `refresh_hunk()` (after a decision) or `refresh_file()`
(after a split, edit or undo).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from enum import IntEnum
from functools import lru_cache
from itertools import pairwise
from math import ceil
from typing import ClassVar, NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, work
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive, var
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip

from app.edits.changeset import ChangeSet, FileChange
from app.languages import language_for
from app.review import HunkState, Mark
from widgets.syntax import LineHighlighter, capture_style

TAB_SIZE = 4
StyleSpan = tuple[int, int, Style]
"""(start, end, style): a style over a range of characters (0 <= start)."""
Ranges = tuple[tuple[int, int], ...]
"""(start, end) ranges of characters."""
WORD = re.compile(r"\w+|\s+|[^\w\s]")
"""Tokens for word-level highlighting: words, runs of spaces, single punctuation."""
NO_NEWLINE = "⊘ no newline at end of file"
"""Drawn after a changed line that ends the file without a newline."""
CARRIAGE_RETURN = "^M"
"""Drawn after a changed line that ends in "\\r\\n" when its peer does not (as git draws it)."""
_MORE = Style(dim=True, bold=True)
"""The `‹` / `›` drawn where a line goes on past the view's edge."""


class Kind(IntEnum):
    FILE = 0
    FOLD = 1
    HUNK = 2
    CONTEXT = 3
    REMOVED = 4
    ADDED = 5
    PAIR = 6
    """Side by side: an old line and a new line on one row (either may be missing)."""
    BLANK = 7


@dataclass(slots=True)
class Row:
    """One display row. `old`/`new` are line texts: with their line endings on a changed line
    (what its ending marks are drawn from), without on a context line."""

    kind: Kind
    hunk: int = -1
    old_no: int | None = None
    new_no: int | None = None
    old: str | None = None
    new: str | None = None
    peer: str | None = None
    """For a changed line in unified mode: the line it replaces or is replaced by (word diff)."""
    changed: bool = False
    """For a PAIR row: the two sides are a change, not context."""
    hidden: int = 0
    """For a FOLD row: how many unchanged lines it hides."""


@dataclass
class _Layout:
    """A file's rows in one mode: the count and hunk positions always, the rows when drawn."""

    height: int
    hunk_rows: list[int]
    """Row of each hunk's header, relative to the file's first row."""
    hunk_ends: list[int]
    """Row after each hunk's last line, relative to the file's first row."""
    rows: list[Row] | None = field(default=None, repr=False)


class _Frame(NamedTuple):
    """What every row drawn in one pass reads from the widget."""

    width: int
    scroll_x: int
    scroll_y: int
    height: int
    """Rows in the whole view."""
    cursor: tuple[int, int]
    split: bool


class DiffView(ScrollView, can_focus=True):
    """A unified or side-by-side view of a ChangeSet with a hunk cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "next_hunk", "Next hunk", show=False),
        Binding("k,up", "previous_hunk", "Previous hunk", show=False),
        Binding("J,shift+down", "next_file", "Next file", show=False),
        Binding("K,shift+up", "previous_file", "Previous file", show=False),
        Binding("t", "toggle_split", "Unified / side by side", show=False),
        Binding("z", "toggle_fold", "Expand / fold context", show=False),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | j, down | Next hunk. |
    | k, up | Previous hunk. |
    | J, K | Next / previous file. |
    | t | Toggle unified / side-by-side view. |
    | z | Show or fold the unchanged lines of the current file. |
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "diff-view--file",
        "diff-view--hunk",
        "diff-view--hunk-cursor",
        "diff-view--cursor",
        "diff-view--gutter",
        "diff-view--added",
        "diff-view--added-word",
        "diff-view--removed",
        "diff-view--removed-word",
        "diff-view--whitespace",
        "diff-view--fold",
        "diff-view--accepted",
        "diff-view--rejected",
        "diff-view--pending",
    }

    DEFAULT_CSS = """
    DiffView {
        background: $background;
        scrollbar-size-vertical: 1;
        & > .diff-view--file { background: $panel; color: $text; text-style: bold; }
        & > .diff-view--hunk { background: $boost; color: $text-muted; }
        & > .diff-view--hunk-cursor { background: $accent 25%; color: $text; text-style: bold; }
        & > .diff-view--cursor { color: $accent; }
        & > .diff-view--gutter { color: $text-muted; }
        & > .diff-view--added { background: $success 18%; }
        & > .diff-view--added-word { background: $success 40%; }
        & > .diff-view--removed { background: $error 18%; }
        & > .diff-view--removed-word { background: $error 40%; }
        & > .diff-view--whitespace { color: $text-muted; }
        & > .diff-view--fold { color: $text-muted; background: $surface; text-style: italic; }
        & > .diff-view--accepted { color: $text-success; text-style: bold; }
        & > .diff-view--rejected { color: $text-error; text-style: bold; }
        & > .diff-view--pending { color: $text-warning; }
    }
    """

    split: reactive[bool] = reactive(False, init=False)
    """Side-by-side view (True) or unified (False)."""
    cursor: var[tuple[int, int]] = var((0, 0), always_update=True, init=False)
    """The current hunk: (file index, hunk index)."""

    class HunkSelected(Message):
        """The hunk cursor moved."""

        def __init__(self, diff_view: DiffView, file_index: int, hunk_index: int) -> None:
            super().__init__()
            self.diff_view = diff_view
            self.file_index = file_index
            self.hunk_index = hunk_index

        @property
        def control(self) -> DiffView:
            return self.diff_view

    def __init__(
        self,
        changeset: ChangeSet,
        marks: list[list[Mark]] | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.changeset = changeset
        self.marks = marks if marks is not None else [[Mark() for _ in f.hunks] for f in changeset.files]
        """Per file, one Mark per hunk (shared with the owner, who updates it)."""
        self.expanded: set[int] = set()
        """Files whose unchanged lines are shown instead of folded."""
        self._layouts: dict[tuple[int, bool, bool], _Layout] = {}
        """(file index, side by side, unfolded) -> the file's layout in that mode."""
        self._starts: list[int] = []
        self._strips: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        """Rows without their first column, keyed by everything that changes their look."""
        self._lines: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        """Rows as drawn: `_strips` keys plus the first column's look."""
        self._palette: dict[str, Style] = {}
        self._infos: dict[int, tuple[FileChange, FileInfo]] = {}
        self._highlighters: dict[tuple[int, str], LineHighlighter | None] = {}
        self._pending: set[tuple[int, str]] = set()
        """Highlighters being built in a thread."""
        self._number_width = 3
        self._laid_out_width = 0
        """The width the virtual size was last computed for."""
        self._frame: _Frame | None = None
        """Set while `render_lines` draws rows."""
        self.renders = 0
        """Strips built (cache misses): lets tests check that only visible rows are rendered."""

    # -- public API --------------------------------------------------------------------------

    def refresh_file(self, file_index: int) -> None:
        """Redraw after a file's hunks changed (split, edit, undo); keeps the cursor in range."""
        self._highlighters.pop((file_index, "old"), None)
        self._highlighters.pop((file_index, "new"), None)
        for key in [key for key in self._layouts if key[0] == file_index]:
            del self._layouts[key]
        self._strips.clear()
        self._lines.clear()
        self._relayout()
        file_index, hunk_index = self.cursor
        if self.changeset.files:
            hunks = len(self.changeset.files[file_index].hunks)
            self.cursor = (file_index, min(hunk_index, max(0, hunks - 1)))

    def refresh_hunk(self, file_index: int, hunk_index: int) -> None:
        """Redraw a hunk's rows and its file's header (after its mark changed)."""
        start = self._starts[file_index]
        self.refresh_lines(start)
        self._refresh_hunk_rows(file_index, hunk_index)

    def select(self, file_index: int, hunk_index: int = 0) -> None:
        """Move the hunk cursor."""
        self.cursor = (file_index, hunk_index)

    def file_info(self, file_index: int) -> FileInfo:
        """Sizes of a file's change, recomputed when the FileChange at that index is replaced
        (a Review replaces it on split, edit and undo)."""
        change = self.changeset.files[file_index]
        cached = self._infos.get(file_index)
        if cached is None or cached[0] is not change:
            cached = self._infos[file_index] = (change, FileInfo.of(change))
        return cached[1]

    def hunk_positions(self) -> list[tuple[int, int]]:
        """Every (file index, hunk index), in display order."""
        return [(f, h) for f, change in enumerate(self.changeset.files) for h in range(len(change.hunks))]

    def hunk_row(self, file_index: int, hunk_index: int) -> int:
        """The row of a hunk's header in the whole view."""
        layout = self._layout(file_index)
        if not layout.hunk_rows:
            return self._starts[file_index]
        return self._starts[file_index] + layout.hunk_rows[hunk_index]

    # -- actions -----------------------------------------------------------------------------

    def action_next_hunk(self) -> None:
        self._step_hunk(+1)

    def action_previous_hunk(self) -> None:
        self._step_hunk(-1)

    def action_next_file(self) -> None:
        self._step_file(+1)

    def action_previous_file(self) -> None:
        self._step_file(-1)

    def action_toggle_split(self) -> None:
        self.split = not self.split

    def action_toggle_fold(self) -> None:
        self.expanded ^= {self.cursor[0]}
        self._relayout(keep_cursor_on_screen=True)

    # -- reactives ---------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._relayout()
        self.cursor = self.cursor

    def watch_split(self) -> None:
        self._relayout(keep_cursor_on_screen=True)

    def watch_cursor(self, old: tuple[int, int], new: tuple[int, int]) -> None:
        if not self.is_mounted or not self.changeset.files:
            return
        self._refresh_hunk_rows(*old)
        self._refresh_hunk_rows(*new)
        self._scroll_to_hunk(*new)
        self.post_message(self.HunkSelected(self, *new))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._palette.clear()
        self._strips.clear()
        self._lines.clear()

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        # ScrollView compares the compositor's `virtual_size` (the visible area) with its own (the
        # rows), which never match, so every layout of the screen redrew the scrollbars after
        # the frame, in a frame of their own. `_relayout` keeps them in step with the rows.
        if (size, container_size) == (self.outer_size, self.container_size):
            return False
        return super()._size_updated(size, virtual_size, container_size, layout)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        # As ScrollView does, but the scrollbar is redrawn only when its picture changes: on a
        # long diff the thumb moves a cell every few keys, and redrawing it (every cell through
        # Textual's styles) cost as much as redrawing the rows.
        if self.show_vertical_scrollbar:
            bar = self.vertical_scrollbar
            before = _scrollbar_picture(bar)
            bar.set_reactive(ScrollBar.position, bar.validate_position(new_value))
            if _scrollbar_picture(bar) != before:
                bar.refresh()
        if round(old_value) != round(new_value):
            self.refresh(self.size.region)

    def _on_resize(self, event: events.Resize) -> None:
        if self.scrollable_content_region.width != self._laid_out_width:
            self._relayout()

    async def _on_click(self, event: events.Click) -> None:
        y = event.y + int(self.scroll_y)
        if not self._starts or y >= self.virtual_size.height:
            return
        file_index = bisect_right(self._starts, y) - 1
        row = self._rows(file_index)[y - self._starts[file_index]]
        if row.kind is Kind.FOLD:
            self.expanded.add(file_index)
            self._relayout()
        if row.hunk >= 0:
            self.select(file_index, row.hunk)
        elif self.changeset.files[file_index].hunks:
            self.select(file_index, self.cursor[1] if file_index == self.cursor[0] else 0)

    # -- navigation --------------------------------------------------------------------------

    def _step_hunk(self, step: int) -> None:
        """Move to the next (+1) or previous (-1) hunk, across files; stay on the first or last."""
        files = self.changeset.files
        if not any(change.hunks for change in files):
            return
        file_index, hunk_index = self.cursor
        if hunk_index >= len(files[file_index].hunks):  # not on a hunk: go to the first
            file_index, hunk_index, step = 0, -1, +1
        hunk_index += step
        while not 0 <= hunk_index < len(files[file_index].hunks):
            file_index += step
            if not 0 <= file_index < len(files):
                self.cursor = self.cursor  # none further: stay (and bring it into view)
                return
            hunk_index = 0 if step > 0 else len(files[file_index].hunks) - 1
        self.cursor = (file_index, hunk_index)

    def _step_file(self, step: int) -> None:
        files = [i for i, f in enumerate(self.changeset.files) if f.hunks]
        if not files:
            return
        current = self.cursor[0]
        later = [i for i in files if (i - current) * step > 0]
        if later:
            self.cursor = (min(later) if step > 0 else max(later), 0)

    def _refresh_hunk_rows(self, file_index: int, hunk_index: int) -> None:
        """Redraw the header and lines of a hunk (which may no longer exist)."""
        if file_index >= len(self.changeset.files):
            return
        layout = self._layout(file_index)
        if hunk_index < len(layout.hunk_rows):
            start = self._starts[file_index]
            top, end = layout.hunk_rows[hunk_index], layout.hunk_ends[hunk_index]
            self.refresh_lines(start + top, end - top)

    def _scroll_to_hunk(self, file_index: int, hunk_index: int) -> None:
        """Bring a hunk into view: all of it if it fits, else its header near the top."""
        top = self.hunk_row(file_index, hunk_index)
        layout = self._layout(file_index)
        following = layout.hunk_rows[hunk_index + 1 :] if layout.hunk_rows else []
        bottom = self._starts[file_index] + (following[0] if following else layout.height) - 1
        height = self.scrollable_content_region.height
        scroll_y = int(self.scroll_y)
        if top - 1 >= scroll_y and bottom < scroll_y + height:
            return
        target = top - 2 if bottom - top + 3 > height or top < scroll_y else bottom - height + 2
        self.scroll_to(y=max(0, target), animate=False, immediate=True)

    # -- layout ------------------------------------------------------------------------------

    def _relayout(self, keep_cursor_on_screen: bool = False) -> None:
        """Recount every file's rows for the current mode and resize the virtual canvas."""
        screen_offset = None
        if keep_cursor_on_screen and self._starts and self.changeset.files:
            screen_offset = self.hunk_row(*self.cursor) - int(self.scroll_y)
        self._starts = []
        total = 0
        longest = 0
        lines = 0
        for index, change in enumerate(self.changeset.files):
            self._starts.append(total)
            total += self._layout(index).height
            info = self.file_info(index)
            longest, lines = max(longest, info.longest), max(lines, info.lines)
        self._number_width = max(3, len(str(lines)))
        width = self._laid_out_width = self.scrollable_content_region.width or self.size.width
        overflow = max(0, longest - self._code_width(width))
        self.virtual_size = Size(width + overflow, total)
        # Decide and size the scrollbars now (as the layout would, see `_size_updated`): left to
        # the layout, a scrollbar appearing (side by side overflows, unified often not) took a
        # second layout, and their redraw a second frame.
        self._scroll_update(self.virtual_size)
        if screen_offset is not None:
            self.scroll_to(y=max(0, self.hunk_row(*self.cursor) - screen_offset), animate=False, immediate=True)
        self.refresh()

    def _layout(self, file_index: int) -> _Layout:
        """A file's layout in the current mode (kept for every mode, so toggling back is free)."""
        key = (file_index, self.split, file_index in self.expanded)
        if key not in self._layouts:
            self._layouts[key] = self._count(file_index)
        return self._layouts[key]

    def _count(self, file_index: int) -> _Layout:
        """A file's row count and hunk rows, without building the rows."""
        change = self.changeset.files[file_index]
        split, expanded = self.split, file_index in self.expanded
        rows = 1  # file header
        hunk_rows: list[int] = []
        hunk_ends: list[int] = []
        for gap, hunk in zip(self._gaps(file_index), change.hunks + [None]):
            if gap[1] > gap[0]:
                rows += gap[1] - gap[0] if expanded else 1
            if hunk is None:
                continue
            hunk_rows.append(rows)
            if split:
                blocks = [change.blocks[b] for b in hunk.blocks]
                changed_old = sum(b.old_hi - b.old_lo for b in blocks)
                context = len(hunk.old) - changed_old
                rows += 1 + context + sum(max(b.old_hi - b.old_lo, b.new_hi - b.new_lo) for b in blocks)
            else:
                rows += 1 + hunk.line_count
            hunk_ends.append(rows)
        return _Layout(rows + 1, hunk_rows, hunk_ends)  # + blank spacer

    def _rows(self, file_index: int) -> list[Row]:
        layout = self._layout(file_index)
        if layout.rows is None:
            layout.rows = self._build_rows(file_index)
            assert len(layout.rows) == layout.height, (len(layout.rows), layout.height)
        return layout.rows

    def _build_rows(self, file_index: int) -> list[Row]:
        change = self.changeset.files[file_index]
        old_lines = (change.old_text or "").splitlines()
        rows = [Row(Kind.FILE)]
        for (old_lo, old_hi, new_lo), hunk_index in zip(self._gaps(file_index), range(len(change.hunks) + 1)):
            if old_hi > old_lo:
                if file_index in self.expanded:
                    for i in range(old_lo, old_hi):
                        no_new = new_lo + i - old_lo + 1
                        line = old_lines[i]
                        kind = Kind.PAIR if self.split else Kind.CONTEXT
                        rows.append(Row(kind, -1, i + 1, no_new, line, line))
                else:
                    rows.append(Row(Kind.FOLD, hidden=old_hi - old_lo))
            if hunk_index < len(change.hunks):
                rows.append(Row(Kind.HUNK, hunk_index))
                rows += self._hunk_rows(change, hunk_index)
        rows.append(Row(Kind.BLANK))
        return rows

    def _hunk_rows(self, change: FileChange, hunk_index: int) -> list[Row]:
        """The rows of one hunk's lines: context as is, each run of -/+ lines paired up."""
        rows: list[Row] = []
        removed: list[tuple[int, str]] = []
        added: list[tuple[int, str]] = []

        def flush() -> None:
            for i in range(max(len(removed), len(added))):
                old = removed[i] if i < len(removed) else None
                new = added[i] if i < len(added) else None
                if self.split:
                    rows.append(
                        Row(Kind.PAIR, hunk_index, old and old[0], new and new[0], old and old[1], new and new[1], changed=True)
                    )
            if not self.split:
                for i, (no, text) in enumerate(removed):
                    rows.append(Row(Kind.REMOVED, hunk_index, old_no=no, old=text, peer=_at(added, i)))
                for i, (no, text) in enumerate(added):
                    rows.append(Row(Kind.ADDED, hunk_index, new_no=no, new=text, peer=_at(removed, i)))
            removed.clear()
            added.clear()

        for line in change.hunks[hunk_index].diff:
            if line.is_removed:
                removed.append((line.source_line_no, line.value))
            elif line.is_added:
                added.append((line.target_line_no, line.value))
            else:
                flush()
                kind = Kind.PAIR if self.split else Kind.CONTEXT
                text = line.value.rstrip("\r\n")
                rows.append(Row(kind, hunk_index, line.source_line_no, line.target_line_no, text, text))
        flush()
        return rows

    def _gaps(self, file_index: int) -> list[tuple[int, int, int]]:
        """Unchanged lines before each hunk and after the last: (old_lo, old_hi, new_lo), 0-based."""
        change = self.changeset.files[file_index]
        gaps = []
        old_pos = new_pos = 0
        for hunk in change.hunks:
            gaps.append((old_pos, max(old_pos, hunk.old.start), new_pos))
            old_pos, new_pos = hunk.old.stop, hunk.new.stop
        gaps.append((old_pos, max(old_pos, self.file_info(file_index).old_lines), new_pos))
        return gaps

    # -- rendering ---------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        # What every row reads is read once for all of them (Textual's geometry properties cost
        # ~40 µs a call), and the lines of code about to be drawn are highlighted first, a query
        # per run of lines: per line, half the cost of querying them one by one.
        self._frame = frame = self._frame_state()
        try:
            self._prepare_highlights(crop.y + frame.scroll_y, crop.bottom + frame.scroll_y)
            return super().render_lines(crop)
        finally:
            self._frame = None

    def _frame_state(self) -> _Frame:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        return _Frame(width, scroll_x, scroll_y, self.virtual_size.height, self.cursor, self.split)

    def _prepare_highlights(self, top: int, end: int) -> None:
        """Highlight the lines of code shown in rows `top` to `end` (excluded)."""
        wanted: dict[tuple[int, str], list[int]] = {}
        for row_y in range(max(0, top), min(end, self.virtual_size.height)):
            file_index = bisect_right(self._starts, row_y) - 1
            row = self._rows(file_index)[row_y - self._starts[file_index]]
            for side, number in _code_lines(row):
                wanted.setdefault((file_index, side), []).append(number - 1)
        for (file_index, side), lines in wanted.items():
            highlighter = self._highlighter(file_index, side)
            if highlighter is not None:
                highlighter.prepare(lines)

    def render_line(self, y: int) -> Strip:
        width, scroll_x, scroll_y, height, cursor, split = self._frame or self._frame_state()
        row_y = y + scroll_y
        if not self._starts and row_y == 0:
            return Strip([Segment("  Nothing to review.", self._style("fold"))]).crop_extend(0, width, self._style("base"))
        if not self._starts or row_y >= height:
            return Strip.blank(width, self._style("base"))
        file_index = bisect_right(self._starts, row_y) - 1
        row_index = row_y - self._starts[file_index]
        row = self._rows(file_index)[row_index]
        on_cursor = file_index == cursor[0] and row.hunk == cursor[1] and row.hunk >= 0
        marks = self.marks[file_index]
        mark = marks[row.hunk] if 0 <= row.hunk < len(marks) else None
        state = mark.state if mark else None
        if row.kind is Kind.FILE:
            look: object = tuple(m.state for m in marks)
        elif row.kind is Kind.HUNK:
            look = (on_cursor, state, mark and mark.comment)
        else:  # the cursor and an accepted mark change only the first column, drawn below
            look = state is HunkState.REJECTED
        scroll = scroll_x if row.kind not in (Kind.FILE, Kind.HUNK, Kind.FOLD) else 0
        mode = (split, file_index in self.expanded)
        key = (file_index, row_index, width, scroll, look, mode)
        marker = None if row.kind is Kind.FILE else (on_cursor, state)
        line = self._lines.get((key, marker))
        if line is None:
            strip = self._strips.get(key)
            if strip is None:
                self.renders += 1
                strip = self._strips[key] = self._render_row(file_index, row, width, scroll, on_cursor, state)
            line = strip if marker is None else Strip([self._marker(on_cursor, state), *strip], strip.cell_length + 1)
            self._lines[key, marker] = line
        return line

    def _style(self, name: str) -> Style:
        """A resolved style by short name; computed once per CSS or theme change."""
        if not self._palette:
            base = self.rich_style
            full = lambda part: self.get_component_rich_style(f"diff-view--{part}")  # noqa: E731
            fg = lambda part: self.get_component_rich_style(f"diff-view--{part}", partial=True)  # noqa: E731
            self._palette = {
                "base": base,
                "context": base,
                "cursor": base + fg("cursor"),
                "gutter": Style(color=full("gutter").color),
                "file": full("file"),
                "hunk": full("hunk"),
                "hunk-cursor": full("hunk-cursor"),
                "fold": full("fold"),
                "added": base + full("added"),
                "removed": base + full("removed"),
                "added-word": Style(bgcolor=full("added-word").bgcolor),
                "removed-word": Style(bgcolor=full("removed-word").bgcolor),
                "whitespace": Style(color=full("whitespace").color),
                "accepted": fg("accepted"),
                "rejected": fg("rejected"),
                "pending": fg("pending"),
                "bold": Style(bold=True),
                "dim": Style(dim=True),
                "italic": Style(italic=True),
                "plain": Style(bold=False),
            }
        return self._palette[name]

    def _render_row(
        self, file_index: int, row: Row, width: int, scroll_x: int, on_cursor: bool, state: HunkState | None
    ) -> Strip:
        """A row without its first column (the marker), except a file header, which has none."""
        base = self._style("base")
        if row.kind is Kind.FILE:
            return _strip(self._file_header(file_index, width), width, base)
        width -= 1
        if row.kind is Kind.HUNK:
            segments = self._hunk_header(file_index, row.hunk, width, on_cursor, state)
        elif row.kind is Kind.FOLD:
            plural = "s" * (row.hidden != 1)
            text = Text(f"  ⋯ {row.hidden} unchanged line{plural}  (z to show)", self._style("fold"))
            text.set_length(width)
            segments = self._segments(text)
        elif row.kind is Kind.BLANK:
            segments = [Segment(" " * width, base)]
        else:
            lines = self._pair if row.kind is Kind.PAIR else self._unified
            segments = lines(file_index, row, width, scroll_x)
            if state is HunkState.REJECTED:  # what will not be written is drawn faded
                segments = list(Segment.apply_style(segments, post_style=self._style("dim")))
        return _strip(segments, width, base)

    def _marker(self, on_cursor: bool, state: HunkState | None) -> Segment:
        """The first column: a bar on the current hunk, a thin bar in the colour of a decided one."""
        if on_cursor:
            return Segment("▌", self._style("cursor"))
        if state is HunkState.ACCEPTED or state is HunkState.REJECTED:
            return Segment("▏", _add(self._style("base"), self._style(state.value)))
        return Segment(" ", self._style("base"))

    def _file_header(self, file_index: int, width: int) -> list[Segment]:
        change = self.changeset.files[file_index]
        header = self._style("file")
        plain = header + self._style("plain")
        text = Text(f" {_file_title(change)}", header)
        added, removed = self._stats(file_index)
        text.append(f"  +{added}", plain + self._style("accepted") + self._style("plain"))
        text.append(f" -{removed}", plain + self._style("rejected") + self._style("plain"))
        marks = self.marks[file_index]
        done = sum(m.state is not HunkState.PENDING for m in marks)
        badge = Text(f"{done}/{len(marks)} reviewed ", plain)
        text.set_length(max(0, width - len(badge)))
        text.append_text(badge)
        return self._segments(text)

    def _hunk_header(
        self, file_index: int, hunk_index: int, width: int, on_cursor: bool, state: HunkState | None
    ) -> list[Segment]:
        change = self.changeset.files[file_index]
        hunk = change.hunks[hunk_index]
        base = self._style("hunk-cursor" if on_cursor else "hunk")
        dim = base + Style(dim=True)
        text = Text(f" {hunk.header}", base)
        if hunk.mode:
            text.append(f"  {mode_label(hunk.mode)}", base + Style(bold=True))
        text.append(f"  hunk {hunk_index + 1}/{len(change.hunks)}", dim)
        if len(hunk.blocks) > 1:
            text.append("  (s splits)", dim)
        mark = self.marks[file_index][hunk_index]
        if mark.comment:
            text.append(f"  “{mark.comment}”", base + Style(italic=True))
        if change.flag and change.flagged_hunk == hunk_index:
            text.append(f"  ✗ line {change.flag[0]}: {change.flag[1]}", base + self._style("rejected") + Style(bold=True))
        label = {HunkState.ACCEPTED: "✓ accepted", HunkState.REJECTED: "✗ rejected"}.get(state, "● pending")
        if mark.edited and state is HunkState.ACCEPTED:
            label = "✓ accepted with your changes"
        badge = Text(f"{label} ", base + self._style((state or HunkState.PENDING).value))
        text.set_length(max(0, width - len(badge)))
        text.append_text(badge)
        return self._segments(text)

    def _unified(self, file_index: int, row: Row, width: int, scroll_x: int) -> list[Segment]:
        kind = row.kind
        line_style = self._style({Kind.ADDED: "added", Kind.REMOVED: "removed"}.get(kind, "context"))
        w = self._number_width
        old_no = "" if row.old_no is None or kind is Kind.ADDED else str(row.old_no)
        new_no = "" if row.new_no is None or kind is Kind.REMOVED else str(row.new_no)
        sign = {Kind.ADDED: "+", Kind.REMOVED: "-"}.get(kind, " ")
        segments = [
            Segment(f"{old_no:>{w}} {new_no:>{w}} ", _add(line_style, self._style("gutter"))),
            Segment(f"{sign} ", _add(line_style, self._style("bold"))),
        ]
        side, number, text = ("old", row.old_no, row.old) if kind is Kind.REMOVED else ("new", row.new_no, row.new)
        code = self._code(file_index, side, number, text or "", row.peer, kind)
        segments += _cropped(code, line_style, scroll_x, width - 2 * w - 4)
        return segments

    def _pair(self, file_index: int, row: Row, width: int, scroll_x: int) -> list[Segment]:
        w = self._number_width
        half = (width - 1) // 2
        segments: list[Segment] = []
        sides = (("old", row.old_no, row.old, row.new, Kind.REMOVED), ("new", row.new_no, row.new, row.old, Kind.ADDED))
        for index, (side, number, text, peer, kind) in enumerate(sides):
            side_width = half if index == 0 else width - half - 1
            if index:
                segments.append(Segment("│", _add(self._style("base"), self._style("gutter"))))
            if text is None:
                segments.append(Segment(" " * side_width, self._style("hunk")))
                continue
            line_style = self._style(kind.name.lower() if row.changed else "context")
            sign = ("-" if kind is Kind.REMOVED else "+") if row.changed else " "
            segments.append(Segment(f"{number or '':>{w}} ", _add(line_style, self._style("gutter"))))
            segments.append(Segment(f"{sign} ", _add(line_style, self._style("bold"))))
            if row.changed:
                code = self._code(file_index, side, number, text, peer, kind)
            else:
                code = self._code(file_index, side, number, text, None, Kind.CONTEXT)
            segments += _cropped(code, line_style, scroll_x, side_width - w - 3)
        return segments

    def _code(
        self, file_index: int, side: str, number: int | None, text: str, peer: str | None, kind: Kind
    ) -> tuple[str, list[StyleSpan]]:
        """A line of code, tabs expanded, with its syntax colours.

        A changed line (`kind` REMOVED or ADDED; `text` and `peer` with their line endings) also
        shows what changed: with a peer (the line it replaces or is replaced by) its changed
        words, changed whitespace drawn visibly; whitespace that ends it, drawn visibly; its
        ending, when it has no newline or a carriage return the peer lacks.
        """
        spans: list[StyleSpan] = []
        highlighter = self._highlighter(file_index, side)
        if highlighter is not None and number is not None:
            theme = "monokai" if self.app.current_theme.dark else "github_light"
            for start, end, name in highlighter.spans(number - 1):
                capture = capture_style(theme, name)
                if capture is not None:
                    spans.append((start, end, capture))
        if kind is Kind.CONTEXT:
            return _expand_tabs(text, spans) if "\t" in text else (text, spans)
        body = text.rstrip("\r\n")
        removed = kind is Kind.REMOVED
        word = self._style("removed-word" if removed else "added-word")
        shown: list[tuple[int, int]] = []  # whitespace drawn as `·` and `→`
        if peer is not None:
            peer_body = peer.rstrip("\r\n")
            changes = _changed_words(body, peer_body) if removed else _changed_words(peer_body, body)
            mine = 0 if removed else 1
            spans += [(start, end, word) for start, end in changes[mine]]
            shown += changes[2 + mine]
        if body[-1:].isspace():
            shown.append((len(body.rstrip()), len(body)))
        if shown:
            whitespace = self._style("whitespace")
            code = _expand_tabs(body, spans + [(start, end, whitespace) for start, end in shown], shown)
        else:
            code = _expand_tabs(body, spans) if "\t" in body else (body, spans)
        ending = text[len(body) :]
        if ending == "\n":  # the usual ending: nothing to draw
            return code
        mark = self._ending_mark(ending, None if peer is None else peer[len(peer.rstrip("\r\n")) :], word)
        return code if mark is None else _with_mark(code, *mark)

    def _ending_mark(self, ending: str, peer_ending: str | None, word: Style) -> tuple[str, Style] | None:
        """What a changed line's ending draws after it: that there is no newline (highlighted as
        a change when the peer has one), or a carriage return that the peer lacks."""
        whitespace = self._style("whitespace")
        if not ending:
            style = _add(whitespace, self._style("italic"))
            return f" {NO_NEWLINE}", _add(style, word) if peer_ending else style
        if "\r" in ending and peer_ending is not None and peer_ending != ending:
            return CARRIAGE_RETURN, _add(whitespace, word)
        return None

    def _segments(self, text: Text) -> list[Segment]:
        """A Text's segments with its base style (Text.render applies it only when there are spans)."""
        if text.spans:
            return list(text.render(self.app.console))
        return [Segment(text.plain, text.style if isinstance(text.style, Style) else Style.parse(text.style))]

    def _stats(self, file_index: int) -> tuple[int, int]:
        info = self.file_info(file_index)
        return info.added, info.removed

    def _highlighter(self, file_index: int, side: str) -> LineHighlighter | None:
        """The highlighter of one side of a file; None while it is built, or without a grammar."""
        key = (file_index, side)
        if key not in self._highlighters and key not in self._pending:
            change = self.changeset.files[file_index]
            text = change.old_text if side == "old" else change.new_text
            language = language_for(change.path)
            if text and language:
                self._pending.add(key)
                self._build_highlighter(key, change, text, language)
            else:
                self._highlighters[key] = None
        return self._highlighters.get(key)

    @work(thread=True, group="highlight")
    def _build_highlighter(self, key: tuple[int, str], change: FileChange, text: str, language: str) -> None:
        highlighter = LineHighlighter(text, language)
        self.app.call_from_thread(self._highlighter_built, key, change, highlighter)

    def _highlighter_built(self, key: tuple[int, str], change: FileChange, highlighter: LineHighlighter) -> None:
        self._pending.discard(key)
        if self.changeset.files[key[0]] is change:  # not split or edited meanwhile
            self._highlighters[key] = highlighter
        self._strips.clear()
        self._lines.clear()
        self.refresh()

    def _code_width(self, width: int) -> int:
        w = self._number_width
        return (width - 1 - 1) // 2 - w - 3 if self.split else width - 1 - 2 * w - 4


def _scrollbar_picture(bar: ScrollBar) -> list[Segment]:
    """The cells a vertical scrollbar draws (in its renderer's default colours)."""
    window = bar.window_size if bar.window_size < bar.window_virtual_size else 0
    width, height = bar.size
    picture = bar.renderer.render_bar(
        size=height, virtual_size=ceil(bar.window_virtual_size), window_size=ceil(window),
        position=bar.position, thickness=width, vertical=True,
    )  # fmt: skip
    return picture.segments


def _code_lines(row: Row) -> list[tuple[str, int]]:
    """The (side, line number) of each line of code a row shows."""
    if row.kind is Kind.PAIR:
        sides = [("old", row.old_no, row.old), ("new", row.new_no, row.new)]
        return [(side, number) for side, number, text in sides if text is not None and number is not None]
    if row.kind is Kind.REMOVED:
        return [("old", row.old_no)] if row.old_no is not None else []
    if row.kind in (Kind.CONTEXT, Kind.ADDED):
        return [("new", row.new_no)] if row.new_no is not None else []
    return []


def _at(items: list[tuple[int, str]], index: int) -> str | None:
    return items[index][1] if index < len(items) else None


@lru_cache(maxsize=4096)
def _changed_words(old: str, new: str) -> tuple[Ranges, Ranges, Ranges, Ranges]:
    """Character ranges of `old` and of `new` that differ, by word (none when they barely match),
    then those of them that are whitespace changed into whitespace (or added or removed)."""
    old_words, new_words = WORD.findall(old), WORD.findall(new)
    matcher = SequenceMatcher(None, old_words, new_words, autojunk=False)
    if matcher.ratio() < 0.4:
        return (), (), (), ()
    old_at, new_at = _offsets(old_words), _offsets(new_words)
    changes = [
        (old_at[i1], old_at[i2], new_at[j1], new_at[j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    ]
    spaces = [(a, b, c, d) for a, b, c, d in changes if not old[a:b].strip() and not new[c:d].strip()]
    return (
        tuple((a, b) for a, b, _, _ in changes if b > a),
        tuple((c, d) for _, _, c, d in changes if d > c),
        tuple((a, b) for a, b, _, _ in spaces if b > a),
        tuple((c, d) for _, _, c, d in spaces if d > c),
    )


def _offsets(tokens: list[str]) -> list[int]:
    """The character offset of each token, and of the end."""
    offsets = [0]
    for token in tokens:
        offsets.append(offsets[-1] + len(token))
    return offsets


def _expand_tabs(text: str, spans: list[StyleSpan], shown: Iterable[tuple[int, int]] = ()) -> tuple[str, list[StyleSpan]]:
    """Tabs replaced by spaces up to the next multiple of TAB_SIZE cells, and the spaces and tabs
    in the `shown` ranges drawn as `·` and `→` (and spaces to the stop); spans moved to match (a
    span over a tab covers its spaces)."""
    visible = {i for start, end in shown for i in range(start, end)}
    parts: list[str] = []
    at: list[int] = []  # at[i]: where character i of `text` starts in the expanded text
    length = column = 0
    for index, char in enumerate(text):
        at.append(length)
        part = " " * (TAB_SIZE - column % TAB_SIZE) if char == "\t" else char
        if index in visible and char in " \t":
            part = ("·" if char == " " else "→") + part[1:]
        parts.append(part)
        length += len(part)
        column += cell_len(part)
    at.append(length)
    last = len(text)  # a span may run past the text (over a carriage return it was cut from)
    return "".join(parts), [(at[min(start, last)], at[min(end, last)], style) for start, end, style in spans]


def _with_mark(code: tuple[str, list[StyleSpan]], mark: str, style: Style) -> tuple[str, list[StyleSpan]]:
    """A line of code with `mark` drawn after it in `style` (but for the spaces it starts with);
    spans that run past the code (over the line ending) are cut at its end."""
    text, spans = code
    end = len(text)
    spans = [(start, min(stop, end), span) for start, stop, span in spans if start < end]
    return text + mark, [*spans, (end + len(mark) - len(mark.lstrip()), end + len(mark), style)]


def _cropped(code: tuple[str, list[StyleSpan]], style: Style, scroll_x: int, width: int) -> list[Segment]:
    """A line of code in `style` (and its spans), scrolled by `scroll_x` characters and cut or
    padded to `width` cells (wide characters count twice). A line cut on the right ends in `›`,
    one scrolled past on the left starts with `‹`: the line goes on there."""
    if width <= 0:
        return []
    text, spans = code
    hidden_left = scroll_x > 0 and bool(text[:scroll_x].strip())
    if scroll_x:
        text = text[scroll_x:]
        spans = [(max(0, start - scroll_x), end - scroll_x, span) for start, end, span in spans if end > scroll_x]
    if text.isascii():  # a character is a cell: cut and pad the text itself
        cut = len(text) > width
        segments = _styled(text[:width].ljust(width), style, spans)
    else:
        cut = cell_len(text) > width
        segments = list(Segment.adjust_line_length(_styled(text, style, spans), width, style, pad=True))
    if not (hidden_left or cut) or width < 2:
        return segments
    left, middle, right = Segment.divide(segments, [1, width - 1, width])
    more = style + _MORE
    return ([Segment("‹", more)] if hidden_left else left) + middle + ([Segment("›", more)] if cut else right)


def _styled(text: str, style: Style, spans: list[StyleSpan]) -> list[Segment]:
    """`text` in `style`, cut where a span starts or ends; each span's style is added over its
    range, later spans on top (as `Text.render` does, at a fraction of its cost)."""
    if not spans:
        return [Segment(text, style)]
    length = len(text)
    cuts = {0, length}
    for start, end, _ in spans:
        cuts.add(min(start, length))
        cuts.add(min(end, length))
    segments = []
    for start, end in pairwise(sorted(cuts)):
        piece = style
        for span_start, span_end, span_style in spans:
            if span_start <= start and end <= span_end:
                piece = _add(piece, span_style)
        segments.append(Segment(text[start:end], piece))
    return segments


_SUMS: dict[tuple[int, int], tuple[Style, Style, Style]] = {}


def _add(style: Style, other: Style) -> Style:
    """`style + other`, remembered by the identity of both: one dictionary look-up, where
    `Style.__add__` takes five Python calls (and a row draws dozens)."""
    key = (id(style), id(other))
    known = _SUMS.get(key)
    if known is None or known[0] is not style or known[1] is not other:
        if len(_SUMS) > 4096:  # styles of past themes
            _SUMS.clear()
        known = _SUMS[key] = (style, other, style + other)
    return known[2]


def _strip(segments: list[Segment], width: int, style: Style) -> Strip:
    """The segments cut or padded (in `style`) to `width` cells, neighbours of one style merged
    (compared by identity: the styles of a row are the same objects, see `_add`)."""
    merged: list[Segment] = []
    length = 0
    for segment in segments:
        length += cell_len(segment.text)
        if merged and merged[-1].style is segment.style:
            merged[-1] = Segment(merged[-1].text + segment.text, segment.style)
        elif segment.text:
            merged.append(segment)
    if length != width:
        merged = list(Segment.adjust_line_length(merged, width, style, pad=True))
    return Strip(merged, width)


def mode_label(mode: tuple[str, str]) -> str:
    """A mode change as the command that makes it: `chmod +x` or `chmod -x`."""
    return "chmod +x" if mode[1] == "100755" else "chmod -x"


def _file_title(change: FileChange) -> str:
    if change.is_new:
        return f"{change.path}  (new file)"
    if change.is_deleted:
        return f"{change.path}  (deleted)"
    if change.is_rename:
        return f"{change.old_path} → {change.path}"
    return change.path


@dataclass(frozen=True)
class FileInfo:
    """Figures about one FileChange that take a pass over its text or hunks to compute."""

    added: int
    removed: int
    lines: int
    """Lines in the longer of the old and new text."""
    old_lines: int
    longest: int
    """Characters in the longest line."""


    @classmethod
    def of(cls, change: FileChange) -> FileInfo:
        texts = (change.old_text or "", change.new_text or "")
        return cls(
            added=sum(h.added for h in change.hunks),
            removed=sum(h.removed for h in change.hunks),
            lines=max(text.count("\n") for text in texts) + 1,
            old_lines=len(texts[0].splitlines()),
            longest=max(_longest(text) for text in texts),
        )


def _longest(text: str) -> int:
    """Characters in the longest line of `text`, counting the mark after a last line without a
    newline."""
    lines = text.splitlines()
    longest = max(map(len, lines), default=0)
    if text and not text.endswith("\n"):
        longest = max(longest, len(lines[-1]) + 1 + len(NO_NEWLINE))
    return longest

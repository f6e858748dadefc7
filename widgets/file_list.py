"""FileList: one line per file of a review, with a highlighted row; redraws only the rows that change.

A Line-API widget rather than an `OptionList`: OptionList repaints every row when one prompt is
replaced or the highlight moves, which on a 50-file review cost ~8 ms of a 16 ms key budget.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip


class FileList(ScrollView, can_focus=False):
    """The files of a review, each a one-line label; clicking one posts `FileList.Selected`."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"file-list--highlighted", "file-list--hover"}
    """
    | Class | Description |
    | :- | :- |
    | `file-list--highlighted` | The current file's row. |
    | `file-list--hover` | The row under the mouse. |
    """

    DEFAULT_CSS = """
    FileList {
        width: 34;
        height: 1fr;
        border-right: tall $panel;
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        & > .file-list--highlighted { background: $accent 30%; text-style: bold; }
        & > .file-list--hover { background: $block-hover-background; }
    }
    """

    LABEL_WIDTH = 31
    """Columns for a label: the width less the border and the scrollbar, less a margin."""

    highlighted: var[int | None] = var(None, init=False)
    """The row of the current file, or None."""
    hover: var[int | None] = var(None, init=False)
    """The row under the mouse, or None."""

    class Selected(Message):
        """A file was clicked."""

        def __init__(self, file_list: FileList, index: int) -> None:
            super().__init__()
            self.file_list = file_list
            self.index = index

        @property
        def control(self) -> FileList:
            return self.file_list

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._labels: list[Text] = []
        self._strips: dict[int, tuple[tuple[str, int], Strip]] = {}
        """Row -> (its look: state and width, its rendered strip)."""

    def set_labels(self, labels: list[Text]) -> None:
        """Show these labels, one row each."""
        self._labels = list(labels)
        self._strips.clear()
        self.virtual_size = Size(self.LABEL_WIDTH, len(self._labels))
        self._scroll_update(self.virtual_size)  # the scrollbar, as the layout would (see _size_updated)
        self.refresh()

    def set_label(self, index: int, label: Text) -> None:
        """Replace one row's label (redraws that row only, and only if it changed)."""
        if self._labels[index] != label:
            self._labels[index] = label
            self._strips.pop(index, None)
            self.refresh_line(index)

    def watch_highlighted(self, old: int | None, new: int | None) -> None:
        for row in (old, new):
            if row is not None:
                self.refresh_line(row)
        self._scroll_to_highlighted()

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        # ScrollView compares the compositor's `virtual_size` (the visible area) with its own (the
        # rows), which never match, so every layout of the screen (each `t` in the diff beside)
        # redrew this list's scrollbar from scratch: a fifth of a `t`. `set_labels` keeps the
        # scrollbar in step with the rows.
        if (size, container_size) == (self.outer_size, self.container_size):
            return False
        return super()._size_updated(size, virtual_size, container_size, layout)

    def _on_resize(self, event: events.Resize) -> None:
        self._scroll_to_highlighted()

    def _scroll_to_highlighted(self) -> None:
        """Scroll as little as needed to show the highlighted row (once the list has a size)."""
        height = self.scrollable_content_region.height
        row = self.highlighted
        if row is None or not height:
            return
        if row < self.scroll_y:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= self.scroll_y + height:
            self.scroll_to(y=row - height + 1, animate=False, immediate=True)

    def watch_hover(self, old: int | None, new: int | None) -> None:
        for row in (old, new):
            if row is not None:
                self.refresh_line(row)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def render_line(self, y: int) -> Strip:
        index = y + int(self.scroll_y)
        width = self.scrollable_content_region.width
        if index >= len(self._labels):
            return Strip.blank(width, self.rich_style)
        state = "highlighted" if index == self.highlighted else "hover" if index == self.hover else ""
        cached = self._strips.get(index)
        if cached is None or cached[0] != (state, width):
            style = self.rich_style
            if state:
                style += self.get_component_rich_style(f"file-list--{state}")
            segments = Segment.apply_style(self._labels[index].render(self.app.console), style)
            cached = self._strips[index] = ((state, width), Strip(segments).crop_extend(0, width, style))
        return cached[1]

    def _on_click(self, event: events.Click) -> None:
        index = event.y + int(self.scroll_y)
        if index < len(self._labels):
            self.post_message(self.Selected(self, index))

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        index = event.y + int(self.scroll_y)
        self.hover = index if index < len(self._labels) else None

    def _on_leave(self, event: events.Leave) -> None:
        self.hover = None

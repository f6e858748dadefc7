"""A modal panel in the middle of the screen holding a table: the look the context list and the
Rewind screen share (each sets its own width)."""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

T = TypeVar("T")


class PanelScreen(ModalScreen[T]):
    DEFAULT_CSS = """
    PanelScreen {
        align: center middle;
        & > Vertical {
            height: auto;
            max-height: 90%;
            border: round $primary;
            border-title-color: $text-primary;
            background: $surface;
            padding: 0 1;
        }
        & DataTable { height: auto; background: transparent; margin-top: 1; }
        & DataTable > .datatable--header { background: transparent; color: $text-muted; }
        & .hint { color: $text-muted; margin-top: 1; }
    }
    """

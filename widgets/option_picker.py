"""A modal list to pick from, filtered by what is typed: the look and keys the model picker and
the session picker share (up / down move, enter picks, escape cancels, dismissed with None)."""

from __future__ import annotations

from typing import TypeVar

from textual import on
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList

T = TypeVar("T")


class OptionPicker(ModalScreen[T | None]):
    """Subclasses compose a Vertical holding an Input and an OptionList, and say what an option's
    id stands for (`chosen`)."""

    DEFAULT_CSS = """
    OptionPicker {
        align: center middle;
        & > Vertical {
            width: 72;
            max-width: 95%;
            height: auto;
            max-height: 80%;
            border: round $primary;
            background: $surface;
            padding: 0 1;
        }
        & Label { color: $text-muted; }
        & Input, & Input:focus { border: none; height: 1; padding: 0; margin: 1 0 0 0; background: transparent; }
        & OptionList, & OptionList:focus { height: auto; max-height: 16; border: none; background: transparent; }
    }
    """

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]

    def chosen(self, option_id: str) -> T:
        """What picking the option `option_id` dismisses the picker with."""
        raise NotImplementedError

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        (options.action_cursor_down if step > 0 else options.action_cursor_up)()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        option = self.query_one(OptionList).highlighted_option
        if option is not None and option.id is not None:
            self.dismiss(self.chosen(option.id))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(self.chosen(event.option.id))

"""A modal list of the configured providers and models; dismissed with the chosen "provider/model"."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option


class ModelPicker(ModalScreen[str | None]):
    """Pick one of `choices` ("provider/model" strings); escape cancels (dismissed with None)."""

    DEFAULT_CSS = """
    ModelPicker {
        align: center middle;
        & > Vertical {
            width: 64;
            height: auto;
            max-height: 80%;
            border: round $primary;
            background: $surface;
            padding: 0 1;
        }
        & Label { color: $text-muted; margin: 0 0 1 0; }
        & OptionList, & OptionList:focus { height: auto; max-height: 16; border: none; background: transparent; }
    }
    """

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, choices: list[str], current: str) -> None:
        super().__init__()
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Switch model — the conversation continues with the new one")
            yield OptionList(
                *(
                    Option(f"{'●' if choice == self.current else ' '} {choice}", id=choice)
                    for choice in self.choices
                )
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current in self.choices:
            options.highlighted = self.choices.index(self.current)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

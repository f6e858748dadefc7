"""The one-line question before a selection edit (ctrl+k at the Edit level): what should the
model do to these lines? Dismissed with the instruction, or None (escape, or nothing typed)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class InstructionPrompt(ModalScreen[str | None]):
    DEFAULT_CSS = """
    InstructionPrompt {
        align: center middle;
        & > Vertical { width: 80; height: auto; border: round $accent; background: $surface; padding: 0 1; }
        & Label { color: $text-muted; }
        & Input, & Input:focus { border: none; height: 1; padding: 0; margin: 1 0 0 0; background: transparent; }
    }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, where: str) -> None:
        """`where`: the lines to change, as "app/calc.py:3-9"."""
        super().__init__()
        self.where = where

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Change {self.where} — what should the model do? (enter; esc cancels)")
            yield Input(placeholder="e.g. add type hints and a docstring", compact=True)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

"""The small modal screens of the review: help, confirm, comment and edit."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static, TextArea

KEYS: list[tuple[str, str]] = [
    ("j / ↓", "next hunk"),
    ("k / ↑", "previous hunk"),
    ("J / K", "next / previous file"),
    ("y", "accept the hunk and move on"),
    ("n", "reject the hunk and move on"),
    ("Y / N", "accept / reject the whole file"),
    ("r", "reject with a comment (sent back to the model)"),
    ("e", "edit the proposed lines, then accept them"),
    ("s", "split the hunk into smaller hunks"),
    ("u", "undo the last decision, split or edit"),
    ("t", "unified / side-by-side view"),
    ("z", "show / fold the unchanged lines of the file"),
    ("ctrl+s", "write the accepted hunks and close"),
    ("q / esc", "close without writing anything"),
    ("?", "this help"),
]
"""The review keys, for the help overlay (the bindings themselves live on the widgets)."""


class Dialog(ModalScreen[object]):
    DEFAULT_CSS = """
    Dialog {
        align: center middle;
        background: $background 60%;
        & > Vertical {
            width: auto;
            max-width: 90%;
            height: auto;
            border: round $accent;
            background: $surface;
            padding: 1 2;
        }
        & .hint { color: $text-muted; margin-top: 1; }
    }
    """


class HelpScreen(Dialog):
    """The review keys; any key closes it."""

    DEFAULT_CSS = """
    HelpScreen > Vertical { width: 68; }
    """

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 3))
        accent = self.app.current_theme.accent or "cyan"
        for key, description in KEYS:
            table.add_row(Text(key, style=f"bold {accent}"), description)
        with Vertical() as box:
            box.border_title = "Review keys"
            yield Static(table)
            yield Label("Press any key to close.", classes="hint")

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        self.dismiss(None)

    def on_click(self) -> None:
        self.dismiss(None)


class ConfirmScreen(Dialog):
    """A yes/no question; dismissed with True for y, False for n or escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Close the review?"
            yield Label(self.question)
            yield Label("y  yes    n  no", classes="hint")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class ChoiceScreen(Dialog):
    """A question with a key per answer; dismissed with the key pressed, or None for escape."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "choose(None)", "Cancel")]

    def __init__(self, title: str, question: str, choices: dict[str, str]) -> None:
        """`choices`: key -> what it does ("o": "overwrite it")."""
        super().__init__()
        self.title_text, self.question, self.choices = title, question, choices

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Label(self.question)
            hints = "    ".join(f"{key}  {what}" for key, what in self.choices.items())
            yield Label(f"{hints}    esc  cancel", classes="hint")

    def on_key(self, event: events.Key) -> None:
        if event.character in self.choices:
            event.stop()
            self.dismiss(event.character)

    def action_choose(self, key: str | None) -> None:
        self.dismiss(key)


class CommentScreen(Dialog):
    """Asks why a hunk is rejected; dismissed with the comment, or None when cancelled."""

    DEFAULT_CSS = """
    CommentScreen > Vertical { width: 80%; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, where: str) -> None:
        super().__init__()
        self.where = where

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"Reject {self.where} with a comment"
            yield Input(placeholder="What should the model do instead?", id="comment")
            yield Label("enter  reject with this comment    esc  cancel", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class EditScreen(Dialog):
    """Edits a hunk's proposed lines; dismissed with the new text, or None when cancelled."""

    DEFAULT_CSS = """
    EditScreen > Vertical { width: 90%; height: 80%; }
    EditScreen TextArea { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Accept edit", priority=True),
        Binding("escape", "cancel", "Cancel", priority=True),
    ]

    def __init__(self, where: str, text: str, language: str | None) -> None:
        super().__init__()
        self.where = where
        self.text = text
        self.language = language

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"Edit {self.where}"
            yield TextArea.code_editor(self.text, language=self.language, id="editor")
            yield Label("ctrl+s  accept the edited lines    esc  cancel", classes="hint")

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)

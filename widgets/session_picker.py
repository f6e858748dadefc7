"""A modal list of the repository's logged sessions, newest first: when each started, its first
question, its level, turns and cost. Enter takes one up (dismissed with its log's path), escape
cancels; typing filters by the question."""

from __future__ import annotations

import time
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from app.session_log import Summary
from widgets.option_picker import OptionPicker


class SessionPicker(OptionPicker[Path]):
    DEFAULT_CSS = """
    SessionPicker > Vertical { width: 100; }
    SessionPicker OptionList, SessionPicker OptionList:focus { max-height: 20; }
    """

    def __init__(self, summaries: list[Summary]) -> None:
        super().__init__()
        self.summaries = summaries

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Resume a session"
            yield Label("enter takes it up (its conversation and context files) · esc cancels")
            yield Input(placeholder="filter by the first question", compact=True)
            yield OptionList(*self._options(""))

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def _options(self, typed: str) -> list[Option]:
        shown = [s for s in self.summaries if typed.lower() in s.first_instruction.lower()]
        return [Option(_row(s), id=str(i)) for i, s in enumerate(self.summaries) if s in shown]

    @on(Input.Changed)
    def _filter(self, event: Input.Changed) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(self._options(event.value))
        options.highlighted = 0 if options.option_count else None

    def chosen(self, option_id: str) -> Path:
        return self.summaries[int(option_id)].path


def _row(summary: Summary) -> Text:
    started = time.strftime("%Y-%m-%d %H:%M", time.localtime(summary.started))
    turns = f"{summary.turns} turn{'s' * (summary.turns != 1)}"
    return Text.assemble((f"{started}  ", "dim"), (f"{summary.level:<6} ", "bold"), (f"{turns:>9}  ", "dim"),
                         (f"${summary.cost:.4f}  ", "dim"), summary.first_instruction or "(no question)")

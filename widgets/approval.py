"""The question before the agent runs a command: the command, where, whether it is sandboxed."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from app.agent.loop import Answer, Approval
from widgets.review_dialogs import Dialog


class ApprovalScreen(Dialog):
    """Run a command the agent asks for? y once, a always (this command), n with a comment."""

    DEFAULT_CSS = """
    ApprovalScreen > Vertical { width: 80%; }
    ApprovalScreen #command { text-style: bold; margin: 1 0; }
    ApprovalScreen .warning { color: $text-error; }
    ApprovalScreen.-destructive > Vertical { border: round $error; }
    ApprovalScreen.-destructive #command { color: $text-error; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer('once')", "Run once"),
        Binding("a", "answer('always')", "Always"),
        Binding("n", "reject", "Reject with a comment"),
        Binding("escape", "answer('no')", "Reject"),
    ]

    def __init__(self, request: Approval) -> None:
        super().__init__(classes="-destructive" if request.destructive else "")
        self.request = request

    def compose(self) -> ComposeResult:
        request = self.request
        where = "in the sandbox: no network, only the repository writable" if request.sandboxed else "UNSANDBOXED: with your permissions"
        with Vertical() as box:
            box.border_title = "Run this command?"
            yield Static(Text(f"$ {request.command}"), id="command")
            yield Label(f"{request.directory} · {where}")
            if request.destructive:
                yield Label(f"⚠ {request.reason}", classes="warning")
            always = "" if request.destructive else "a  always (this command)    "
            yield Label(f"y  run once    {always}n  reject with a comment    esc  reject", classes="hint")

    def action_answer(self, how: str) -> None:
        if how == "always" and self.request.destructive:
            how = "once"  # a destructive command is never allow-listed
        self.dismiss(Answer(how != "no", always=how == "always"))

    async def action_reject(self) -> None:
        """n: ask what the model should do instead (enter sends the refusal with it)."""
        if not self.query("#comment"):
            comment = Input(placeholder="What should the model do instead? (enter)", id="comment")
            await self.query_one(Vertical).mount(comment, before=self.query_one(".hint"))
            comment.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(Answer(False, comment=event.value.strip()))

"""The question before the agent runs a command, asked inline in the chat under the command's
step: the command, where it runs, whether it is sandboxed. The step's line says what came of it."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static

from app.agent.loop import Answer, Approval


class CommandApproval(Vertical, can_focus=True):
    """Run a command the agent asks for? y once, a always (commands like it, saved to the
    project's allow-list), n with a comment, esc reject."""

    DEFAULT_CSS = """
    CommandApproval {
        height: auto;
        margin: 0 0 1 0;
        padding: 0 1;
        border: round $accent;
        border-title-color: $text-accent;
        & > #command { text-style: bold; }
        & > .where { color: $text-muted; }
        & > .warning { color: $text-error; }
        & > .hint { color: $text-muted; margin-top: 1; }
        &.-destructive { border: round $error; border-title-color: $text-error; }
        &.-destructive > #command { color: $text-error; }
        &:focus-within { background: $accent 8%; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer('once')", "Run once"),
        Binding("a", "answer('always')", "Always"),
        Binding("n", "reject", "Reject with a comment"),
        Binding("escape", "answer('no')", "Reject"),
    ]

    class Answered(Message):
        """The person answered (or the agent was stopped, which answers no)."""

        def __init__(self, approval: CommandApproval, answer: Answer) -> None:
            super().__init__()
            self.approval = approval
            self.answer = answer

    def __init__(self, request: Approval) -> None:
        super().__init__(classes="-destructive" if request.destructive else "")
        self.request = request
        self.answer: Answer | None = None
        self.border_title = "Run this command?"

    def compose(self) -> ComposeResult:
        request = self.request
        where = "in the sandbox: no network, only the repository writable" if request.sandboxed else "UNSANDBOXED: with your permissions"
        yield Static(Text(f"$ {request.command}"), id="command")
        yield Label(f"{request.directory} · {where}", classes="where")
        if request.destructive:
            yield Label(f"⚠ {request.reason}", classes="warning")
        always = f"a  always allow {request.pattern}    " if request.pattern else ""
        yield Label(f"y  run once    {always}n  reject with a comment    esc  reject", classes="hint")

    def action_answer(self, how: str) -> None:
        if how == "always" and not self.request.pattern:
            return  # a destructive or compound command is never allow-listed
        self.settle(Answer(how != "no", always=how == "always"))

    async def action_reject(self) -> None:
        """n: ask what the model should do instead (enter sends the refusal with it)."""
        if self.answer is None and not self.query("#comment"):
            comment = Input(placeholder="What should the model do instead? (enter)", id="comment")
            await self.mount(comment, before=self.query_one(".hint"))
            comment.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.settle(Answer(False, comment=event.value.strip()))

    def settle(self, answer: Answer) -> None:
        """Take `answer` (the first one only) and tell the screen."""
        if self.answer is None:
            self.answer = answer
            self.post_message(self.Answered(self, answer))

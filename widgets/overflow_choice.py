"""The question held back because its request would nearly fill the model's context window,
asked inline in the chat: compact the conversation, drop the largest files, send it anyway, or
go back to editing it. Each is one key."""

from __future__ import annotations

from typing import ClassVar, Literal

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from rich.text import Text
from textual.widgets import Static

from app.llm.meter import format_tokens

Choice = Literal["compact", "drop", "send", "edit"]


class OverflowChoice(Vertical, can_focus=True):
    """c compact, d drop the largest files, s send anyway, esc back to the prompt."""

    DEFAULT_CSS = """
    OverflowChoice {
        height: auto;
        margin: 0 0 1 0;
        padding: 0 1;
        border: round $warning;
        border-title-color: $text-warning;
        & > .hint { color: $text-muted; margin-top: 1; }
        &:focus-within { background: $warning 8%; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "choose('compact')", "Compact the conversation"),
        Binding("d", "choose('drop')", "Drop the largest files"),
        Binding("s", "choose('send')", "Send anyway"),
        Binding("escape", "choose('edit')", "Edit the question"),
    ]

    class Chosen(Message):
        def __init__(self, choice_widget: OverflowChoice, choice: Choice) -> None:
            super().__init__()
            self.choice_widget = choice_widget
            self.choice = choice

    def __init__(self, question: str, tokens: int, window: int, model: str, drops: dict[str, int],
                 conversation: int) -> None:
        """`tokens`: the request with `question`; `drops`: the files `d` drops, with their tokens;
        `conversation`: the conversation's tokens (0: too short to compact)."""
        super().__init__()
        self.question = question
        self.tokens, self.window, self.model = tokens, window, model
        self.drops, self.conversation = drops, conversation
        self.chosen: Choice | None = None
        self.border_title = "Held back: this question would nearly fill the context window"

    def compose(self) -> ComposeResult:
        first = self.question.splitlines()[0]
        yield Static(Text(first if len(first) <= 200 else first[:199] + "…", style="bold"), classes="question")
        yield Static(
            f"With it the request is ~{format_tokens(self.tokens)} tokens of the {format_tokens(self.window)} "
            f"{self.model} holds ({self.tokens / self.window:.0%}) for question and answer together: "
            "it may be refused, or the answer cut short. It is held back until you choose:", markup=False,
        )
        options = []
        if self.conversation:
            options.append(f"c  compact the conversation (~{format_tokens(self.conversation)}: the model summarises the older turns)")
        if self.drops:
            names = ", ".join(f"{rel} ~{format_tokens(tokens)}" for rel, tokens in self.drops.items())
            options.append(f"d  drop {names}")
        options.append("s  send anyway    esc  back to the question")
        yield Static("\n".join(options), classes="hint", markup=False)

    def action_choose(self, choice: Choice) -> None:
        if (choice == "compact" and not self.conversation) or (choice == "drop" and not self.drops):
            return
        if self.chosen is None:
            self.chosen = choice
            self.post_message(self.Chosen(self, choice))

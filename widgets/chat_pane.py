"""The conversation as the user sees it: prompts, streamed answers, notices and errors."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Collapsible, Label, Markdown, Static

from app.chat import TurnKind
from app.conversation import Severity
from app.llm.meter import format_tokens
from widgets.answer_view import AnswerStatus, AnswerView


class UserTurn(Vertical):
    """What the user sent (or the feedback the app sent for them)."""

    DEFAULT_CSS = """
    UserTurn {
        height: auto;
        margin: 0 0 1 0;
        padding: 0 1;
        background: $primary 10%;
        border-left: outer $primary;
        & > .title { color: $text-primary; text-style: bold; }
        &.-feedback { background: $warning 8%; border-left: outer $warning; }
        &.-feedback > .title { color: $text-warning; }
    }
    """

    def __init__(self, text: str, kind: TurnKind = "user", title: str | None = None) -> None:
        super().__init__(classes=f"-{kind}")
        self.text = text
        self.kind = kind
        self.title = title or ("you" if kind == "user" else "review feedback")

    def compose(self) -> ComposeResult:
        yield Label(self.title, classes="title", markup=False)
        yield Static(self.text, markup=False)


class Notice(Static):
    """A one-line message from the app: a warning, an error, or what a command did."""

    DEFAULT_CSS = """
    Notice {
        height: auto;
        margin: 0 0 1 0;
        padding: 0 1;
        color: $text-muted;
        &.-warning { color: $text-warning; }
        &.-error { color: $text-error; }
    }
    """

    ICONS = {"information": "›", "warning": "⚠", "error": "✗"}

    def __init__(self, text: str, severity: Severity = "information") -> None:
        super().__init__(f"{self.ICONS[severity]} {text}", markup=False, classes=f"-{severity}")


class ToolStep(Collapsible):
    """One tool call of the agent in one line (the tool, its main argument, how it ended) that
    opens, by click or enter, on what the model was answered."""

    SHOWN_LINES = 40
    """Lines of the result an opened step shows (the model got all of them)."""

    DEFAULT_CSS = """
    ToolStep {
        height: auto;
        border: none;
        padding: 0;
        margin: 0;
        background: transparent;
        & > CollapsibleTitle { padding: 0 1; color: $text-muted; }
        &.-running > CollapsibleTitle { color: $text-accent; }
        &.-error > CollapsibleTitle { color: $text-error; }
        &.-last { margin-bottom: 1; }
        & > Contents { padding: 0 1 0 4; height: auto; }
        & .output { color: $text-muted; background: $surface; padding: 0 1; }
    }
    """

    def __init__(self, name: str, argument: str) -> None:
        self.head = f"{name} {argument}".strip()
        super().__init__(Static("", classes="output", markup=False), title="", collapsed_symbol="▸", expanded_symbol="▾")
        self.line = f"⋯ {self.head}"
        self.add_class("-running")

    @property
    def line(self) -> str:
        """The step's one line, as shown (without the open/closed mark)."""
        return self._line

    @line.setter
    def line(self, text: str) -> None:
        self._line = text
        self.title = Content(text)  # plain: a command's brackets are not markup

    def finish(self, summary: str, seconds: float, error: bool, output: str) -> None:
        """Show how the call ended (its result's first line), and keep its result to open on."""
        self.remove_class("-running")
        self.set_class(error, "-error")
        self.line = f"{'✗' if error else '✓'} {self.head} — {summary}  {seconds:.1f}s"
        lines = output.splitlines()
        more = len(lines) - self.SHOWN_LINES
        shown = "\n".join(lines[: self.SHOWN_LINES]) + (f"\n[… {more} more lines]" if more > 0 else "")
        self.query_one(".output", Static).update(shown or "(no output)")


class SummaryNote(Collapsible):
    """The summary a compaction put in place of the older turns, shown open; its title says
    what it replaced and how to undo it."""

    DEFAULT_CSS = """
    SummaryNote {
        height: auto;
        margin: 0 0 1 0;
        padding: 0;
        border: none;
        border-left: outer $accent;
        background: $accent 6%;
        & > CollapsibleTitle { padding: 0 1; color: $text-accent; text-style: bold; }
        & > Contents { padding: 0 1; height: auto; }
        & Markdown { margin: 0; padding: 0; background: transparent; }
        &.-undone { border-left: outer $panel; background: transparent; }
        &.-undone > CollapsibleTitle { color: $text-muted; text-style: none; }
    }
    """

    def __init__(self, summary: str, turns: int, before: int, after: int) -> None:
        self.head = (f"Summary of the {turns} earlier turn{'s' * (turns != 1)} — the conversation "
                     f"~{format_tokens(before)} → ~{format_tokens(after)} tokens")
        super().__init__(Markdown(summary), title=f"{self.head} · /compact undo puts them back", collapsed=False,
                         collapsed_symbol="▸", expanded_symbol="▾")

    def undone(self) -> None:
        """The turns are back: the summary no longer stands in for them."""
        self.add_class("-undone")
        self.title = f"{self.head} — undone, the turns are back"
        self.collapsed = True


class Banner(Static):
    """The welcome text at the top of the conversation (content markup)."""

    DEFAULT_CSS = """
    Banner {
        margin: 0 0 1 0;
        padding: 0 1;
        border: round $primary 50%;
        &.-offline { border: round $warning; }
    }
    """


class ChatPane(VerticalScroll, can_focus=False):
    """A scrolling column of turns that follows the newest output (the prompt keeps the focus)."""

    DEFAULT_CSS = """
    ChatPane {
        height: 1fr;
        padding: 1 1 0 1;
        scrollbar-size-vertical: 1;
        & > .note { margin: 0 0 1 0; padding: 0 1; }
    }
    """

    def watch_virtual_size(self) -> None:
        # Follow the newest output once the conversation fills the pane (anchoring earlier would
        # push a short conversation to the bottom of the pane).
        overflowing = self.virtual_size.height > self.scrollable_content_region.height
        if overflowing != self.is_anchored:
            self.anchor(overflowing)

    async def add_user(self, text: str, kind: TurnKind = "user", title: str | None = None) -> None:
        """Show what was sent (and follow the output again if the user had scrolled up)."""
        await self.mount(UserTurn(text, kind, title))
        if self.is_anchored:
            self.anchor()

    async def start_answer(self, label: str, waiting: str) -> AnswerView:
        """Show an answer that is about to stream in; the caller feeds it."""
        view = AnswerView(label, waiting)
        await self.mount(view)
        return view

    async def finish_answer(self, view: AnswerView, status: AnswerStatus, error: str = "") -> None:
        """End `view`'s answer (a stopped or failed one keeps what came, marked as such)."""
        if view.status not in ("waiting", "streaming"):
            return
        await view.finish(status, error)

    async def add_notice(
        self, text: str, severity: Severity = "information", before: Widget | None = None
    ) -> None:
        """Show a one-line notice (at the end, or before another item)."""
        await self.mount(Notice(text, severity), before=before)

    def end_tool_steps(self, before: Widget | None = None) -> None:
        """Set the latest run of tool steps (the one just before `before`, else at the end) apart
        from what follows."""
        children = list(self.children)
        index = children.index(before) if before in children else len(children)
        if index and isinstance(children[index - 1], ToolStep):
            children[index - 1].add_class("-last")

    async def add_tool_step(self, name: str, argument: str) -> ToolStep:
        """Show a tool call the agent is making; `finish` it when its result is in."""
        step = ToolStep(name, argument)
        await self.mount(step)
        if self.is_anchored:
            self.anchor()
        return step

    async def add_approval(self, approval: Widget) -> None:
        """Show a question for the person (a command to approve) at the end, and focus it."""
        await self.mount(approval)
        approval.focus()
        if self.is_anchored:
            self.anchor()

    async def add_summary(self, note: SummaryNote) -> None:
        """Show the summary a compaction made (an older one, undone or not, stays above it)."""
        await self.mount(note)
        if self.is_anchored:
            self.anchor()

    async def add_note(self, content: Content) -> None:
        """Show a longer note from the app (e.g. /help)."""
        await self.mount(Static(content, classes="note"))

    async def clear(self) -> None:
        """Remove every turn and notice, keeping the banner."""
        await self.query("UserTurn, AnswerView, Notice, ToolStep, SummaryNote, CommandApproval, OverflowChoice, .note").remove()

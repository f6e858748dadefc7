"""The context list: what the next request holds, part by part (system prompt, repo map, each
file, the conversation), in tokens against the model's window; files are added and dropped here
by key, and the conversation compacted. Dismissed with "compact" when that was asked for."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.suggester import SuggestFromList
from textual.widgets import DataTable, Input, Label, Static

from app.chat import ChatSession
from app.context import ContextError
from app.llm.meter import format_tokens
from widgets.panel_screen import PanelScreen
from widgets.status_bar import WARN_SHARE

BAR = 24
"""Cells of the bar that shows a part's share of the request."""
GAUGE = 40
"""Cells of the gauge that shows the request against the window."""


class ContextScreen(PanelScreen[str | None]):
    """The next request's parts and the context files with their tokens: d drops the file under
    the cursor, a adds one, c compacts the conversation, esc closes."""

    DEFAULT_CSS = """
    ContextScreen {
        & > Vertical { width: 84; }
        & DataTable { max-height: 24; }
        & #add { display: none; margin-top: 1; }
        & #add.-open { display: block; }
        & #window { margin-top: 1; }
        & #message { color: $text-muted; margin-top: 1; display: none; }
        & #message.-shown { display: block; }
        & #message.-error { color: $text-error; }
    }
    """

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("d,delete", "drop", "Drop the file"),
        Binding("a", "add", "Add a file"),
        Binding("c", "dismiss('compact')", "Compact the conversation"),
    ]

    def __init__(self, session: ChatSession, files: list[str], *, agent: bool = False) -> None:
        """`files`: the repo paths to suggest when adding (as the person types them)."""
        super().__init__()
        self.session = session
        self.files = files
        self.agent = agent

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="window")
            yield DataTable(cursor_type="row", zebra_stripes=False)
            yield Input(placeholder="a repo file, directory or glob to add (enter; → takes the suggestion)",
                        suggester=SuggestFromList(self.files, case_sensitive=True), id="add", compact=True)
            yield Label("", id="message")
            yield Label("d drop the file   a add a file   c compact the conversation   esc close", classes="hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("part", "tokens", "share of the request")
        self.refresh_parts()
        if self.session.context.paths:
            table.move_cursor(row=4)  # the largest file: what `d` is for
        table.focus()

    def refresh_parts(self) -> None:
        """Fill the table from the session as it is now (the cursor stays on its row if it can)."""
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        size = self.session.request_size(agent=self.agent)
        turns = len(self.session.turns)
        parts = [("system prompt", size.system, "system"), ("repo map", size.map, "map"),
                 (f"conversation ({turns} turn{'s' * (turns != 1)})", size.conversation, "conversation")]
        for label, tokens, key in parts:
            table.add_row(Text(label), _count(tokens), self._bar(tokens, size.total), key=key)
        tokens = self.session.file_tokens()
        table.add_row(Text(f"files ({len(tokens)})", style="bold"), _count(size.files), self._bar(size.files, size.total), key="files")
        for rel, count in sorted(tokens.items(), key=lambda item: (-item[1], item[0])):
            table.add_row(Text(f"  {rel}"), _count(count), self._bar(count, size.total), key=f"file:{rel}")
        self.query_one(Vertical).border_title = "Context — what the next request holds"
        self.query_one("#window", Static).update(self._window(size.total, size.window))
        if row < table.row_count:
            table.move_cursor(row=row)

    def _window(self, total: int, window: int | None) -> Text:
        """The request against the model's window, as a gauge: "███░░░ ~12.4k of 200k (6%)"."""
        model = self.session.router.model
        if not window:
            return Text(f"~{format_tokens(total)} tokens; {model}'s context window is not known (context_window in the config)")
        share = min(total / window, 1.0)
        full = round(share * GAUGE)
        theme = self.app.current_theme
        color = (theme.warning if share >= WARN_SHARE else theme.primary) or ""
        gauge = Text("█" * full, style=color)
        gauge.append("░" * (GAUGE - full), style=theme.panel or "")
        gauge.append(f"  ~{format_tokens(total)} of {model}'s {format_tokens(window)} ({total / window:.0%})")
        return gauge

    def _bar(self, tokens: int, total: int) -> Text:
        """`tokens`' share of the request as a bar of eighths and a percentage."""
        if not total or not tokens:
            return Text("")
        cells = tokens / total * BAR
        full = int(cells)
        bar = "█" * full + (" ▏▎▍▌▋▊▉"[int((cells - full) * 8)] if full < BAR else "")
        text = Text(bar.rstrip() or "▏", style=self.app.current_theme.primary or "")
        text.append(f" {tokens / total:.0%}", style="dim")
        return text

    def _say(self, text: str, error: bool = False) -> None:
        message = self.query_one("#message", Label)
        message.update(text)
        message.set_class(error, "-error")
        message.add_class("-shown")

    def action_drop(self) -> None:
        """Drop the file under the cursor from the context."""
        table = self.query_one(DataTable)
        if not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or ""
        if not key.startswith("file:"):
            self._say("Move to a file to drop it (the other parts are not files).", error=True)
            return
        rel = key.removeprefix("file:")
        self.session.context.drop(rel)
        self._say(f"Dropped {rel}.")
        self.refresh_parts()

    def action_add(self) -> None:
        add = self.query_one("#add", Input)
        add.add_class("-open")
        add.focus()

    @on(Input.Submitted, "#add")
    def _add(self, event: Input.Submitted) -> None:
        path = event.value.strip()
        if not path:
            return
        try:
            added = self.session.context.add(path)
        except ContextError as exc:
            self._say(str(exc), error=True)
            return
        skipped = f"; skipped {len(added.skipped)}: {added.skipped[0]}" if added.skipped else ""
        self._say((f"Added {', '.join(added.paths)}" if added.paths else f"{path} is already in the context") + skipped)
        event.input.value = ""
        self.refresh_parts()

    def action_close(self) -> None:
        """esc: close the add field if it is open, else the list."""
        add = self.query_one("#add", Input)
        if add.has_class("-open"):
            add.remove_class("-open")
            self.query_one(DataTable).focus()
        else:
            self.dismiss(None)


def _count(tokens: int) -> Text:
    return Text(format_tokens(tokens) if tokens else "—", justify="right")

"""The always-visible status line: provider, model, tokens and cost, how full the next request
makes the model's context window, and the files in context."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from app.chat import RequestSize
from app.llm.meter import format_tokens

WARN_SHARE = 0.8
"""The share of the window from which the meter is shown as a warning."""


class StatusBar(Widget):
    """One line at the bottom of the main screen. The screen sets its reactives."""

    COMPONENT_CLASSES = {"status-bar--ok", "status-bar--warn", "status-bar--strong", "status-bar--dim"}

    DEFAULT_CSS = """
    StatusBar {
        dock: bottom;
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
        & > .status-bar--ok { color: $text-success; }
        & > .status-bar--warn { color: $text-warning; }
        & > .status-bar--strong { color: $text; text-style: bold; }
        & > .status-bar--dim { color: $text-disabled; }
    }
    """

    provider: reactive[str] = reactive("")
    """Short name of the provider in use, e.g. "anthropic"."""
    model: reactive[str] = reactive("")
    """Model id in use."""
    complete_model: reactive[str] = reactive("")
    """The model of the editor's ghost text, when it is not the chat's ("" when it is)."""
    offline: reactive[bool] = reactive(False)
    """Whether the provider is the embedded smoke-test model."""
    usage: reactive[str] = reactive("")
    """The meter's session totals, e.g. "1.2k↑ 340↓ $0.0041"."""
    context: reactive[tuple[str, ...]] = reactive(())
    """Repo files in the conversation's context."""
    request: reactive[RequestSize | None] = reactive(None)
    """About how large the next request is, by part, against the model's window."""
    notice: reactive[str] = reactive("")
    """A standing warning, e.g. a failover that happened."""
    busy: reactive[bool] = reactive(False)
    """Whether an answer is streaming (shows how to stop it)."""
    budget: reactive[str] = reactive("")
    """While the agent works: how much of its budget it has used, e.g. "step 3/30 · $0.02 · 41s"."""

    def render(self) -> Text:
        hint = "esc stop" if self.busy else "/help · ^q quit"
        width = self.content_size.width
        room = max(0, width - len(hint) - 2)
        line = self._line(short=False)
        if line.cell_len > room:  # too narrow: shorter labels, so the context and notice keep room
            line = self._line(short=True)
        line.truncate(room, overflow="ellipsis")
        line.pad_right(max(0, width - line.cell_len - len(hint)))
        line.append(hint, style=self.get_component_rich_style("status-bar--dim"))
        return line

    def _line(self, short: bool) -> Text:
        """Everything but the key hint; `short` shortens labels, and leaves the notice room."""
        style = self.get_component_rich_style
        warn, strong = style("status-bar--warn"), style("status-bar--strong")
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append("● ", style=warn if self.offline else style("status-bar--ok"))
        line.append(self.provider or "no provider", style=strong)
        if self.model:
            line.append(f" · {self.model}")
        if self.complete_model:
            line.append(f" · tab {self.complete_model}")
        if self.offline:
            line.append(" (offline)" if short else " (offline smoke-test model)", style=warn)
        if self.request is not None:
            line.append("   ")
            line.append_text(self._meter(self.request, short))
        line.append("   ")
        line.append(self.usage)
        if self.budget:
            line.append("   ")
            line.append(f"agent {self.budget}", style=strong)
        line.append("   ")
        if self.context:
            line.append(f"files {len(self.context)}", style=strong)
            if not (short and self.notice):  # else names are cut short at the end of the line
                line.append(": ", style=strong)
                line.append(", ".join(self.context))
        else:
            line.append("no files" if short else "no files in context", style="italic")
        if self.notice:
            line.append("   ")
            line.append(f"⚠ {self.notice}", style=warn)
        return line

    def _meter(self, size: RequestSize, short: bool) -> Text:
        """The next request against the window: "context 3.4k/200k 2% (sys 1.2k · map 1.0k · files
        1.1k · chat 96)", in the warning colour from WARN_SHARE of the window, with the key that
        opens the context list to make room."""
        style = self.get_component_rich_style
        total = f"~{format_tokens(size.total)}"
        if size.window:
            share = size.total / size.window
            total += f"/{format_tokens(size.window)} {share:.0%}"
        full = size.window is not None and size.total >= size.window * WARN_SHARE
        meter = Text(f"context {total}", style=style("status-bar--warn") if full else style("status-bar--strong"))
        if not short:
            parts = (("sys", size.system), ("map", size.map), ("files", size.files), ("chat", size.conversation))
            meter.append(" (" + " · ".join(f"{name} {format_tokens(count)}" for name, count in parts if count) + ")")
        if full:
            meter.append(" ^o make room", style=style("status-bar--warn"))
        return meter

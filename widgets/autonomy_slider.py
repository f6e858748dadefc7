"""The autonomy slider: the four levels in one line, the current one lit, always in view.

The screen sets `level` and `disabled_levels` (a level that cannot work yet, with the reason);
a click on a level posts `Picked`, and the screen decides. The slider changes nothing itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from app.autonomy import Level

WHAT = {
    Level.TAB: "completes as you type in the editor",
    Level.EDIT: "rewrites the selected range",
    Level.FILES: "edits the files in the context — you review each",
    Level.AGENT: "reads, edits, runs commands — you approve each",
}
"""What the model may do at each level, in a few words (the slider's tooltip and notices)."""


class AutonomySlider(Widget):
    """How much the model may do on its own: Tab · Edit · Files · Agent."""

    COMPONENT_CLASSES = {
        "autonomy-slider--on", "autonomy-slider--can", "autonomy-slider--off", "autonomy-slider--dim", "autonomy-slider--warn",
    }

    DEFAULT_CSS = """
    AutonomySlider {
        height: 1;
        margin: 0 1;
        padding: 0 1;
        color: $text-muted;
        & > .autonomy-slider--on { background: $primary; color: $text; text-style: bold; }
        & > .autonomy-slider--can { color: $text; }
        & > .autonomy-slider--off { color: $text-disabled; text-style: strike; }
        & > .autonomy-slider--dim { color: $text-disabled; }
        & > .autonomy-slider--warn { color: $text-warning; }
        &.-agent > .autonomy-slider--on { background: $warning; color: $background; }
    }
    """

    level: reactive[Level] = reactive(Level.FILES)
    disabled_levels: reactive[dict[Level, str]] = reactive(dict)
    """Levels that cannot be chosen now -> why, in one line."""
    warning: reactive[str] = reactive("")
    """A standing warning about the current level (e.g. that commands run unsandboxed)."""

    @dataclass
    class Picked(Message):
        """The person clicked a level."""

        level: Level

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[tuple[int, int, Level]] = []

    def watch_level(self, level: Level) -> None:
        self.set_class(level == Level.AGENT, "-agent")
        self.tooltip = f"{level.label}: {WHAT[level]}"

    def render(self) -> Text:
        style = self.get_component_rich_style
        line = Text("autonomy  ", style=style("autonomy-slider--dim"), no_wrap=True, overflow="ellipsis")
        self._spans = []
        for level in Level:
            start = line.cell_len
            if level == self.level:
                line.append(f" {level.label} ", style=style("autonomy-slider--on"))
            elif level in self.disabled_levels:
                line.append(f" {level.label} ", style=style("autonomy-slider--off"))
            else:
                line.append(f" {level.label} ", style=style("autonomy-slider--can"))
            self._spans.append((start, line.cell_len, level))
            line.append(" ")
        line.append(f"  {WHAT[self.level]}", style=style("autonomy-slider--dim"))
        if self.warning:
            line.append(f"  ⚠ {self.warning}", style=style("autonomy-slider--warn"))
        hint = "alt+1…4"
        room = self.content_size.width - len(hint) - 1
        if line.cell_len > room:
            line.truncate(max(0, room), overflow="ellipsis")
        line.pad_right(max(0, self.content_size.width - line.cell_len - len(hint)))
        return line.append(hint, style=style("autonomy-slider--dim"))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        for start, end, level in self._spans:
            if offset is not None and start <= offset.x < end:
                self.post_message(self.Picked(level))

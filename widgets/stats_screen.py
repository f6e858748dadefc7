"""The Stats screen (`/stats`): how fast the person verifies and how often they say no, from the
session logs (app/stats.py) — the figures in all, a table by model and by level, and by day the
seconds spent per hunk and the share accepted, drawn as sparklines. `1` / `2` / `3` show the last
7 days, 30 days or everything; escape closes it."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label, Sparkline, Static

from app.stats import Figures, Stats
from widgets.panel_screen import PanelScreen

SPANS = {"1": ("the last 7 days", 7 * 86400), "2": ("the last 30 days", 30 * 86400), "3": ("all time", 0)}
"""Key -> (what it shows, seconds back; 0 for all)."""
COLUMNS = ("", "hunks", "accepted (ed.)", "rejected (why)", "s/hunk", "s/100 ln", "tokens in/out", "cost")


class StatsScreen(PanelScreen[None]):
    DEFAULT_CSS = """
    StatsScreen {
        & > Vertical { width: 124; max-width: 98%; }
        & DataTable { scrollbar-size-horizontal: 0; }
        & #headline { margin-top: 1; }
        & .chart { height: 5; margin-top: 1; }
        & .chart > Vertical { width: 1fr; padding: 0 1; }
        & .chart Label { color: $text-muted; }
        & Sparkline { height: 3; margin-top: 0; }
        & #seconds > .sparkline--max-color { color: $warning; }
        & #seconds > .sparkline--min-color { color: $success 60%; }
        & #accepted > .sparkline--max-color { color: $success; }
        & #accepted > .sparkline--min-color { color: $error 70%; }
    }
    """

    BINDINGS = [
        Binding("escape,q", "dismiss(None)", "Close"),
        *[Binding(key, f"span('{key}')", what, show=False) for key, (what, _) in SPANS.items()],
    ]

    def __init__(self, compute: Callable[[float], Stats], repo: str, span: str = "2") -> None:
        """`compute`: since (Unix time) -> the Stats of this repository's sessions."""
        super().__init__()
        self.compute = compute
        self.repo = repo
        self.span = span

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"Review analytics · {self.repo}"
            yield Static(id="headline")
            yield DataTable(id="groups", cursor_type="none", zebra_stripes=True)
            with Horizontal(classes="chart"):
                with Vertical():
                    yield Label("seconds per hunk, by day", id="seconds-label")
                    yield Sparkline([], id="seconds")
                with Vertical():
                    yield Label("share accepted, by day", id="accepted-label")
                    yield Sparkline([], id="accepted")
            yield Label("1  7 days   2  30 days   3  all time   esc  close", classes="hint")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*COLUMNS)
        self.action_span(self.span)

    def action_span(self, key: str) -> None:
        self.span = key
        what, back = SPANS[key]
        stats = self.compute(time.time() - back if back else 0.0)
        self.query_one("#headline", Static).update(_headline(stats, what))
        table = self.query_one(DataTable)
        table.clear()
        table.add_row(Text("all", style="bold"), *_cells(stats.total))
        for title, groups in (("model", stats.by_model), ("level", stats.by_level)):
            for name, figures in sorted(groups.items()):
                if figures.hunks or figures.requests:
                    table.add_row(Text.assemble((f"{title} ", "dim"), name), *_cells(figures))
        reviewed = sorted(day for day, figures in stats.by_day.items() if figures.hunks)
        days = [stats.by_day[day] for day in reviewed]
        self.query_one("#seconds", Sparkline).data = [f.median_seconds or 0.0 for f in days] or [0.0]
        self.query_one("#accepted", Sparkline).data = [f.accept_rate or 0.0 for f in days] or [0.0]
        span = f", {reviewed[0][5:]} → {reviewed[-1][5:]}" if len(reviewed) > 1 else f", {reviewed[0][5:]}" if reviewed else ": none yet"
        self.query_one("#seconds-label", Label).update(f"median seconds per hunk by day{span}")
        self.query_one("#accepted-label", Label).update(f"share of hunks accepted by day{span}")


def _headline(stats: Stats, what: str) -> Text:
    total = stats.total
    text = Text.assemble((f"{stats.sessions} session{'s' * (stats.sessions != 1)}", "bold"), f" in {what}:  ")
    if not total.hunks:
        text.append("no hunk reviewed yet", "dim")
    else:
        text.append(f"{total.hunks} hunks", "bold")
        text.append(f" reviewed, {total.accept_rate:.0%} accepted, ")
        text.append(f"{total.median_seconds:.1f} s", "bold")
        text.append(" a hunk")
        if total.seconds_per_100_lines is not None:
            text.append(f" ({total.seconds_per_100_lines:.0f} s per 100 lines)")
        text.append(f"; {total.commented} of {total.rejected} rejections said why")
    text.append(f"\n${total.cost:.4f} over {total.requests} requests ({total.input_tokens:,} tokens in, "
                f"{total.output_tokens:,} out)", "dim")
    if stats.completion_rate is not None:
        done = stats.completions
        text.append(f"; ghost text: {done['accepted']} of {done['shown']} taken ({stats.completion_rate:.0%})", "dim")
    return text


def _cells(figures: Figures) -> list[str | Text]:
    tokens = f"{_short(figures.input_tokens)}/{_short(figures.output_tokens)}"
    if not figures.hunks:
        return ["—", "—", "—", "—", "—", tokens, _money(figures.cost)]
    per_100 = figures.seconds_per_100_lines
    rate = figures.accept_rate or 0.0
    return [
        str(figures.hunks),
        Text.assemble((f"{rate:.0%}", "green" if rate >= 0.5 else "red"), f" ({figures.edited})"),
        f"{figures.rejected} ({figures.commented})",
        f"{figures.median_seconds:.1f}",
        f"{per_100:.0f}" if per_100 is not None else "—",
        tokens,
        _money(figures.cost),
    ]


def _money(dollars: float) -> str:
    return f"${dollars:.2f}" if dollars >= 1 else f"${dollars:.4f}"


def _short(tokens: int) -> str:
    """1234567 -> "1.2M", 75387 -> "75k"."""
    if tokens >= 1_000_000:
        return f"{tokens / 1_000_000:.1f}M"
    return f"{tokens / 1000:.0f}k" if tokens >= 10_000 else f"{tokens:,}"

"""Review analytics from the session logs: how fast the person verifies, and how often they say
no — per model, per level and per day — with the tokens and cost of the requests, and how much
of the ghost text was taken (`exosuit stats`, the TUI's Stats screen).

Every figure comes from the logged events (app/session_log.py): a `review` event's decisions
(each hunk's seconds, lines changed, accepted or not, comment, edited), the `request` events'
tokens and cost, and the `tally` events of the editor's completions.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.session_log import Loaded


@dataclass
class Figures:
    """The review figures of one group of decisions (a model, a level, a day, or all of them)."""

    hunks: int = 0
    accepted: int = 0
    rejected: int = 0
    edited: int = 0
    commented: int = 0
    """Rejections that said why."""
    seconds: list[float] = field(default_factory=list)
    """Seconds spent on each hunk."""
    lines: int = 0
    """Lines the decided hunks changed."""
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0

    def add_decision(self, decision: dict[str, Any]) -> None:
        self.hunks += 1
        if decision["accepted"]:
            self.accepted += 1
            self.edited += bool(decision.get("edited"))
        else:
            self.rejected += 1
            self.commented += bool(decision.get("comment"))
        self.seconds.append(float(decision.get("seconds", 0.0)))
        self.lines += int(decision.get("lines", 0))

    def add_request(self, request: dict[str, Any]) -> None:
        self.requests += 1
        self.input_tokens += int(request.get("input", 0))
        self.output_tokens += int(request.get("output", 0))
        self.cost += float(request.get("cost") or 0.0)

    @property
    def accept_rate(self) -> float | None:
        return self.accepted / self.hunks if self.hunks else None

    @property
    def median_seconds(self) -> float | None:
        """Median seconds per hunk."""
        return statistics.median(self.seconds) if self.seconds else None

    @property
    def seconds_per_100_lines(self) -> float | None:
        """Review time for every 100 changed lines."""
        return sum(self.seconds) * 100 / self.lines if self.lines else None

    def as_json(self) -> dict[str, Any]:
        def rounded(value: float | None, digits: int = 3) -> float | None:
            return round(value, digits) if value is not None else None

        return {"hunks": self.hunks, "accepted": self.accepted, "rejected": self.rejected, "edited": self.edited,
                "rejected_with_comment": self.commented, "accept_rate": rounded(self.accept_rate),
                "median_seconds_per_hunk": rounded(self.median_seconds),
                "seconds_per_100_lines": rounded(self.seconds_per_100_lines), "lines": self.lines,
                "requests": self.requests, "input_tokens": self.input_tokens, "output_tokens": self.output_tokens,
                "cost": round(self.cost, 6)}


@dataclass
class Stats:
    """All the figures of the sessions read: in all, and by model, level and day."""

    sessions: int = 0
    total: Figures = field(default_factory=Figures)
    by_model: dict[str, Figures] = field(default_factory=lambda: defaultdict(Figures))
    by_level: dict[str, Figures] = field(default_factory=lambda: defaultdict(Figures))
    by_day: dict[str, Figures] = field(default_factory=lambda: defaultdict(Figures))
    completions: dict[str, int] = field(default_factory=lambda: {"requested": 0, "shown": 0, "accepted": 0, "accepted_chars": 0})
    notes: list[str] = field(default_factory=list)
    """Sessions whose logs had unreadable lines."""

    @property
    def completion_rate(self) -> float | None:
        """Ghost text taken, of the suggestions shown."""
        shown = self.completions["shown"]
        return self.completions["accepted"] / shown if shown else None

    def as_json(self) -> dict[str, Any]:
        def grouped(groups: dict[str, Figures]) -> dict[str, Any]:
            return {name: figures.as_json() for name, figures in sorted(groups.items())}

        return {"sessions": self.sessions, "total": self.total.as_json(), "by_model": grouped(self.by_model),
                "by_level": grouped(self.by_level), "by_day": grouped(self.by_day),
                "completions": {**self.completions, "accept_rate": round(self.completion_rate, 3)
                                if self.completion_rate is not None else None}}


def compute(sessions: Iterable[Loaded], since: float = 0.0) -> Stats:
    """The figures of the events logged at or after `since` (Unix time) in `sessions`."""
    stats = Stats()
    for loaded in sessions:
        events = [e for e in loaded.events if e.get("t", 0) >= since]
        if not events:
            continue
        stats.sessions += 1
        if loaded.note:
            stats.notes.append(loaded.note)
        level = next((e.get("level", "") for e in loaded.events if e["e"] == "session"), "")
        for event in loaded.events:
            if event["e"] == "level":
                level = event["level"]  # the level from then on, for the requests that follow
            if event.get("t", 0) < since:
                continue
            day = time.strftime("%Y-%m-%d", time.localtime(event["t"]))
            if event["e"] == "review":
                groups = (stats.total, stats.by_model[event.get("model") or "?"],
                          stats.by_level[event.get("level") or level or "?"], stats.by_day[day])
                for decision in event["decisions"]:
                    for figures in groups:
                        figures.add_decision(decision)
            elif event["e"] == "request":
                model = f"{event.get('provider', '?')}/{event.get('model', '?')}"
                for figures in (stats.total, stats.by_model[model], stats.by_level[level or "?"], stats.by_day[day]):
                    figures.add_request(event)
            elif event["e"] == "tally":
                for key in stats.completions:
                    stats.completions[key] += int(event.get(key, 0))
    return stats


def parse_since(text: str) -> float:
    """"7d", "12h", "30m" (or plain seconds) -> that long, in seconds. Raises ValueError."""
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    number, unit = (text[:-1], text[-1]) if text and text[-1] in units else (text, "s")
    value = float(number)
    if value < 0:
        raise ValueError(text)
    return value * units[unit]

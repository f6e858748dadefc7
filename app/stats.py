"""Review analytics from the session logs: how fast the person verifies, and how often they say
no — per model, per level and per day — with the tokens and cost of the requests, and how much
of the ghost text was taken (`exosuit stats`, the TUI's Stats screen).

Every figure comes from the logged events (app/session_log.py): a `review` event's decisions
(each hunk's seconds, lines changed, accepted or not, comment, edited), the `request` events'
tokens and cost, and the `tally` events of the editor's completions. Each session's figures are
summed by day, model and level into a `Digest`, kept in a cache file beside the logs, so that a
session already read is not read again while its files are unchanged; only a session that
straddles `--since` is read again, for the events after it.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from app import session_log
from app.edits.textfile import write_atomic
from app.session_log import Loaded

DIGESTS = ".digests.json"
"""The cache of each session's figures (a `Digest`), in each repository's log folder."""
COMPLETIONS = ("requested", "shown", "accepted", "accepted_chars")
"""The ghost-text counts a `tally` event holds: the fields of app.completion.Tally, which the
editor logs (not imported, to keep `exosuit stats` light; a test keeps the two the same)."""


NUMBERS = ("hunks", "accepted", "rejected", "edited", "commented", "lines", "requests", "input_tokens", "output_tokens", "cost")
"""The figures that add up (the seconds, a list, are kept apart)."""


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

    def merge(self, other: Figures) -> None:
        """Add `other`'s figures (a session's, a review's) to these."""
        for name in NUMBERS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.seconds += other.seconds

    def to_list(self) -> list[Any]:
        """The figures, compactly, for the digests cache."""
        return [*(getattr(self, name) for name in NUMBERS), [round(s, 3) for s in self.seconds]]

    @classmethod
    def from_list(cls, values: list[Any]) -> Figures:
        return cls(**dict(zip(NUMBERS, values[:-1], strict=True)), seconds=list(values[-1]))

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
    completions: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COMPLETIONS, 0))
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


Group = tuple[str, str, str]
"""(day, model, level): the finest figures a session's digest keeps."""


@dataclass
class Digest:
    """One session's figures by group, and when its events span: what the cache keeps."""

    first: float
    last: float
    groups: dict[Group, Figures]
    completions: dict[str, int]
    note: str = ""
    summary: session_log.Summary | None = None
    """The session at a glance (`exosuit sessions`), when it came from `digests`."""

    def to_list(self) -> list[Any]:
        return [self.first, self.last, [[*key, f.to_list()] for key, f in self.groups.items()], self.completions, self.note]

    @classmethod
    def from_list(cls, values: list[Any]) -> Digest:
        first, last, groups, completions, note = values
        return cls(first, last, {(g[0], g[1], g[2]): Figures.from_list(g[3]) for g in groups}, completions, note)


def digest(loaded: Loaded, since: float = 0.0) -> Digest:
    """The figures of `loaded`'s events logged at or after `since`, by (day, model, level)."""
    groups: dict[Group, Figures] = defaultdict(Figures)
    completions = dict.fromkeys(COMPLETIONS, 0)
    level, first, last, days = "", float("inf"), 0.0, {}
    for event in loaded.events:
        kind, t = event["e"], event.get("t", 0.0)
        if kind in ("session", "level"):
            level = event.get("level", "") or level  # the level from then on, for the requests that follow
        if t < since or kind not in ("review", "request", "tally"):
            continue
        first, last = min(first, t), max(last, t)
        slot = int(t // 900)  # every time zone's days start on a quarter hour
        day = days.get(slot) or days.setdefault(slot, time.strftime("%Y-%m-%d", time.localtime(t)))
        if kind == "review":
            figures = groups[(day, event.get("model") or "?", event.get("level") or level or "?")]
            for decision in event["decisions"]:
                figures.add_decision(decision)
        elif kind == "request":
            groups[(day, f"{event.get('provider', '?')}/{event.get('model', '?')}", level or "?")].add_request(event)
        else:
            for key in completions:
                completions[key] += int(event.get(key, 0))
    return Digest(first if last else 0.0, last, dict(groups), completions, loaded.note)


def compute(sessions: Iterable[tuple[Digest, Callable[[], Loaded]]], since: float = 0.0) -> Stats:
    """The figures of the events logged at or after `since` (Unix time) in `sessions` (as
    `digests` gives them): a session that began before `since` and went on after it is read
    again, for its later events."""
    stats = Stats()
    for found, read in sessions:
        if found.last < since:
            continue
        if found.first < since:
            found = digest(read(), since)
        if not found.groups and not any(found.completions.values()):
            continue
        stats.sessions += 1
        if found.note:
            stats.notes.append(found.note)
        for (day, model, level), figures in found.groups.items():
            for group in (stats.total, stats.by_model[model], stats.by_level[level], stats.by_day[day]):
                group.merge(figures)
        for key, value in found.completions.items():
            stats.completions[key] += value
    return stats


def digests(repo_root: Path | None = None) -> Iterator[tuple[Digest, Callable[[], Loaded]]]:
    """Each session of `repo_root` (else of every repository), newest first, as its digest (its
    summary with it) and how to read it: from the cache while the session's files are
    unchanged, else made from them and cached."""
    by_folder: dict[Path, list[list[Path]]] = defaultdict(list)
    for files in session_log.sessions(repo_root):
        by_folder[files[0].parent].append(files)
    for folder, sessions in by_folder.items():
        cache_path = folder / DIGESTS
        try:
            cached = json.loads(cache_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            cached = {}
        fresh: dict[str, Any] = {}
        for files in sessions:
            stamp = [[info.st_mtime_ns, info.st_size] for info in map(os.stat, files)]
            entry = cached.get(files[0].name)
            if not entry or entry[0] != stamp or len(entry) != 3:
                loaded = session_log.load(files[0], files)
                glance = session_log.summarize(files[0], loaded)
                entry = [stamp, digest(loaded).to_list(),
                         [glance.started, glance.first_instruction, glance.level, glance.turns, glance.cost]]
            fresh[files[0].name] = entry
            found = Digest.from_list(entry[1])
            found.summary = session_log.Summary(files[0].name.split(".")[0], files[0], *entry[2])
            yield found, partial(session_log.load, files[0], files)
        if fresh != cached:
            _write_cache(cache_path, fresh)


def parse_since(text: str) -> float:
    """"7d", "12h", "30m" (or plain seconds) -> that long, in seconds. Raises ValueError."""
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    number, unit = (text[:-1], text[-1]) if text and text[-1] in units else (text, "s")
    value = float(number)
    if value < 0:
        raise ValueError(text)
    return value * units[unit]


def _write_cache(path: Path, entries: dict[str, Any]) -> None:
    """The digests cache, replaced whole (a reader never sees half of it), readable by the user only."""
    try:
        write_atomic(path, json.dumps(entries, separators=(",", ":")).encode(), 0o600)
    except OSError:
        pass  # the figures stand; the next run reads the logs again

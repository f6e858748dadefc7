"""Tab-level completions: the code the model would write at the cursor, for ghost text.

`Completions.complete()` runs in a worker thread, one call per pause in typing. Each call
supersedes the one before: a request still in flight is closed at once (the server sees the
disconnect), and a reply that comes back after a newer call is dropped, so ghost text never
belongs to a cursor that has moved on. The model is shown the code nearest the cursor (less of it
for a model on this CPU), after the signatures of the names used there that are defined elsewhere
in the repository (`Nearby`). What the model returns is trimmed (`trim`) so that it
never repeats the code after the cursor and ends with the block it is in; recent results are
kept, and what was shown and accepted is counted.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from app.context.nearby import Nearby
from app.llm.base import ProviderError
from app.llm.fim import window
from app.llm.meter import Meter
from app.llm.router import Router

MAX_LINES = 12
"""A suggestion is at most this many lines."""
HEAD_CHARS = 20_000
"""Of the code before the cursor, the start searched for imports (`Nearby.lines`)."""
CACHED = 64
"""Recent (prefix, suffix) → suggestion pairs kept."""


@dataclass
class Tally:
    """Completions shown and accepted this session (for the review analytics)."""

    requested: int = 0
    shown: int = 0
    accepted: int = 0
    accepted_chars: int = 0


class Completions:
    """Fill-in-the-middle suggestions through `router`'s active provider, metered in `meter`;
    with `nearby`, the prompt says where the names used at the cursor are defined."""

    def __init__(self, router: Router, meter: Meter, *, nearby: Nearby | None = None, max_tokens: int = 64) -> None:
        self.router = router
        self.meter = meter
        self.nearby = nearby
        self.max_tokens = max_tokens
        self.tally = Tally()
        self.error = ""
        """Why the latest request failed, one line ("" when it did not)."""
        self._generation = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str], str] = OrderedDict()

    def complete(self, prefix: str, suffix: str, path: str = "") -> str | None:
        """The suggestion ("" for none) for a cursor between `prefix` and `suffix` of the
        repository file `path` ("" when not known), or None when a newer call or `cancel()`
        superseded this one, or the request failed (see `error`)."""
        with self._lock:
            self._generation += 1
            mine = self._generation
            self._close_in_flight()  # its cursor has moved on
            if (prefix, suffix) in self._cache:
                self._cache.move_to_end((prefix, suffix))
                return self._cache[(prefix, suffix)]
            self._in_flight += 1
        self.tally.requested += 1
        before, after = window(prefix, suffix, local=self.router.active.kind == "local")
        if self.nearby is not None and path:
            before = self.nearby.lines(path, before, after, head=prefix[:HEAD_CHARS]) + before
        try:
            fill = self.router.complete_fim(before, after, max_tokens=self.max_tokens)
        except ProviderError as exc:
            if mine == self._generation:
                self.error = str(exc).splitlines()[0]
            return None
        finally:
            with self._lock:
                self._in_flight -= 1
        self.meter.record(self.router.name, self.router.model, fill.usage)
        text = trim(fill.text, prefix, suffix)
        with self._lock:
            if mine != self._generation:
                return None  # stale: the person typed on
            self.error = ""
            self._cache[(prefix, suffix)] = text
            if len(self._cache) > CACHED:
                self._cache.popitem(last=False)
        return text

    def cancel(self) -> None:
        """Drop whatever is asked now (the person typed, moved or left the editor)."""
        with self._lock:
            self._generation += 1
            self._close_in_flight()

    def _close_in_flight(self) -> None:
        """Close the connection of a request in flight (only then: the next request would have
        to open a new one)."""
        if self._in_flight:
            self.router.abort()

    def use(self, router: Router) -> None:
        """Ask `router`'s providers from now on (what the old ones said is forgotten)."""
        with self._lock:
            self._generation += 1
            self._close_in_flight()
            self.router = router
            self._cache.clear()

    def shown(self) -> None:
        self.tally.shown += 1

    def accepted(self, text: str) -> None:
        self.tally.accepted += 1
        self.tally.accepted_chars += len(text)


def trim(middle: str, prefix: str, suffix: str) -> str:
    """`middle` as ghost text between `prefix` and `suffix`: without what the suffix already
    says (the rest of the cursor's line, or the next line of code), ending with the block the
    cursor is in or opens (a line back at its indentation or less ends it), MAX_LINES at most,
    and without trailing blank lines."""
    rest_of_line, _, after = suffix.partition("\n")
    lines = middle.split("\n")
    cursor_line = prefix.rsplit("\n", 1)[-1]
    indent = len(cursor_line) - len(cursor_line.lstrip())
    next_code = next((line.strip() for line in after.split("\n") if line.strip()), "")
    kept: list[str] = []
    deeper = False
    for number, line in enumerate(lines[:MAX_LINES]):
        depth = len(line) - len(line.lstrip())
        if number and next_code and line.strip() == next_code:
            break  # the model is writing the code that already follows
        if number and line.strip() and (depth < indent or (deeper and depth <= indent)):
            break  # back out of the block the cursor is in (or the one it opened)
        deeper = deeper or (number > 0 and bool(line.strip()) and depth > indent)
        kept.append(line)
    text = "\n".join(kept).rstrip()
    if rest_of_line.strip() and text.endswith(rest_of_line.strip()):
        text = text[: len(text) - len(rest_of_line.strip())].rstrip()
    return text

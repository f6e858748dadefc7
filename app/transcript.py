"""The conversation as the session log keeps it: turns to JSON and back, the changes since the
last record, and a session put back together from its log (`restore`), so that a resumed session
sends the model the same conversation.

`Transcript.record()` runs at each turn boundary. It compares the turns, as JSON, with the ones
it last logged and appends one `turns` event: keep the first `keep`, then add these (an answer
appended, a turn's tool results come in, a compaction or a /clear all come down to it), the
context files when they changed, and the context block's files and map when they were made anew.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

from app.context import ContextError
from app.llm.base import ToolCall, ToolResult, Usage
from app.llm.meter import RequestCost
from app.session_log import Loaded, SessionLog, unsecret

if TYPE_CHECKING:
    from app.chat import ChatSession, Turn


def turn_record(turn: Turn) -> dict[str, Any]:
    """`turn` as a JSON object (a secret file's text left out; the text protocol by its tools' names)."""
    record = {f.name: getattr(turn, f.name) for f in dataclasses.fields(turn) if f.name != "protocol"}
    record["changed"] = unsecret(turn.changed)
    record["cost"] = dataclasses.asdict(turn.cost) if turn.cost else None
    record["tool_calls"] = [dataclasses.asdict(c) for c in turn.tool_calls]
    record["tool_results"] = [dataclasses.asdict(r) for r in turn.tool_results]
    record["protocol"] = [t.name for t in turn.protocol.tools] if turn.protocol else None
    return record


def turn_from(record: dict[str, Any]) -> Turn:
    """The Turn a `turn_record` was made of."""
    from app.chat import Turn

    fields = dict(record)
    if fields.get("cost"):
        cost = fields["cost"]
        fields["cost"] = RequestCost(cost["provider"], cost["model"], Usage(**cost["usage"]), cost["cost"])
    fields["tool_calls"] = [ToolCall(**c) for c in fields.get("tool_calls", [])]
    fields["tool_results"] = [ToolResult(**r) for r in fields.get("tool_results", [])]
    names = fields.pop("protocol", None)
    turn = Turn(**fields)
    if names is not None:
        from app.agent.text_protocol import TextProtocol
        from app.agent.tools import TOOLS

        turn.protocol = TextProtocol(tuple(t for t in TOOLS if t.name in names))
    return turn


class Transcript:
    """Keeps `log` up with a ChatSession's conversation, a change at a time."""

    def __init__(self, log: SessionLog) -> None:
        self.log = log
        self._turns: list[str] = []
        """The turns as last logged, as JSON."""
        self._context: list[str] | None = None
        self._base: tuple[dict[str, str] | None, str] | None = None

    def record(self, session: ChatSession) -> None:
        """Append what changed in `session`'s conversation since the last record, and fsync (when
        nothing did, nothing is written)."""
        turns, context, base = session.snapshot()
        now = [json.dumps(turn_record(t), sort_keys=True, ensure_ascii=False) for t in turns]
        keep = next((i for i, (a, b) in enumerate(zip(self._turns, now)) if a != b), min(len(self._turns), len(now)))
        changed = False
        if keep < len(self._turns) or keep < len(now):
            self.log.append("turns", keep=keep, add=[json.loads(t) for t in now[keep:]])
            changed = True
        if context != self._context:
            self.log.append("context", paths=context)
            changed = True
        if base != self._base:
            files = unsecret(base[0]) if base[0] is not None else None
            self.log.append("base", files=files, map=base[1])
            changed = True
        self._turns, self._context, self._base = now, context, base
        if changed:
            self.log.sync()


def restore(session: ChatSession, loaded: Loaded) -> list[str]:
    """Put `session` back as its log left it: the turns, the context files (those that can still
    be added) and the context block the model was given. What could not be put back, a line each."""
    turns: list[dict[str, Any]] = []
    context: list[str] = []
    base: tuple[dict[str, str] | None, str] = (None, "")
    for event in loaded.events:
        if event["e"] == "turns":
            turns = turns[: event["keep"]] + event["add"]
        elif event["e"] == "context":
            context = event["paths"]
        elif event["e"] == "base":
            base = (event["files"], event["map"])
    problems = [loaded.note] if loaded.note else []
    for path in context:
        try:
            session.context.add(path)
        except ContextError as exc:  # gone or a secret since: said, not fatal
            problems.append(f"{path} is not in the context again: {exc}")
    session.resumed([turn_from(t) for t in turns], base)
    return problems

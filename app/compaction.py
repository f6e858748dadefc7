"""Compacting a conversation: its older turns summarised by the model, so that the next requests
fit the context window; the newest turns stay as they were (see `ChatSession.compact`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import prompts
from app.llm.meter import estimate_tokens

if TYPE_CHECKING:
    from app.chat import Turn

KEEP_SHARE = 0.3
"""The newest turns kept as they are make up at most this share of the conversation (one at least)."""
MAX_TEXT = 4_000
"""Characters of one question or answer the summary request quotes (its start and end)."""
MAX_OUTPUT = 1_500
"""Characters of one tool result it quotes."""


@dataclass(frozen=True)
class Compacted:
    """The conversation's `turns` oldest turns were summarised as `summary`: the conversation
    went from about `before` tokens to about `after`. `/compact undo` puts them back."""

    summary: str
    turns: int
    before: int
    after: int

    def describe(self) -> str:
        return (f"Compacted {self.turns} turn{'s' * (self.turns != 1)} into a summary: the conversation is "
                f"~{self.after:,} tokens, was ~{self.before:,}. /compact undo puts them back.")


def split(turns: list[Turn]) -> int:
    """Where the kept turns start: the newest turns making up at most KEEP_SHARE of what the
    model sees (one at least); 0 when there is nothing older to summarise."""
    sizes = [estimate_tokens("".join(_text(turn))) for turn in turns]
    kept, total = 1, sum(sizes)
    while kept < len(turns) - 1 and sum(sizes[-kept - 1 :]) <= total * KEEP_SHARE:
        kept += 1
    return len(turns) - kept if len(turns) > 1 else 0


def request(turns: list[Turn]) -> str:
    """The question asking the model for the summary of `turns`."""
    return prompts.load("compact", transcript="\n\n".join(part for turn in turns for part in _text(turn)))


def summary_note(summary: str) -> str:
    """How the summary is said to the model, ahead of the first kept turn."""
    return prompts.load("conversation_summary", summary=summary.strip()).rstrip()


def _text(turn: Turn) -> list[str]:
    """A turn as lines of a transcript: the question, the answer, the tool calls and results."""
    if not turn.seen:
        return []
    who = {"user": "Person", "feedback": "Exosuit (for the person)", "tool": ""}[turn.kind]
    said = "\n\n".join(t for t in (turn.summary, turn.note, turn.prompt) if t)
    parts = [f"{who}: {_cut(said, MAX_TEXT)}"] if who and said else []
    if turn.answer:
        ending = "" if turn.status == "complete" else f" [cut off: {turn.error or turn.status}]"
        parts.append(f"Assistant: {_cut(turn.answer, MAX_TEXT)}{ending}")
    results = {r.call_id: r.content for r in turn.tool_results}
    for call in turn.tool_calls:
        parts.append(f"Tool call: {call.name} {json.dumps(call.arguments)[:MAX_TEXT]}")
        parts.append(f"Result: {_cut(results.get(call.id, '(not run)'), MAX_OUTPUT)}")
    return parts


def _cut(text: str, limit: int) -> str:
    """`text`, its middle left out past `limit` characters."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[… {len(text) - limit:,} characters left out …]\n{text[-half:]}"

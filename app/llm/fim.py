"""Fill-in-the-middle for chat-only models: ask for the middle with an instruction prompt.

Used by providers whose API has no native FIM (Anthropic, OpenAI chat models, servers where
`/v1/completions` + `suffix` is not trusted). The prompt text lives in `prompts/fim_*.md`.
"""

from __future__ import annotations

import re

import prompts
from app.llm.base import ChatRequest, Fill, Message, Provider, TextDelta

PREFIX_CHARS = 6000
SUFFIX_CHARS = 2000
"""How much code around the cursor is sent (the nearest part of each side)."""


def window(prefix: str, suffix: str) -> tuple[str, str]:
    """The code nearest the cursor: the end of `prefix` and the start of `suffix`."""
    return prefix[-PREFIX_CHARS:], suffix[:SUFFIX_CHARS]


def fim_chat(prefix: str, suffix: str) -> tuple[str, list[Message]]:
    """The system prompt and messages asking a chat model for the middle."""
    prefix, suffix = window(prefix, suffix)
    user = prompts.load("fim_user", prefix=prefix, suffix=suffix)
    return prompts.load("fim_system"), [Message("user", user)]


_FENCE = re.compile(r"^```[\w+-]*\n(.*?)\n?```\s*$", re.DOTALL)


def clean_middle(text: str) -> str:
    """The model's answer without a Markdown fence it was asked not to add."""
    match = _FENCE.match(text.strip("\n"))
    return match.group(1) if match else text


def complete_by_chat(provider: Provider, prefix: str, suffix: str, max_tokens: int) -> Fill:
    """Fill in the middle by asking `provider`'s chat model with the FIM instruction prompt."""
    system, messages = fim_chat(prefix, suffix)
    events = list(provider.stream_chat(ChatRequest(messages, system, max_tokens=max_tokens)))
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    return Fill(clean_middle(text), events[-1].usage)  # a stream ends with its one Done

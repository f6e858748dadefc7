"""Fill-in-the-middle prompts: how much code around the cursor is sent, the FIM tokens of coder
models, and for chat-only models (Anthropic, OpenAI chat models, servers where
`/v1/completions` + `suffix` is not trusted) the middle asked for with an instruction prompt,
whose text lives in `prompts/fim_*.md`.
"""

from __future__ import annotations

import re

import prompts
from app.llm.base import ChatRequest, Fill, Message, Provider, TextDelta

PREFIX_CHARS = 6000
SUFFIX_CHARS = 2000
"""How much code around the cursor is sent (the nearest part of each side)."""


LOCAL_PREFIX_CHARS = 1024
LOCAL_SUFFIX_CHARS = 256
"""For a model on this machine's CPU: about 256 tokens before the cursor and 64 after, as its
time to the first token grows with the prompt."""

FIM_TOKENS = {
    "qwen": ("<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"),
    "starcoder": ("<fim_prefix>", "<fim_suffix>", "<fim_middle>"),
    "deepseek-coder": ("<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>"),
    "codellama": ("<PRE> ", " <SUF>", " <MID>"),
}
"""Model name part -> the tokens its fill-in-the-middle prompt is written with."""


def window(prefix: str, suffix: str, *, local: bool = False) -> tuple[str, str]:
    """The code nearest the cursor: the end of `prefix` and the start of `suffix` (less of each
    for a `local` model)."""
    before, after = (LOCAL_PREFIX_CHARS, LOCAL_SUFFIX_CHARS) if local else (PREFIX_CHARS, SUFFIX_CHARS)
    return prefix[-before:], suffix[:after]


def fim_prompt(model: str, prefix: str, suffix: str) -> str | None:
    """The raw fill-in-the-middle prompt for a model whose name says which FIM tokens it was
    trained with (Qwen2.5-Coder, StarCoder, DeepSeek-Coder, Code Llama); None for one without."""
    name = model.lower()
    if "coder" not in name and "codellama" not in name and "code-llama" not in name:
        return None
    tokens = next((t for key, t in FIM_TOKENS.items() if key in name.replace("code-llama", "codellama")), None)
    if tokens is None:
        return None
    start, hole, middle = tokens
    return f"{start}{prefix}{hole}{suffix}{middle}"


def fim_chat(prefix: str, suffix: str) -> tuple[str, list[Message]]:
    """The system prompt and messages asking a chat model for the middle."""
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

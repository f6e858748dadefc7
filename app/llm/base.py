"""The one small interface every model provider implements, and the values it streams."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, Union

if TYPE_CHECKING:
    from app.config import ProviderConfig

Role = Literal["user", "assistant"]

MODEL_LIST_TIMEOUT = 5.0
"""Seconds to wait for a server's model list (`Provider.list_models`): a picker waits on it."""


@dataclass(frozen=True)
class ToolSpec:
    """A tool the model may call: a name, a description and a JSON schema for its input."""

    name: str
    description: str
    input_schema: dict[str, Any]


@dataclass(frozen=True)
class ToolCall:
    """One call the model made to a tool."""

    id: str
    name: str
    arguments: dict[str, Any]
    invalid: str = ""
    """The arguments as sent, when they were not a JSON object (then `arguments` is empty)."""


@dataclass(frozen=True)
class ToolResult:
    """Our answer to a ToolCall, sent back on the next user turn."""

    call_id: str
    content: str
    is_error: bool = False


@dataclass
class Message:
    """One turn of a conversation. Assistant turns may carry tool calls; user turns tool results."""

    role: Role
    content: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_results: list[ToolResult] = field(default_factory=list)


@dataclass(frozen=True)
class ChatRequest:
    """One chat request, as every provider and the router take it."""

    messages: list[Message]
    system: str = ""
    context: str = ""
    """Stable repo context, sent after the system prompt (cached where the API allows)."""
    tools: tuple[ToolSpec, ...] = ()
    max_tokens: int = 4096


@dataclass(frozen=True)
class Usage:
    """Tokens used by one request. `estimated` is set when the server reported none."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    estimated: bool = False


@dataclass(frozen=True)
class TextDelta:
    """A piece of the answer's text."""

    text: str


@dataclass(frozen=True)
class Done:
    """The stream ended normally. Always the last event of a complete answer.

    `stop_reason` is normalised across APIs: "end", "max_tokens" or "tool_use" (anything else is
    passed through as the API said it).
    """

    stop_reason: str
    usage: Usage
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass(frozen=True)
class Fill:
    """A fill-in-the-middle completion: the text to insert, and the tokens it used (for the meter)."""

    text: str
    usage: Usage


@dataclass(frozen=True)
class ProviderSwitched:
    """Emitted by the router when it gave up on one provider and moved to the next."""

    from_provider: str
    to_provider: str
    reason: str
    smaller: bool = False
    """The new model is a small one and the old was not: its answers may be much weaker."""

    def describe(self) -> str:
        """One line for the UI, e.g. "anthropic unavailable (rate limited) — switched to ollama/qwen2.5-coder:7b"."""
        weaker = " (a smaller model: expect weaker answers)" if self.smaller else ""
        return f"{self.from_provider} unavailable ({self.reason}) — switched to {self.to_provider}{weaker}"


@dataclass(frozen=True)
class Retrying:
    """Emitted by the router before it asks the same provider again (nothing was streamed yet)."""

    provider: str
    attempt: int
    """The attempt about to start, from 2."""
    attempts: int
    """How many there will be at most."""
    reason: str
    """What the last attempt failed with, e.g. "rate limited (429)"."""
    delay: float
    """Seconds until the next attempt."""

    def describe(self) -> str:
        """One line for the UI, e.g. "openai: no answer after 5s (timed out) — retrying (2/3) in 1s"."""
        return f"{self.provider}: {self.reason} — retrying ({self.attempt}/{self.attempts}) in {round(self.delay, 1):g}s"


StreamEvent = Union[TextDelta, Done, ProviderSwitched, Retrying]


class ProviderError(Exception):
    """A provider failed. `retryable` errors (connection, timeout, 429, 5xx) make the router fail over.

    The message is one line a person can act on, e.g. "anthropic: 401 invalid x-api-key".
    """

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        """Seconds the server asked to wait before trying again (Retry-After), if it said."""


class ContextOverflow(ProviderError):
    """The server refused the request as longer than the model's context window (`window`
    tokens, when its message says)."""

    def __init__(self, message: str, window: int | None) -> None:
        super().__init__(message, retryable=False)
        self.window = window


class StreamBroken(ProviderError):
    """The stream ended before the provider said it was finished: the partial text is not an answer."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=True)


class Provider(Protocol):
    """A chat model behind some API. Implementations live beside this module."""

    name: str
    """Short label shown in the UI, e.g. "anthropic" or "ollama"."""
    kind: str
    """Which API it speaks: "anthropic", "openai", "local" (the embedded model), "scripted"."""
    model: str
    """The model id sent to the API, e.g. "claude-sonnet-4-5"."""
    config: ProviderConfig | None
    """The settings it was made from (None for one made in code, e.g. a scripted model)."""
    retries: int
    """How many times the router asks again after a retryable failure before any text."""
    notice: str | None
    """What the UI must tell the person while this provider answers (the offline model's warning)."""
    supports_tools: bool
    """Whether tool definitions are sent (some servers reject them)."""
    context_window: int | None
    """Tokens the model holds, prompt and answer together, when known (configured or learned)."""

    def stream_chat(self, request: ChatRequest) -> Iterator[StreamEvent]:
        """Stream one answer.

        Yields TextDelta events, then exactly one Done. Raises ProviderError (StreamBroken when the
        stream dies part-way).
        """
        ...

    def abort(self) -> None:
        """Stop the request in flight at once (called from another thread than the one reading
        `stream_chat`): close its connection and send no retry. The reader gets a ProviderError
        or the end of its events."""
        ...

    def complete_fim(self, prefix: str, suffix: str, *, max_tokens: int = 64) -> Fill:
        """Fill in the middle between `prefix` and `suffix` (tab-complete), sent as they are (the
        caller trims them to the model's budget: `app.llm.fim.window`). Raises ProviderError."""
        ...

    def list_models(self) -> list[str]:
        """The ids of the models the provider's server offers, asked now: at most
        MODEL_LIST_TIMEOUT seconds, no retries. Raises ProviderError."""
        ...

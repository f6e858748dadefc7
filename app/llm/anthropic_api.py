"""Claude through the `anthropic` SDK: streaming, native tool use, prompt caching.

The system prompt and the repository context are sent as two system blocks, each marked
`cache_control: ephemeral`, so a conversation re-reads them from Anthropic's prompt cache.
The SDK is imported on first use, so start-up does not pay for it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from app.config import ProviderConfig
from app.llm.base import (
    MODEL_LIST_TIMEOUT,
    ChatRequest,
    Done,
    Fill,
    Message,
    ProviderError,
    StreamBroken,
    StreamEvent,
    TextDelta,
    Usage,
)
from app.llm.fim import complete_by_chat
from app.llm.sdk_errors import provider_error, stall_error
from app.llm.streaming import Stall, close_now, http_timeout, normalize_stop, tool_call

if TYPE_CHECKING:
    import anthropic

CACHED = {"type": "ephemeral"}


class AnthropicProvider:
    """A Provider for the Anthropic Messages API (or anything speaking it at `base_url`)."""

    kind = "anthropic"
    notice: str | None = None

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config
        self.name = config.name
        self.retries = config.max_retries
        self.model = config.model
        self.supports_tools = config.tools
        self.context_window = config.context_window
        self._client: anthropic.Anthropic | None = None

    def _sdk(self) -> anthropic.Anthropic:
        if self._client is None:
            if not self.config.api_key:
                env = self.config.api_key_env or "ANTHROPIC_API_KEY"
                raise ProviderError(f"{self.name}: no API key — set {env}", retryable=False)
            import anthropic

            self._client = anthropic.Anthropic(
                api_key=self.config.api_key,
                base_url=self.config.base_url,
                max_retries=0,  # the router retries, and says so
                timeout=http_timeout(self.config),
            )
        return self._client

    def abort(self) -> None:
        """Close the connection of the request in flight, waking the thread that waits on it.
        The next request gets a new client."""
        client, self._client = self._client, None
        if client is not None:
            close_now(client)

    def stream_chat(self, request: ChatRequest) -> Iterator[StreamEvent]:
        import anthropic
        import httpx2

        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_tokens,
            "messages": [to_anthropic(m) for m in request.messages],
            "stream": True,
        }
        blocks = [{"type": "text", "text": t, "cache_control": CACHED} for t in (request.system, request.context) if t]
        if blocks:
            body["system"] = blocks
        if request.tools and self.supports_tools:
            body["tools"] = [
                {"name": t.name, "description": t.description, "input_schema": t.input_schema} for t in request.tools
            ]
        stall = Stall(self.config.timeout, self.abort)
        try:
            with self._sdk().messages.create(**body) as stream, stall:
                yield from self._read(stream, stall)
        except (anthropic.APIError, httpx2.TransportError, StreamBroken) as exc:
            raise stall_error(self.config) if stall.fired else provider_error(exc, self.config, mid_stream=stall.begun) from exc

    def _read(self, stream: Iterator[Any], stall: Stall) -> Iterator[StreamEvent]:
        """Turn the raw server-sent events into TextDelta… Done; once content has begun, each
        event beats `stall`."""
        tokens = {"input": 0, "output": 0, "cache_read": 0, "cache_write": 0}
        calls: dict[int, tuple[str, str, list[str]]] = {}
        stop_reason = None
        finished = False
        for event in stream:
            if event.type == "message_start":
                usage = event.message.usage
                tokens["input"] = usage.input_tokens or 0
                tokens["output"] = usage.output_tokens or 0
                tokens["cache_read"] = usage.cache_read_input_tokens or 0
                tokens["cache_write"] = usage.cache_creation_input_tokens or 0
            elif event.type == "content_block_start" and event.content_block.type == "tool_use":
                calls[event.index] = (event.content_block.id, event.content_block.name, [])
            elif event.type == "content_block_delta":
                if event.delta.type == "text_delta" and event.delta.text:
                    yield TextDelta(event.delta.text)
                elif event.delta.type == "input_json_delta" and event.index in calls:
                    calls[event.index][2].append(event.delta.partial_json)
            elif event.type == "message_delta":
                stop_reason = event.delta.stop_reason
                tokens["output"] = event.usage.output_tokens or tokens["output"]
            elif event.type == "message_stop":
                finished = True
            if event.type.startswith(("content_block", "message_delta")):
                stall.beat()
        if not finished:
            raise StreamBroken(f"{self.name}: stream broke: the answer ended before message_stop")
        usage = Usage(tokens["input"], tokens["output"], tokens["cache_read"], tokens["cache_write"])
        tool_calls = tuple(tool_call(self.name, i, n, "".join(parts)) for i, n, parts in calls.values())
        yield Done(normalize_stop(stop_reason), usage, tool_calls)

    def list_models(self) -> list[str]:
        """What `GET /v1/models` lists, newest first."""
        import anthropic
        import httpx2

        wait = min(self.config.timeout, MODEL_LIST_TIMEOUT)
        config = dataclasses.replace(self.config, timeout=wait, first_token_timeout=wait, max_retries=0)
        try:
            client = self._sdk().with_options(timeout=config.timeout, max_retries=0)
            return [model.id for model in client.models.list(limit=1000)]
        except (anthropic.APIError, httpx2.TransportError) as exc:
            raise provider_error(exc, config, mid_stream=False) from exc

    def complete_fim(self, prefix: str, suffix: str, *, max_tokens: int = 64) -> Fill:
        """Claude has no FIM endpoint: the middle is asked for with the FIM instruction prompt."""
        return complete_by_chat(self, prefix, suffix, max_tokens)


def to_anthropic(message: Message) -> dict[str, Any]:
    """One Message as an Anthropic message: plain text, or blocks when tools are involved."""
    if not message.tool_calls and not message.tool_results:
        return {"role": message.role, "content": message.content}
    blocks: list[dict[str, Any]] = [
        {"type": "tool_result", "tool_use_id": r.call_id, "content": r.content, "is_error": r.is_error}
        for r in message.tool_results
    ]
    if message.content:
        blocks.append({"type": "text", "text": message.content})
    blocks += [{"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments} for c in message.tool_calls]
    return {"role": message.role, "content": blocks}

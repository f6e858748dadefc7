"""OpenAI, or any OpenAI-compatible server (Ollama, llama.cpp, vLLM, LM Studio, OpenRouter), through
the `openai` SDK.

What other servers need (see the llm-servers notes): one `system` message with plain-string
content, `max_tokens` rather than `max_completion_tokens`, `None` deltas, and a stream that ends
without a `finish_reason` treated as broken. Servers that report no usage in streams get an
estimate, marked as such. A server that rejects `tools` is asked again without them and remembered
as having no tool support (`supports_tools`).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from app.config import AUTO_MODEL, ProviderConfig
from app.llm.base import (
    MODEL_LIST_TIMEOUT,
    ChatRequest,
    ContextOverflow,
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
from app.llm.meter import estimate_tokens
from app.llm.sdk_errors import provider_error, stall_error
from app.llm.streaming import Stall, close_now, http_timeout, normalize_stop, tool_call

if TYPE_CHECKING:
    import openai

NOT_CHAT = re.compile(r"embed|whisper|tts|dall-e|moderation|transcribe|babbage|davinci|rerank", re.IGNORECASE)
"""Model names that mark a model which cannot chat; /model does not offer them."""

NO_KEY = "none"
"""Sent to servers that need no key (the SDK insists on one)."""


class OpenAIProvider:
    """A Provider for the Chat Completions API at OpenAI or at `base_url`."""

    kind = "openai"
    notice: str | None = None

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config
        self.name = config.name
        self.retries = config.max_retries
        self.model = config.model
        self.supports_tools = config.tools
        self.official = not config.base_url or "api.openai.com" in config.base_url
        self.sends_temperature = True
        """False once the server has rejected a temperature (OpenAI's reasoning models accept no other)."""
        self.context_window = config.context_window
        """The model's window in tokens, when configured or learned from the server's refusal."""
        self._client: openai.OpenAI | None = None

    def _sdk(self) -> openai.OpenAI:
        if self._client is None:
            if not self.config.api_key and self.official:
                env = self.config.api_key_env or "OPENAI_API_KEY"
                raise ProviderError(f"{self.name}: no API key — set {env}", retryable=False)
            import openai

            self._client = openai.OpenAI(
                api_key=self.config.api_key or NO_KEY,
                max_retries=0,  # the router retries, and says so
                timeout=http_timeout(self.config),
                **({"base_url": self.config.base_url} if self.config.base_url else {}),
            )
        return self._client

    def abort(self) -> None:
        """Close the connection of the request in flight, waking the thread that waits on it.
        The next request gets a new client."""
        client, self._client = self._client, None
        if client is not None:
            close_now(client)

    def stream_chat(self, request: ChatRequest) -> Iterator[StreamEvent]:
        import httpx2
        import openai

        body: dict[str, Any] = {
            "model": self._served_model(),
            "messages": to_openai(request.messages, request.system, request.context),
            "stream": True,
            "stream_options": {"include_usage": True},
            # Other servers ignore max_completion_tokens; OpenAI's newer models reject max_tokens.
            ("max_completion_tokens" if self.official else "max_tokens"): request.max_tokens,
        }
        if self.config.answer_temperature is not None and self.sends_temperature:
            body["temperature"] = self.config.answer_temperature
        if request.tools and self.supports_tools:
            body["tools"] = [
                {"type": "function",
                 "function": {"name": t.name, "description": t.description, "parameters": t.input_schema}}
                for t in request.tools
            ]
        stall = Stall(self.config.timeout, self.abort)
        try:
            with self._open(body) as stream, stall:
                yield from self._read(stream, body, stall)
        except _Empty:
            raise self._why_empty(body) from None
        except (openai.APIError, httpx2.TransportError, StreamBroken) as exc:
            raise stall_error(self.config) if stall.fired else self._error(exc, mid_stream=stall.begun) from exc

    def _error(self, exc: Exception, *, mid_stream: bool) -> ProviderError:
        """The ProviderError for `exc`; a context overflow teaches the provider its window."""
        error = provider_error(exc, self.config, mid_stream=mid_stream)
        if isinstance(error, ContextOverflow) and error.window:
            self.context_window = error.window
        return error

    def _why_empty(self, request: dict[str, Any]) -> ProviderError:
        """The error for a stream with nothing in it: llama-cpp-python's server answers a request
        it refuses (a prompt longer than its window) with an empty stream and its reason with
        HTTP 400 only when not streaming, so it is asked that way for one token."""
        import httpx2
        import openai

        ask = {k: v for k, v in request.items() if k not in ("stream", "stream_options", "tools")}
        ask["max_completion_tokens" if self.official else "max_tokens"] = 1
        try:
            self._sdk().chat.completions.create(**ask)
        except (openai.APIError, httpx2.TransportError) as exc:
            return self._error(exc, mid_stream=False)
        return StreamBroken(f"{self.name}: stream broke: the server sent an empty answer")

    def _served_model(self) -> str:
        """The model to ask for: the configured one, or with `model = "auto"` the first the server lists."""
        if self.model != AUTO_MODEL:
            return self.model
        served = self.list_models()
        if not served:
            raise ProviderError(
                f"{self.name}: the server lists no models — choose one with --model or EXOSUIT_MODEL",
                retryable=False,
            )
        self.model = served[0]
        return self.model

    def list_models(self) -> list[str]:
        """The chat models `GET /models` lists: ones named for embeddings, speech, images or
        moderation are left out (OpenAI itself lists every model the key may use; Ollama lists its
        embedding models beside the chat ones)."""
        import httpx2
        import openai

        wait = min(self.config.timeout, MODEL_LIST_TIMEOUT)
        config = dataclasses.replace(self.config, timeout=wait, first_token_timeout=wait, max_retries=0)
        try:
            client = self._sdk().with_options(timeout=config.timeout, max_retries=0)
            return [model.id for model in client.models.list() if not NOT_CHAT.search(model.id)]
        except (openai.APIError, httpx2.TransportError) as exc:
            raise provider_error(exc, config, mid_stream=False) from exc

    def _open(self, request: dict[str, Any]) -> Any:
        """Start the stream; if the server rejects the tools or the temperature, start it again
        without them (and remember not to send them)."""
        import openai

        try:
            return self._sdk().chat.completions.create(**request)
        except openai.APIStatusError as exc:
            said = str(exc.body).lower()
            rejected = [key for key, word in (("tools", "tool"), ("temperature", "temperature")) if key in request and word in said]
            if exc.status_code not in (400, 422, 500) or not rejected:
                raise
            self.supports_tools = self.supports_tools and "tools" not in rejected
            self.sends_temperature = self.sends_temperature and "temperature" not in rejected
            return self._sdk().chat.completions.create(**{k: v for k, v in request.items() if k not in rejected})

    def _read(self, stream: Iterator[Any], request: dict[str, Any], stall: Stall) -> Iterator[StreamEvent]:
        """Turn the chunks into TextDelta… Done; once the answer has begun, each chunk beats `stall`."""
        calls: dict[int, dict[str, Any]] = {}
        finish_reason = None
        reported = None
        output_chars = 0
        chunks = 0
        for chunks, chunk in enumerate(stream, 1):
            if chunk.usage:
                reported = chunk.usage
            for choice in chunk.choices or ():
                delta = choice.delta
                if delta is not None and delta.content:
                    output_chars += len(delta.content)
                    yield TextDelta(delta.content)
                for piece in (delta.tool_calls if delta is not None else None) or ():
                    call = calls.setdefault(piece.index, {"id": "", "name": "", "arguments": []})
                    call["id"] = piece.id or call["id"]
                    if piece.function is not None:
                        call["name"] = piece.function.name or call["name"]
                        call["arguments"].append(piece.function.arguments or "")
                if choice.finish_reason:
                    finish_reason = choice.finish_reason
            if output_chars or calls:
                stall.beat()
        if not chunks:
            raise _Empty
        if finish_reason is None:
            raise StreamBroken(f"{self.name}: stream broke: the answer ended without a finish reason")
        tool_calls = tuple(
            tool_call(self.name, c["id"] or f"call_{i}", c["name"], "".join(c["arguments"]))
            for i, c in sorted(calls.items())
        )
        if reported is not None:
            usage = _usage(reported)
        else:
            arguments = sum(len(json.dumps(c.arguments)) for c in tool_calls)
            usage = Usage(
                input_tokens=estimate_tokens(json.dumps(request["messages"])),
                output_tokens=(output_chars + arguments + 3) // 4,
                estimated=True,
            )
        yield Done(normalize_stop(finish_reason), usage, tool_calls)

    def complete_fim(self, prefix: str, suffix: str, *, max_tokens: int = 64) -> Fill:
        """With `fim = "native"`: /v1/completions with `suffix`; otherwise the chat FIM prompt."""
        if self.config.fim != "native":
            return complete_by_chat(self, prefix, suffix, max_tokens)
        import openai

        try:
            response = self._sdk().completions.create(
                model=self._served_model(), prompt=prefix, suffix=suffix, max_tokens=max_tokens, temperature=0
            )
        except openai.APIError as exc:
            raise provider_error(exc, self.config, mid_stream=False) from exc
        text = response.choices[0].text if response.choices else ""
        if response.usage:
            return Fill(text, _usage(response.usage))
        return Fill(text, Usage(estimate_tokens(prefix + suffix), estimate_tokens(text), estimated=True))


class _Empty(Exception):
    """The stream held no chunk at all."""


def _usage(reported: Any) -> Usage:
    """OpenAI counts cached prompt tokens inside prompt_tokens; Usage keeps them apart."""
    details = getattr(reported, "prompt_tokens_details", None)
    cached = (getattr(details, "cached_tokens", None) or 0) if details else 0
    return Usage(
        input_tokens=(reported.prompt_tokens or 0) - cached,
        output_tokens=reported.completion_tokens or 0,
        cache_read_tokens=cached,
    )


def to_openai(messages: list[Message], system: str, context: str) -> list[dict[str, Any]]:
    """The conversation as Chat Completions messages: one plain `system` message first."""
    out: list[dict[str, Any]] = []
    prompt = "\n\n".join(part for part in (system, context) if part)
    if prompt:
        out.append({"role": "system", "content": prompt})
    for message in messages:
        for result in message.tool_results:
            content = f"Error: {result.content}" if result.is_error else result.content
            out.append({"role": "tool", "tool_call_id": result.call_id, "content": content})
        if message.role == "assistant" and message.tool_calls:
            out.append({
                "role": "assistant",
                "content": message.content or None,
                "tool_calls": [
                    {"id": c.id, "type": "function",
                     "function": {"name": c.name, "arguments": json.dumps(c.arguments)}}
                    for c in message.tool_calls
                ],
            })
        elif message.content or not message.tool_results:
            out.append({"role": message.role, "content": message.content})
    return out

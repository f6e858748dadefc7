"""Turn an `anthropic` or `openai` SDK exception into a one-line ProviderError.

Both SDKs share the same exception shapes (APIStatusError with `status_code` and `body`,
APITimeoutError, APIConnectionError), so one mapping serves both. A connection that breaks while a
stream is read may surface as the HTTP library's own error (httpx2.TransportError, which the
`anthropic` SDK does not wrap); it is mapped the same way.
"""

from __future__ import annotations

import re
from typing import Any

from app.config import ProviderConfig
from app.llm.base import ContextOverflow, ProviderError, StreamBroken

RETRYABLE_STATUS = {408, 409, 429}
"""Besides 5xx: the statuses the SDKs themselves retry."""


def provider_error(exc: Exception, config: ProviderConfig, *, mid_stream: bool) -> ProviderError:
    """The ProviderError for an SDK (or httpx) exception raised by the provider `config` describes.

    `mid_stream`: the answer had started, so a lost connection or timeout is a StreamBroken.
    """
    import httpx2

    name = config.name
    status = getattr(exc, "status_code", None)
    kind = type(exc).__name__
    if isinstance(status, int) and status >= 400:
        error = _status_error(config, status, _detail(exc), mid_stream)
        error.retry_after = _retry_after(exc)
        return error
    if isinstance(exc, httpx2.ConnectTimeout) or isinstance(exc.__cause__, httpx2.ConnectTimeout):
        message = f"{name}: could not connect{f' to {config.base_url}' if config.base_url else ''} in {config.connect_timeout:g}s (timed out)"
    elif isinstance(exc, httpx2.TimeoutException) or kind == "APITimeoutError":
        if mid_stream:
            message = f"{name}: no more of the answer for {config.first_token_wait:g}s (timed out)"
        else:
            message = f"{name}: no answer after {config.first_token_wait:g}s (timed out)"
    elif isinstance(exc, httpx2.TransportError) or kind == "APIConnectionError":
        where = f" to {config.base_url}" if config.base_url and not mid_stream else ""
        message = f"{name}: connection failed{where}{f' ({_cause(exc)})' if _cause(exc) else ''}"
    elif mid_stream:  # the server reported an error inside a stream that had started
        return StreamBroken(f"{name}: stream broke: the server reported: {_detail(exc) or _one_line(str(exc))}")
    else:
        return ProviderError(f"{name}: {type(exc).__name__}: {_one_line(str(exc))}", retryable=False)
    if mid_stream:
        return StreamBroken(message.replace(f"{name}: ", f"{name}: stream broke: ", 1))
    return ProviderError(message, retryable=True)


def stall_error(config: ProviderConfig) -> StreamBroken:
    """The answer had begun, then nothing more came for `config.timeout` seconds."""
    return StreamBroken(f"{config.name}: stream broke: nothing more came for {config.timeout:g}s (timed out)")


def _status_error(config: ProviderConfig, status: int, detail: str, mid_stream: bool) -> ProviderError:
    name = config.name
    suffix = f": {detail}" if detail else ""
    if status == 401:
        hint = f" — check {config.api_key_env}" if config.api_key_env else " — check the provider's api_key_env"
        return ProviderError(f"{name}: authentication failed (401){hint}", retryable=False)
    if status == 403:
        return ProviderError(f"{name}: permission denied (403){suffix}", retryable=False)
    if status == 404:
        hint = f"check the model name {config.model!r} (--model, EXOSUIT_MODEL) and base_url"
        return ProviderError(f"{name}: not found (404) — {hint}{suffix}", retryable=False)
    if status == 429:
        return ProviderError(f"{name}: rate limited (429){suffix}", retryable=True)
    if status >= 500 or status in RETRYABLE_STATUS:
        error = f"{name}: server error ({status}){suffix}"
        return StreamBroken(error) if mid_stream else ProviderError(error, retryable=True)
    if status in (400, 413) and _OVERFLOW.search(detail):
        window = _WINDOW.search(detail)
        return ContextOverflow(
            f"{name}: the request is longer than the model's context window — the server said: {detail}",
            int(window.group(1)) if window else None,
        )
    return ProviderError(f"{name}: request rejected ({status}){suffix}", retryable=False)


_OVERFLOW = re.compile(r"context[ _](?:length|window|size)|maximum context|too many tokens|exceeds? .*context", re.I)
"""How servers word a prompt too long for the model: OpenAI and llama-cpp-python ("maximum
context length is 4096 tokens"), llama.cpp ("exceed context window of 4096"), vLLM, Ollama."""
_WINDOW = re.compile(r"(?:context (?:length|window|size)(?: is| of)?|maximum context length is)\s*(\d+)", re.I)


def _retry_after(exc: Exception) -> float | None:
    """The seconds a Retry-After (or retry-after-ms) header asks for; None without one or with a date."""
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return max(0.0, float(headers[name]) * scale)
        except (KeyError, TypeError, ValueError):
            continue
    return None


def _detail(exc: Exception) -> str:
    """The server's own error message, from either SDK's error body."""
    body: Any = getattr(exc, "body", None)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = body["error"]
    if isinstance(body, dict) and body.get("message"):
        return _one_line(str(body["message"]))
    return ""


def _cause(exc: BaseException) -> str:
    """The underlying network error's text, e.g. "[Errno 111] Connection refused"."""
    cause = exc if exc.__module__.startswith("httpx") else (exc.__cause__ or exc.__context__)
    return _one_line(str(cause)) if cause and str(cause) else ""


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""Small pieces both SDK providers use while reading a streamed answer."""

from __future__ import annotations

import json
import socket
from typing import Any

from app.llm.base import ProviderError, ToolCall

_STOP_REASONS = {
    "end_turn": "end", "stop": "end", "stop_sequence": "end",
    "max_tokens": "max_tokens", "length": "max_tokens",
    "tool_use": "tool_use", "tool_calls": "tool_use",
}


def normalize_stop(reason: str | None) -> str:
    """An API's stop reason as "end", "max_tokens" or "tool_use" (others unchanged)."""
    return _STOP_REASONS.get(reason or "", reason or "end")


def tool_call(provider: str, call_id: str, name: str, raw_arguments: str) -> ToolCall:
    """A ToolCall from its streamed JSON fragments, joined. Raises ProviderError on invalid JSON."""
    try:
        arguments = json.loads(raw_arguments) if raw_arguments.strip() else {}
    except json.JSONDecodeError:
        arguments = None
    if not isinstance(arguments, dict):
        raise ProviderError(
            f"{provider}: the model called tool {name!r} with invalid JSON arguments", retryable=False
        )
    return ToolCall(id=call_id, name=name, arguments=arguments)


def close_now(client: Any) -> None:
    """Close an SDK client and the connections of its requests in flight, waking the thread that
    waits on one: closing a socket does not wake a thread blocked reading it, shutting it down
    does. The pool's connections are public in httpcore; the stream of each is not (pinned with
    the SDKs, and the stop tests would show a change)."""
    pool = getattr(getattr(getattr(client, "_client", None), "_transport", None), "_pool", None)
    for connection in getattr(pool, "connections", ()):
        stream = getattr(getattr(connection, "_connection", None), "_network_stream", None)
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed
    client.close()

"""Small pieces both SDK providers use while reading a streamed answer."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from app.config import ProviderConfig
from app.llm.base import ToolCall

_STOP_REASONS = {
    "end_turn": "end", "stop": "end", "stop_sequence": "end",
    "max_tokens": "max_tokens", "length": "max_tokens",
    "tool_use": "tool_use", "tool_calls": "tool_use",
}


def normalize_stop(reason: str | None) -> str:
    """An API's stop reason as "end", "max_tokens" or "tool_use" (others unchanged)."""
    return _STOP_REASONS.get(reason or "", reason or "end")


def tool_call(provider: str, call_id: str, name: str, raw_arguments: str) -> ToolCall:
    """A ToolCall from its streamed JSON fragments, joined; arguments that are not a JSON object
    are kept as `ToolCall.invalid`, for the model to hear about, not as a failed answer."""
    try:
        arguments = json.loads(raw_arguments) if raw_arguments.strip() else {}
    except json.JSONDecodeError:
        arguments = None
    if not isinstance(arguments, dict):
        return ToolCall(id=call_id, name=name, arguments={}, invalid=raw_arguments)
    return ToolCall(id=call_id, name=name, arguments=arguments)


def http_timeout(config: ProviderConfig) -> Any:
    """The SDK client's timeouts: connecting, then reading, whose first wait is the first token's
    (once the answer has begun, `Stall` holds it to `config.timeout`)."""
    import httpx2

    return httpx2.Timeout(config.timeout, connect=config.connect_timeout, read=config.first_token_wait)


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


class Stall:
    """Watches a streamed answer once its first piece has come: when no piece follows for
    `limit` seconds, `on_stall` is called from a watcher thread (it closes the connection, which
    ends the read blocked on it) and `fired` is set. Before the first piece the HTTP read
    timeout (the first-token wait) applies instead, so a CPU model may read a long prompt.

        with Stall(60, close) as stall:
            for chunk in stream:
                stall.beat()
    """

    def __init__(self, limit: float, on_stall: Callable[[], None]) -> None:
        self.limit = limit
        self.on_stall = on_stall
        self.fired = False
        self._last: float | None = None
        self._done = threading.Event()

    @property
    def begun(self) -> bool:
        """Whether the answer has begun (a piece has come)."""
        return self._last is not None

    def beat(self) -> None:
        """A piece arrived."""
        self._last = time.monotonic()

    def __enter__(self) -> Stall:
        threading.Thread(target=self._watch, name="stall-watch", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()

    def _watch(self) -> None:
        tick = min(1.0, self.limit / 4)
        while not self._done.wait(tick):
            if self._last is not None and time.monotonic() - self._last > self.limit:
                self.fired = True
                self.on_stall()
                return

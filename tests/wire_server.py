"""A scripted model server on 127.0.0.1 that speaks the Anthropic and OpenAI wire protocols.

Tests queue behaviours with `script()`; each POST takes the next one and renders it in the protocol
of the endpoint it arrived on:

- `POST /v1/messages`          Anthropic Messages (SSE when `"stream": true`)
- `POST /v1/chat/completions`  OpenAI Chat Completions (SSE when `"stream": true`)
- `POST /v1/completions`       OpenAI legacy completions, used for fill-in-the-middle
- `GET /v1/models`             the model list, shaped for Anthropic when the request carries an
                               `anthropic-version` header, else for OpenAI: `server.models` (a
                               list of ids, or a Status or Hang to fail)

Point the SDKs at it with `base_url=server.url` (Anthropic) or `base_url=server.openai_url`
(OpenAI). Every request body is recorded in `server.requests`.

    server.script(Reply("Hel", "lo", usage=(12, 2)))
    server.script(Status(429, headers={"retry-after": "0.1"}), Reply("ok"))
    server.script(Reply("partial", "never", drop_after=1))   # connection dies mid-stream
    server.script(Reply("a", "b", error_after=1))             # an error event inside the stream
    server.script(Hang())                                    # never answers: client times out

With nothing queued the server answers `default` when set, else HTTP 418 naming the request, so an
unexpected call fails loudly instead of hanging. `wait_for_disconnect()` tells whether a client hung
up on a stream or on a Hang. `anthropic_config(server)` / `openai_config(server)` (at the end of this module) give
ProviderConfigs pointing at a server, with fast test settings (no SDK retries, 2 s timeout).
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Union


@dataclass(frozen=True)
class Call:
    """A tool call the scripted model makes. `arguments` is streamed in `pieces` fragments."""

    name: str
    arguments: dict[str, Any]
    id: str = "call_1"
    pieces: int = 3


@dataclass(frozen=True, init=False)
class Reply:
    """A successful answer: text chunks, then tool calls, then the end of the message.

    - `usage`: (input_tokens, output_tokens) reported by the server; None reports none (OpenAI
      streams then carry no usage chunk, like llama.cpp; Anthropic reports zeros).
    - `cached`: (cache_read, cache_write) prompt tokens. Anthropic reports them apart from
      input_tokens; OpenAI counts the reads inside prompt_tokens (prompt_tokens_details).
    - `stop`: "end", "length" or "tools" (the default becomes "tools" when there are tool calls).
    - `finish=False`: the stream ends cleanly (EOF) without a finish reason / message_stop.
    - `drop_after=n`: after n text chunks the connection is cut (incomplete chunked body).
    - `hang_after=n`: after n text chunks the server stops sending until the client gives up.
    - `error_after=n`: after n text chunks the server sends an error event inside the stream
      (Anthropic `event: error` overloaded_error; OpenAI `data: {"error": ...}`) and ends it.
    - `delay`: seconds to wait between chunks.
    - `first_delay`: seconds between the headers and the first event (a CPU model reading the prompt).
    """

    chunks: tuple[str, ...] = ()
    tool_calls: tuple[Call, ...] = ()
    usage: tuple[int, int] | None = (12, 7)
    cached: tuple[int, int] = (0, 0)
    stop: str = ""
    finish: bool = True
    drop_after: int | None = None
    hang_after: int | None = None
    error_after: int | None = None
    delay: float = 0.0
    first_delay: float = 0.0

    def __init__(
        self,
        *chunks: str,
        tool_calls: tuple[Call, ...] | list[Call] = (),
        usage: tuple[int, int] | None = (12, 7),
        cached: tuple[int, int] = (0, 0),
        stop: str = "",
        finish: bool = True,
        drop_after: int | None = None,
        hang_after: int | None = None,
        error_after: int | None = None,
        delay: float = 0.0,
        first_delay: float = 0.0,
    ) -> None:
        values = dict(
            chunks=chunks,
            tool_calls=tuple(tool_calls),
            usage=usage,
            cached=cached,
            stop=stop or ("tools" if tool_calls else "end"),
            finish=finish,
            drop_after=drop_after,
            hang_after=hang_after,
            error_after=error_after,
            delay=delay,
            first_delay=first_delay,
        )
        for key, value in values.items():
            object.__setattr__(self, key, value)

    @property
    def text(self) -> str:
        return "".join(self.chunks)


@dataclass(frozen=True)
class Status:
    """An HTTP error answer, with the error body shaped for the protocol."""

    code: int
    message: str = "scripted error"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Hang:
    """Read the request and never answer (until the server closes, or the client hangs up)."""


@dataclass(frozen=True)
class EmptyStream:
    """A 200 event stream with nothing in it, as llama-cpp-python's server answers a streamed
    request it refuses (a prompt longer than its window)."""


Behaviour = Union[Reply, Status, Hang, EmptyStream]


@dataclass(frozen=True)
class Request:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    """Header names in lower case."""
    body: dict[str, Any]
    received: float = field(default_factory=time.perf_counter)
    """When it arrived (`time.perf_counter`), for benchmarks of what happens between requests."""


_ANTHROPIC_STOP = {"end": "end_turn", "length": "max_tokens", "tools": "tool_use"}
_OPENAI_STOP = {"end": "stop", "length": "length", "tools": "tool_calls"}
_ANTHROPIC_ERRORS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    529: "overloaded_error",
}


class _QuietServer(ThreadingHTTPServer):
    """Clients hanging up mid-answer is what many tests do on purpose: not worth a traceback."""

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class WireServer:
    """The server. Use as a context manager, or through the `wire_server` pytest fixture."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.default: Behaviour | None = None
        self.models: list[str] | Status | Hang = ["wire-model"]
        self._queue: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._disconnected = threading.Event()
        self._httpd = _QuietServer(("127.0.0.1", 0), _handler_class(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        """Base URL for the Anthropic SDK (it appends /v1/messages)."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def openai_url(self) -> str:
        """Base URL for the OpenAI SDK (it appends /chat/completions)."""
        return self.url + "/v1"

    def script(self, *behaviours: Behaviour) -> WireServer:
        """Queue behaviours, answered in order, one per request."""
        with self._lock:
            self._queue.extend(behaviours)
        return self

    @property
    def pending(self) -> int:
        """How many scripted behaviours have not been used yet."""
        with self._lock:
            return len(self._queue)

    def wait_for_disconnect(self, timeout: float) -> bool:
        """Whether a client hung up on a stream before it ended (within `timeout` seconds)."""
        return self._disconnected.wait(timeout)

    def start(self) -> WireServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> WireServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _next(self) -> Behaviour | None:
        with self._lock:
            return self._queue.popleft() if self._queue else self.default

    def _pause(self, seconds: float | None = None) -> None:
        """Sleep, but wake when the server closes (so hung handlers do not outlive a test)."""
        self._closing.wait(seconds)


def _handler_class(server: WireServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        wire = server

    return Handler


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wire: WireServer

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self.wire.requests.append(Request("GET", self.path, self._headers(), {}))
        protocol = "anthropic" if "anthropic-version" in self._headers() else "openai"
        models = self.wire.models
        if not self.path.split("?")[0].rstrip("/").endswith("/models"):
            self._send_json(404, {"error": {"message": f"no route GET {self.path}"}})
        elif isinstance(models, Hang):
            self.wire._pause()
            self.close_connection = True
        elif isinstance(models, Status):
            self._send_json(models.code, _error_body(protocol, models.code, models.message), models.headers)
        else:
            self._send_json(200, _model_list(protocol, models))

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        body = json.loads(raw or b"{}")
        self.wire.requests.append(Request("POST", self.path, self._headers(), body))
        protocol = _protocol(self.path)
        behaviour = self.wire._next()
        if protocol is None:
            self._send_json(404, {"error": {"message": f"no route POST {self.path}"}})
        elif behaviour is None:
            message = f"wire_server: nothing scripted for POST {self.path}"
            self._send_json(418, _error_body(protocol, 418, message))
        elif isinstance(behaviour, Hang):
            self._hang()
        elif isinstance(behaviour, EmptyStream):
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("content-length", "0")
            self.end_headers()
        elif isinstance(behaviour, Status):
            body_out = _error_body(protocol, behaviour.code, behaviour.message)
            self._send_json(behaviour.code, body_out, behaviour.headers)
        elif body.get("stream"):
            self._stream(protocol, behaviour, body)
        else:
            self._send_json(200, _whole(protocol, behaviour, body))

    def _headers(self) -> dict[str, str]:
        return {key.lower(): value for key, value in self.headers.items()}

    # -- responses ---------------------------------------------------------------------------

    def _send_json(self, code: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _hang(self) -> None:
        """Answer nothing until the server closes or the client hangs up (which is recorded)."""
        import select

        while not self.wire._closing.wait(0.02):
            if select.select([self.connection], [], [], 0)[0] and not self.connection.recv(1, socket.MSG_PEEK):
                self.wire._disconnected.set()
                break
        self.close_connection = True

    def _stream(self, protocol: str, reply: Reply, body: dict[str, Any]) -> None:
        try:
            self._send_stream(protocol, reply, body)
        except (BrokenPipeError, ConnectionResetError):
            self.wire._disconnected.set()
            self.close_connection = True

    def _send_stream(self, protocol: str, reply: Reply, body: dict[str, Any]) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        events = {"anthropic": _anthropic_events, "chat": _chat_events, "completions": _completion_events}
        text_sent = 0
        self.wfile.flush()
        time.sleep(reply.first_delay)
        for event in events[protocol](reply, body):
            if event is _TEXT_MARK:
                text_sent += 1
                if reply.drop_after is not None and text_sent > reply.drop_after:
                    self._drop()
                    return
                if reply.hang_after is not None and text_sent > reply.hang_after:
                    self.wire._pause()
                    self._drop()
                    return
                if reply.error_after is not None and text_sent > reply.error_after:
                    self._write_chunk(_stream_error(protocol).encode())
                    break
                if reply.delay:
                    time.sleep(reply.delay)
                continue
            self._write_chunk(event.encode())
        self._write_chunk(b"")  # the terminating zero-length chunk: a complete body

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _drop(self) -> None:
        """Cut the connection without finishing the chunked body."""
        self.wfile.flush()
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.close_connection = True


def _protocol(path: str) -> str | None:
    path = path.split("?")[0].rstrip("/")
    if path.endswith("/messages"):
        return "anthropic"
    if path.endswith("/chat/completions"):
        return "chat"
    if path.endswith("/completions"):
        return "completions"
    return None


def _model_list(protocol: str, models: list[str]) -> dict[str, Any]:
    if protocol == "anthropic":
        data = [
            {"type": "model", "id": m, "display_name": m, "created_at": "2026-01-01T00:00:00Z"} for m in models
        ]
        first, last = (models[0], models[-1]) if models else (None, None)
        return {"data": data, "has_more": False, "first_id": first, "last_id": last}
    return {"object": "list", "data": [{"id": m, "object": "model", "created": 0, "owned_by": "wire"} for m in models]}


def _error_body(protocol: str, code: int, message: str) -> dict[str, Any]:
    if protocol == "anthropic":
        kind = _ANTHROPIC_ERRORS.get(code, "api_error")
        return {"type": "error", "error": {"type": kind, "message": message}}
    return {"error": {"message": message, "type": "server_error" if code >= 500 else "invalid_request_error", "code": code}}


def _stream_error(protocol: str) -> str:
    """An error reported inside a stream that had started fine."""
    if protocol == "anthropic":
        return _sse({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, "error")
    return _sse({"error": {"message": "model crashed", "type": "server_error"}})


def _usage(reply: Reply) -> tuple[int, int]:
    return reply.usage or (0, 0)


# -- whole (non-streamed) answers ------------------------------------------------------------


def _whole(protocol: str, reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
    model = body.get("model", "wire-model")
    tokens_in, tokens_out = _usage(reply)
    if protocol == "anthropic":
        content: list[dict[str, Any]] = [{"type": "text", "text": reply.text}] if reply.text else []
        content += [
            {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments} for c in reply.tool_calls
        ]
        return {
            "id": "msg_wire", "type": "message", "role": "assistant", "model": model,
            "content": content, "stop_reason": _ANTHROPIC_STOP[reply.stop], "stop_sequence": None,
            "usage": {"input_tokens": tokens_in, "output_tokens": tokens_out,
                      "cache_read_input_tokens": reply.cached[0], "cache_creation_input_tokens": reply.cached[1]},
        }
    usage = _openai_usage(reply) if reply.usage else None
    if protocol == "completions":
        return {
            "id": "cmpl-wire", "object": "text_completion", "created": 0, "model": model,
            "choices": [{"index": 0, "text": reply.text, "logprobs": None, "finish_reason": _OPENAI_STOP[reply.stop]}],
            "usage": usage,
        }
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
    if reply.tool_calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": json.dumps(c.arguments)}}
            for c in reply.tool_calls
        ]
    return {
        "id": "chatcmpl-wire", "object": "chat.completion", "created": 0, "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": _OPENAI_STOP[reply.stop]}],
        "usage": usage,
    }


# -- streamed answers: generators of SSE event strings; _TEXT_MARK precedes each text chunk ----

_TEXT_MARK: Any = object()


def _sse(data: dict[str, Any] | str, event: str | None = None) -> str:
    payload = data if isinstance(data, str) else json.dumps(data)
    return (f"event: {event}\n" if event else "") + f"data: {payload}\n\n"


def _split(text: str, pieces: int) -> list[str]:
    size = max(1, -(-len(text) // max(1, pieces)))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _anthropic_events(reply: Reply, body: dict[str, Any]) -> Iterator[Any]:
    tokens_in, tokens_out = _usage(reply)
    message = {
        "id": "msg_wire", "type": "message", "role": "assistant", "model": body.get("model", "wire-model"),
        "content": [], "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": tokens_in, "output_tokens": 1,
                  "cache_read_input_tokens": reply.cached[0], "cache_creation_input_tokens": reply.cached[1]},
    }
    yield _sse({"type": "message_start", "message": message}, "message_start")
    index = 0
    if reply.chunks:
        yield _sse({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                   "content_block_start")
        yield _sse({"type": "ping"}, "ping")
        for chunk in reply.chunks:
            yield _TEXT_MARK
            yield _sse({"type": "content_block_delta", "index": 0,
                        "delta": {"type": "text_delta", "text": chunk}}, "content_block_delta")
        yield _sse({"type": "content_block_stop", "index": 0}, "content_block_stop")
        index = 1
    for call in reply.tool_calls:
        block = {"type": "tool_use", "id": call.id, "name": call.name, "input": {}}
        yield _sse({"type": "content_block_start", "index": index, "content_block": block}, "content_block_start")
        for piece in _split(json.dumps(call.arguments), call.pieces):
            yield _sse({"type": "content_block_delta", "index": index,
                        "delta": {"type": "input_json_delta", "partial_json": piece}}, "content_block_delta")
        yield _sse({"type": "content_block_stop", "index": index}, "content_block_stop")
        index += 1
    if not reply.finish:
        return
    yield _sse({"type": "message_delta", "delta": {"stop_reason": _ANTHROPIC_STOP[reply.stop], "stop_sequence": None},
                "usage": {"output_tokens": tokens_out}}, "message_delta")
    yield _sse({"type": "message_stop"}, "message_stop")


def _chat_chunk(body: dict[str, Any], delta: dict[str, Any], finish: str | None = None) -> str:
    return _sse({
        "id": "chatcmpl-wire", "object": "chat.completion.chunk", "created": 0,
        "model": body.get("model", "wire-model"),
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    })


def _chat_events(reply: Reply, body: dict[str, Any]) -> Iterator[Any]:
    yield _chat_chunk(body, {"role": "assistant", "content": None})  # like llama.cpp: role only
    for chunk in reply.chunks:
        yield _TEXT_MARK
        yield _chat_chunk(body, {"content": chunk})
    for n, call in enumerate(reply.tool_calls):
        first = {"index": n, "id": call.id, "type": "function", "function": {"name": call.name, "arguments": ""}}
        yield _chat_chunk(body, {"tool_calls": [first]})
        for piece in _split(json.dumps(call.arguments), call.pieces):
            yield _chat_chunk(body, {"tool_calls": [{"index": n, "function": {"arguments": piece}}]})
    if reply.finish:
        yield _chat_chunk(body, {}, _OPENAI_STOP[reply.stop])
        yield from _usage_chunk(reply, body, "chat.completion.chunk")
    yield _sse("[DONE]")


def _usage_chunk(reply: Reply, body: dict[str, Any], obj: str) -> Iterator[str]:
    wants_usage = (body.get("stream_options") or {}).get("include_usage")
    if wants_usage and reply.usage:
        yield _sse({
            "id": "wire", "object": obj, "created": 0, "model": body.get("model", "wire-model"), "choices": [],
            "usage": _openai_usage(reply),
        })


def _openai_usage(reply: Reply) -> dict[str, Any]:
    tokens_in, tokens_out = _usage(reply)
    prompt = tokens_in + reply.cached[0]
    return {"prompt_tokens": prompt, "completion_tokens": tokens_out, "total_tokens": prompt + tokens_out,
            "prompt_tokens_details": {"cached_tokens": reply.cached[0]}}


def _completion_events(reply: Reply, body: dict[str, Any]) -> Iterator[Any]:
    def chunk(text: str, finish: str | None) -> str:
        return _sse({"id": "cmpl-wire", "object": "text_completion", "created": 0,
                     "model": body.get("model", "wire-model"),
                     "choices": [{"index": 0, "text": text, "logprobs": None, "finish_reason": finish}]})

    for piece in reply.chunks:
        yield _TEXT_MARK
        yield chunk(piece, None)
    if reply.finish:
        yield chunk("", _OPENAI_STOP[reply.stop])
        yield from _usage_chunk(reply, body, "text_completion")
    yield _sse("[DONE]")


# -- provider settings pointing at a WireServer (fast: few retries, short timeouts) --------------


def anthropic_config(server: WireServer, **settings: Any) -> Any:
    """A ProviderConfig for the Anthropic SDK talking to `server`."""
    from app.config import ProviderConfig

    values = dict(name="anthropic", kind="anthropic", model="claude-sonnet-5-5", base_url=server.url,
                  api_key="sk-ant-test", api_key_env="ANTHROPIC_API_KEY", max_retries=0, timeout=2.0)
    values = {**values, **settings}
    values.setdefault("first_token_timeout", values["timeout"])  # the server is local: no 600 s wait
    return ProviderConfig(**values)


def openai_config(server: WireServer, **settings: Any) -> Any:
    """A ProviderConfig for the OpenAI SDK talking to `server` as an OpenAI-compatible server."""
    from app.config import ProviderConfig

    values = dict(name="openai", kind="openai", model="qwen2.5-coder", base_url=server.openai_url,
                  max_retries=0, timeout=2.0)
    values = {**values, **settings}
    values.setdefault("first_token_timeout", values["timeout"])  # the server is local: no 600 s wait
    return ProviderConfig(**values)

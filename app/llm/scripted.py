"""A scripted in-process model: each request takes the next reply of a script, so the conversation
loop's branches (edits, refusals, retries, reviews, failures, a stop mid-answer) run in the core
without a server. The provider layer itself is tested against the wire server with the real SDKs.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from app.llm.base import ChatRequest, Done, Fill, ProviderError, StreamBroken, StreamEvent, TextDelta, ToolCall, Usage


@dataclass(frozen=True)
class Reply:
    """One scripted answer: its text (streamed a line at a time), then how it ends."""

    text: str = ""
    fail: str = ""
    """Fail with this error instead of finishing: before any text when `text` is empty (a refused
    request), else after it (a stream that broke part-way)."""
    hold: bool = False
    """After the text, wait until `abort()` (a model that never stops, for testing the stop)."""
    tool_calls: tuple[ToolCall, ...] = ()
    """Tools the answer calls, after its text."""


class ScriptedProvider:
    """A Provider whose answers are `Reply`s given in advance; an empty script fails the request."""

    kind = "scripted"
    config = None
    retries = 0
    notice: str | None = None
    supports_tools = True
    context_window: int | None = None

    def __init__(self, *replies: str | Reply, name: str = "scripted", model: str = "script") -> None:
        self.name, self.model = name, model
        self.script: deque[Reply] = deque()
        self.requests: list[ChatRequest] = []
        self.streaming = threading.Event()
        """Set while an answer's text has been sent and it has not ended (a test waits on it)."""
        self._aborted = threading.Event()
        self.enqueue(*replies)

    def enqueue(self, *replies: str | Reply) -> None:
        """Add answers for the requests to come."""
        self.script.extend(r if isinstance(r, Reply) else Reply(r) for r in replies)

    def stream_chat(self, request: ChatRequest) -> Iterator[StreamEvent]:
        self.requests.append(request)
        if not self.script:
            raise ProviderError(f"{self.name}: the script has no answer for request {len(self.requests)}", retryable=False)
        reply = self.script.popleft()
        self._aborted.clear()
        if reply.fail and not reply.text:
            raise ProviderError(f"{self.name}: {reply.fail}", retryable=False)
        for line in reply.text.splitlines(keepends=True):
            yield TextDelta(line)
        try:
            if reply.hold:
                self.streaming.set()
                self._aborted.wait()
                return
            if reply.fail:
                raise StreamBroken(f"{self.name}: {reply.fail}")
            usage = Usage(sum(len(m.content) for m in request.messages) // 4, len(reply.text) // 4)
            yield Done("tool_use" if reply.tool_calls else "end", usage, reply.tool_calls)
        finally:
            self.streaming.clear()

    def abort(self) -> None:
        self._aborted.set()

    def complete_fim(self, prefix: str, suffix: str, *, max_tokens: int = 64) -> Fill:
        reply = self.script.popleft() if self.script else Reply()
        return Fill(reply.text, Usage(len(prefix + suffix) // 4, len(reply.text) // 4))

    def list_models(self) -> list[str]:
        return [self.model]

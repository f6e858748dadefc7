"""The transfer switch: an ordered list of providers, failing over from one to the next.

The router is a Provider itself. A request goes to the active provider; when it fails with a
retryable error (connection, timeout, 429, 5xx) before any text arrived, the router asks it again
up to its `retries` times (yielding Retrying, waiting as the server asked or 0.5 s, 1 s, 2 s…),
then yields ProviderSwitched and asks the next provider that allows failover (`failover`), which stays active for the requests that
follow. `abort()` ends a request at once, in flight or between attempts. Once text has been streamed the answer is never silently replaced or
truncated: a break part-way raises StreamBroken to the caller. `use()` switches by hand (`/model`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from app.instructions import is_small_model
from app.llm.base import (
    ChatRequest,
    Fill,
    Provider,
    ProviderError,
    ProviderSwitched,
    Retrying,
    StreamEvent,
    TextDelta,
)

MAX_RETRY_DELAY = 30.0
"""The longest wait between attempts, whatever a server asks for."""


class Router:
    """A Provider that delegates to the active one of `providers` and fails over in order."""

    def __init__(self, providers: list[Provider]) -> None:
        if not providers:
            raise ValueError("a Router needs at least one provider")
        self.providers = list(providers)
        self._active = 0
        self._stop = threading.Event()

    @property
    def active(self) -> Provider:
        """The provider requests go to now."""
        return self.providers[self._active]

    @property
    def name(self) -> str:
        return self.active.name

    @property
    def model(self) -> str:
        return self.active.model

    @property
    def notice(self) -> str | None:
        """What the UI must tell the user about the active provider (the offline model's warning)."""
        return self.active.notice

    @property
    def supports_tools(self) -> bool:
        return self.active.supports_tools

    def use(self, name_or_kind: str, model: str | None = None) -> Provider:
        """Make the provider with this name (else the first of this kind) active, optionally with
        another model. The conversation is the caller's, so nothing is lost. Raises ProviderError."""
        named = [i for i, p in enumerate(self.providers) if p.name == name_or_kind]
        of_kind = [i for i, p in enumerate(self.providers) if p.kind == name_or_kind]
        for index in named or of_kind:
            provider = self.providers[index]
            if model:
                provider.model = model
            self._active = index
            return provider
        names = ", ".join(p.name for p in self.providers)
        raise ProviderError(f"no provider {name_or_kind!r} (configured: {names})", retryable=False)

    def stream_chat(self, request: ChatRequest) -> Iterator[StreamEvent]:
        """The active provider's answer; on a retryable failure before any text, the next one's."""
        self._stop.clear()
        order = [self._active] + [
            i for i, p in enumerate(self.providers) if i != self._active and (p.config is None or p.config.failover)
        ]
        failures: list[str] = []
        first = self._active
        for position, index in enumerate(order):
            provider = self.providers[index]
            self._active = index
            try:
                yield from self._attempts(provider, request)
                return
            except _Failed as failed:
                exc = failed.error
                last = position == len(order) - 1
                if failed.streamed or not exc.retryable or last or self._stop.is_set():
                    if not failed.streamed:
                        self._active = first  # nothing answered: stay where we were
                    if failures and not failed.streamed:
                        raise ProviderError(
                            f"no provider answered: {'; '.join(failures + [str(exc)])}", retryable=exc.retryable
                        ) from exc
                    raise exc from None
                failures.append(str(exc))
                following = self.providers[order[position + 1]]
                yield ProviderSwitched(
                    from_provider=provider.name,
                    to_provider=f"{following.name}/{following.model}",
                    reason=_reason(provider.name, str(exc)),
                    smaller=_small(following) and not _small(provider),
                )

    def _attempts(self, provider: Provider, request: ChatRequest) -> Iterator[StreamEvent]:
        """One provider's answer, asked again after a retryable failure before any text. Raises
        _Failed with the last error (its message says how many attempts took how long)."""
        attempts = 1 + max(0, provider.retries)
        started = time.monotonic()
        for attempt in range(1, attempts + 1):
            streamed = False
            try:
                with _closed_after(provider.stream_chat(request)) as events:
                    for event in events:
                        streamed = streamed or isinstance(event, TextDelta)
                        yield event
                return
            except ProviderError as exc:
                if streamed or not exc.retryable or attempt == attempts or self._stop.is_set():
                    if attempt > 1 and not streamed:
                        total = f"{attempt} attempts in {time.monotonic() - started:.1f}s"
                        exc = ProviderError(f"{exc} — {total}", retryable=exc.retryable)
                    raise _Failed(exc, streamed) from exc
                delay = min(MAX_RETRY_DELAY, exc.retry_after if exc.retry_after is not None else 0.5 * 2 ** (attempt - 1))
                yield Retrying(provider.name, attempt + 1, attempts, _reason(provider.name, str(exc)), delay)
                if self._stop.wait(delay):
                    return  # stopped while waiting: the caller has gone

    def abort(self) -> None:
        """Stop the request under way: the active provider's, in flight, or the wait before its next attempt."""
        self._stop.set()
        self.active.abort()

    def list_models(self) -> list[str]:
        """The models the active provider's server offers, asked now (see `Provider.list_models`)."""
        return self.active.list_models()

    def complete_fim(self, prefix: str, suffix: str, *, max_tokens: int = 64) -> Fill:
        """The active provider's fill-in-the-middle (no failover: a completion is optional)."""
        return self.active.complete_fim(prefix, suffix, max_tokens=max_tokens)


class _Failed(Exception):
    """A provider gave up: its last error, and whether any text had been streamed."""

    def __init__(self, error: ProviderError, streamed: bool) -> None:
        super().__init__(str(error))
        self.error, self.streamed = error, streamed


def _small(provider: Provider) -> bool:
    return is_small_model(provider.config, provider.model)


def _reason(name: str, message: str) -> str:
    """The error without its "name: " prefix, for "X unavailable (reason)"."""
    return message[len(name) + 2 :] if message.startswith(f"{name}: ") else message


@contextmanager
def _closed_after(events: Iterator[StreamEvent]) -> Iterator[Iterator[StreamEvent]]:
    """Close a provider's stream (its HTTP response) even when our caller stops early."""
    try:
        yield events
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()

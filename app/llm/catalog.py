"""The models each configured provider's server offers, for `/model`: asked off the UI thread, kept
for the session.

Each provider is asked on its own daemon thread (a server that hangs holds up nobody, not even
quitting), at most once at a time: whoever asks while a question is out is told its answer too.
A list that arrived is kept for the session; a failure is not, so the next ask tries again (the
server may have been started since). The server answering a question is not asked while it does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.llm.base import Provider, ProviderError


@dataclass(frozen=True)
class Listing:
    """One provider's answer: the models its server offers, or why it could not say."""

    provider: str
    models: tuple[str, ...] = ()
    error: str | None = None


class ModelCatalog:
    """The configured "provider/model" pairs, and what the providers' servers offer besides."""

    def __init__(self, providers: Sequence[Provider], answering: Callable[[], Provider | None] = lambda: None) -> None:
        """`answering`: the provider streaming an answer now, if any. Its server is not asked:
        llama-cpp-python (one slot, `interrupt_requests` on) ends the answer to list its models."""
        self.providers = providers
        self.answering = answering
        self._offered: dict[str, tuple[str, ...]] = {}
        self._asking: dict[str, list[Callable[[Listing], None]]] = {}
        """Provider name -> who waits for its answer, while a question is out."""
        self._lock = threading.Lock()

    def choices(self) -> list[str]:
        """Every configured pair in failover order, then each server's models not among them."""
        configured = [f"{p.name}/{p.model}" for p in self.providers]
        with self._lock:
            offered = [f"{p.name}/{m}" for p in self.providers for m in self._offered.get(p.name, ())]
        return list(dict.fromkeys(configured + offered))

    def ask(self, answered: Callable[[Listing], None]) -> list[str]:
        """Ask every provider whose models are not known yet, each on its own thread; `answered`
        gets each Listing on that thread. Returns the names of the providers being asked."""
        busy = self.answering()
        with self._lock:
            unknown = [p for p in self.providers if p.name not in self._offered]
            spared = [p for p in unknown if busy is not None and _same_server(p, busy)]
            unknown = [p for p in unknown if p not in spared]
            new = [p for p in unknown if p.name not in self._asking]
            for provider in unknown:
                self._asking.setdefault(provider.name, []).append(answered)
        for provider in spared:
            answered(Listing(provider.name, error=f"{provider.name}: not asked while it is answering (asking could cut the answer off)"))
        for provider in new:
            threading.Thread(target=self._ask, args=(provider,), daemon=True).start()
        return [p.name for p in unknown]

    def _ask(self, provider: Provider) -> None:
        try:
            listing = Listing(provider.name, tuple(provider.list_models()))
        except ProviderError as exc:
            listing = Listing(provider.name, error=str(exc))
        except Exception as exc:  # on a thread of its own: say it, rather than print a traceback over the UI
            listing = Listing(provider.name, error=f"{provider.name}: {type(exc).__name__}: {exc}")
        with self._lock:
            waiting = self._asking.pop(provider.name)
            if listing.error is None:
                self._offered[provider.name] = listing.models
        for answered in waiting:
            answered(listing)


def _same_server(a: Provider, b: Provider) -> bool:
    """Whether two providers are one server (the same provider, or the same base_url)."""
    url = a.config.base_url if a.config else None
    return a is b or (url is not None and b.config is not None and url == b.config.base_url)

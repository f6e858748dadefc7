"""Token and cost metering, per request and per session, from the price table in `prices.toml`."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from app.llm.base import Usage

PER_TOKENS = 1_000_000
"""Prices are per million tokens."""


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input: float
    output: float
    cache_read: float
    cache_write: float

    @classmethod
    def from_table(cls, table: dict[str, float]) -> Price:
        return cls(
            input=table["input"],
            output=table["output"],
            cache_read=table.get("cache_read", table["input"]),
            cache_write=table.get("cache_write", table["input"]),
        )

    def cost(self, usage: Usage) -> float:
        return (
            usage.input_tokens * self.input
            + usage.output_tokens * self.output
            + usage.cache_read_tokens * self.cache_read
            + usage.cache_write_tokens * self.cache_write
        ) / PER_TOKENS


@cache
def shipped_prices() -> dict[str, dict[str, float]]:
    """The `[models]` tables of the price file shipped with the app."""
    text = files("app.llm").joinpath("prices.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)["models"]


def find_price(model: str, prices: dict[str, dict[str, float]]) -> Price | None:
    """The price of `model`: its own entry, else the longest entry it extends with "-"."""
    entry = _entry(model, prices)
    return Price.from_table(entry) if entry else None


def find_context_window(model: str, prices: dict[str, dict[str, float]]) -> int | None:
    """The context window the price table gives for `model` (its entry found as for a price)."""
    window = (_entry(model, prices) or {}).get("context_window")
    return int(window) if window else None


def _entry(model: str, prices: dict[str, dict[str, float]]) -> dict[str, float] | None:
    model = model.rsplit("/", 1)[-1]  # "anthropic/claude-sonnet-4-5" on OpenRouter
    if model in prices:
        return prices[model]
    stems = [key for key in prices if model.startswith(key + "-")]
    return prices[max(stems, key=len)] if stems else None


@dataclass(frozen=True)
class RequestCost:
    """What one request used and cost. `cost` is None when the model's price is unknown."""

    provider: str
    model: str
    usage: Usage
    cost: float | None

    @property
    def input_tokens(self) -> int:
        """All input tokens, cached or not."""
        u = self.usage
        return u.input_tokens + u.cache_read_tokens + u.cache_write_tokens

    @property
    def output_tokens(self) -> int:
        return self.usage.output_tokens

    def format(self) -> str:
        """e.g. "1.2k↑ 340↓ $0.0041" ("~" marks estimated counts, "$?" an unknown price)."""
        return _format(self.input_tokens, self.output_tokens, self.cost, self.usage.estimated, False)


class Meter:
    """Records each request's usage and keeps the session's totals."""

    def __init__(self, extra_prices: dict[str, dict[str, float]] | None = None) -> None:
        self.prices = {**shipped_prices(), **(extra_prices or {})}
        self.requests: list[RequestCost] = []
        self.on_record: Callable[[RequestCost], None] | None = None
        """Told of each request as it is recorded (the session log)."""

    def record(self, provider_name: str, model: str, usage: Usage) -> RequestCost:
        """Price one request's usage and add it to the session."""
        price = find_price(model, self.prices)
        request = RequestCost(provider_name, model, usage, price.cost(usage) if price else None)
        self.requests.append(request)
        if self.on_record is not None:
            self.on_record(request)
        return request

    @property
    def input_tokens(self) -> int:
        return sum(r.input_tokens for r in self.requests)

    @property
    def output_tokens(self) -> int:
        return sum(r.output_tokens for r in self.requests)

    @property
    def cost(self) -> float | None:
        """The session's cost so far over the requests whose price is known; None if none is."""
        known = [r.cost for r in self.requests if r.cost is not None]
        if self.requests and not known:
            return None
        return sum(known)

    @property
    def cost_complete(self) -> bool:
        """False when some request's price is unknown (so `cost` is a lower bound)."""
        return all(r.cost is not None for r in self.requests)

    @property
    def estimated(self) -> bool:
        """True when some request's token counts were estimated locally."""
        return any(r.usage.estimated for r in self.requests)

    def format(self) -> str:
        """Short text for a status bar, e.g. "1.2k↑ 340↓ $0.0041" or "~900↑ ~120↓ $0.0012+?"."""
        return _format(self.input_tokens, self.output_tokens, self.cost, self.estimated, not self.cost_complete)


def format_tokens(count: int) -> str:
    """340, 1.2k, 56k, 1.3M."""
    if count < 1000:
        return str(count)
    if count < 10_000:
        return f"{count / 1000:.1f}k"
    if count < 1_000_000:
        return f"{count // 1000}k"
    return f"{count / 1_000_000:.1f}M"


def format_cost(cost: float | None) -> str:
    """$0, $0.0041, $0.123, $12.34, or $? when unknown."""
    if cost is None:
        return "$?"
    if cost == 0:
        return "$0"
    if cost < 0.01:
        return f"${cost:.4f}"
    return f"${cost:.3f}" if cost < 1 else f"${cost:.2f}"


def _format(tokens_in: int, tokens_out: int, cost: float | None, estimated: bool, partial: bool) -> str:
    mark = "~" if estimated else ""
    text = f"{mark}{format_tokens(tokens_in)}↑ {mark}{format_tokens(tokens_out)}↓ {format_cost(cost)}"
    return text + "+?" if partial and cost is not None else text


def estimate_tokens(text: str) -> int:
    """A rough token count (about four characters a token) for servers that report no usage."""
    return (len(text) + 3) // 4

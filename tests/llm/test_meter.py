"""Metering: prices from the shipped table, per request and per session."""

from __future__ import annotations

import pytest

from app.llm.base import Usage
from app.llm.meter import Meter, find_price, format_cost, format_tokens, shipped_prices


def test_known_model_is_priced_from_the_table() -> None:
    meter = Meter()
    cost = meter.record("anthropic", "claude-sonnet-5-5", Usage(input_tokens=1_000_000, output_tokens=100_000))
    assert cost.cost == pytest.approx(2.00 + 1.00)  # $2/M in, $10/M out
    assert meter.cost == pytest.approx(3.00)


def test_cache_reads_and_writes_have_their_own_prices() -> None:
    usage = Usage(input_tokens=0, output_tokens=0, cache_read_tokens=1_000_000, cache_write_tokens=1_000_000)
    cost = Meter().record("anthropic", "claude-sonnet-5-5", usage)
    assert cost.cost == pytest.approx(0.20 + 2.50)
    assert cost.input_tokens == 2_000_000  # cached tokens are still input


def test_dated_and_routed_model_ids_find_their_family() -> None:
    prices = shipped_prices()
    assert find_price("claude-haiku-4-5-20251001", prices) == find_price("claude-haiku-4-5", prices)
    assert find_price("anthropic/claude-sonnet-5-5", prices) == find_price("claude-sonnet-5-5", prices)
    assert find_price("gpt-5.4-mini", prices).input == 0.75  # not gpt-5.4's price
    assert find_price("gpt-5.4-mini-2026-03-17", prices).input == 0.75
    assert find_price("qwen2.5-coder:7b", prices) is None
    assert find_price("gpt-5x", prices) is None  # a prefix must end at a "-"


def test_unknown_model_shows_tokens_and_a_question_mark() -> None:
    meter = Meter()
    request = meter.record("ollama", "qwen2.5-coder:7b", Usage(input_tokens=1234, output_tokens=56))
    assert request.cost is None
    assert request.format() == "1.2k↑ 56↓ $?"
    assert meter.cost is None and meter.format() == "1.2k↑ 56↓ $?"


def test_session_mixing_known_and_unknown_prices_says_it_is_partial() -> None:
    meter = Meter()
    meter.record("anthropic", "claude-haiku-4-5", Usage(input_tokens=1000, output_tokens=200))
    meter.record("ollama", "qwen2.5-coder", Usage(input_tokens=500, output_tokens=100, estimated=True))
    assert meter.input_tokens == 1500 and meter.output_tokens == 300
    assert meter.cost == pytest.approx(0.002) and not meter.cost_complete and meter.estimated
    assert meter.format() == "~1.5k↑ ~300↓ $0.0020+?"


def test_config_prices_add_to_the_table() -> None:
    meter = Meter({"qwen2.5-coder": {"input": 0.0, "output": 0.0}})
    assert meter.record("ollama", "qwen2.5-coder", Usage(10, 10)).cost == 0.0
    assert meter.format() == "10↑ 10↓ $0"


def test_empty_session() -> None:
    assert Meter().format() == "0↑ 0↓ $0"


@pytest.mark.parametrize(("count", "text"), [(0, "0"), (999, "999"), (1234, "1.2k"), (56_789, "56k"), (1_250_000, "1.2M")])
def test_format_tokens(count: int, text: str) -> None:
    assert format_tokens(count) == text


@pytest.mark.parametrize(("cost", "text"), [(None, "$?"), (0.0, "$0"), (0.00412, "$0.0041"), (0.1234, "$0.123"), (12.345, "$12.35")])
def test_format_cost(cost: float | None, text: str) -> None:
    assert format_cost(cost) == text


def test_every_shipped_price_is_complete() -> None:
    for model, table in shipped_prices().items():
        assert {"input", "output"} <= table.keys(), model
        assert set(table) <= {"input", "output", "cache_read", "cache_write", "context_window"}, model


def test_a_context_window_is_found_as_a_price_is_and_only_where_the_table_gives_one() -> None:
    from app.llm.meter import find_context_window

    assert find_context_window("claude-sonnet-4-5-20250929", shipped_prices()) == 200_000
    assert find_context_window("openrouter/gpt-4.1-mini", shipped_prices()) == 1_047_576
    assert find_context_window("claude-fable-5-2", shipped_prices()) is None  # priced, window not stated
    assert find_context_window("qwen2.5-coder", shipped_prices()) is None

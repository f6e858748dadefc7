"""Failover end to end: real providers and SDKs against wire servers, switched by the Router."""

from __future__ import annotations

import re
import threading
import time

import pytest

from app.llm.anthropic_api import AnthropicProvider
from app.llm.base import ChatRequest, Done, Message, ProviderError, ProviderSwitched, Retrying, StreamBroken, TextDelta
from app.llm.openai_api import OpenAIProvider
from app.llm.router import Router
from tests.wire_server import Hang, Reply, Status, WireServer, anthropic_config, openai_config


@pytest.fixture
def backup_server():
    """A second server, standing for the fallback provider."""
    with WireServer() as server:
        yield server


def two_providers(primary: WireServer, backup: WireServer, **settings) -> Router:
    return Router([
        AnthropicProvider(anthropic_config(primary, **settings)),
        OpenAIProvider(openai_config(backup, name="ollama", model="qwen2.5-coder")),
    ])


def ask(router: Router, text: str = "hi") -> list:
    return list(router.stream_chat(ChatRequest([Message("user", text)])))


@pytest.mark.parametrize("failure", [
    Status(429, "slow down", headers={"retry-after": "0"}),
    Status(500, "boom"),
    Status(529, "overloaded"),
    Hang(),
])
def test_fails_over_to_the_next_provider_and_says_so(wire_server, backup_server, failure) -> None:
    wire_server.script(failure)
    backup_server.script(Reply("from ", "ollama"))
    router = two_providers(wire_server, backup_server, timeout=0.5)
    events = ask(router)
    switched = events[0]
    assert isinstance(switched, ProviderSwitched)
    assert (switched.from_provider, switched.to_provider) == ("anthropic", "ollama/qwen2.5-coder")
    assert switched.describe().startswith("anthropic unavailable (")
    assert switched.describe().endswith(") — switched to ollama/qwen2.5-coder (a smaller model: expect weaker answers)")
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["from ", "ollama"]
    assert isinstance(events[-1], Done)
    assert router.name == "ollama" and router.model == "qwen2.5-coder"
    assert len(backup_server.requests) == 1


def test_sdk_retries_come_first_then_failover(wire_server, backup_server) -> None:
    wire_server.script(Status(503, "down"), Status(503, "down"))
    backup_server.script(Reply("ok"))
    router = two_providers(wire_server, backup_server, max_retries=1)
    events = ask(router)
    assert len(wire_server.requests) == 2  # one try + one SDK retry
    assert "server error (503): down" in events[0].reason


def test_the_switch_sticks_for_the_next_request(wire_server, backup_server) -> None:
    wire_server.script(Status(500))
    backup_server.script(Reply("one"), Reply("two"))
    router = two_providers(wire_server, backup_server)
    ask(router)
    events = ask(router)
    assert events[0] == TextDelta("two") and len(wire_server.requests) == 1


def test_non_retryable_errors_do_not_fail_over(wire_server, backup_server) -> None:
    wire_server.script(Status(401, "bad key"))
    router = two_providers(wire_server, backup_server)
    with pytest.raises(ProviderError, match="authentication failed"):
        ask(router)
    assert backup_server.requests == [] and router.name == "anthropic"


def test_a_stream_broken_after_text_is_reported_not_replaced(wire_server, backup_server) -> None:
    wire_server.script(Reply("The fix is", " to", drop_after=1))
    router = two_providers(wire_server, backup_server)
    seen = []
    with pytest.raises(StreamBroken):
        for event in router.stream_chat(ChatRequest([Message("user", "q")])):
            seen.append(event)
    assert seen == [TextDelta("The fix is")]
    assert backup_server.requests == []


def test_a_stream_broken_before_any_text_fails_over(wire_server, backup_server) -> None:
    wire_server.script(Reply("never seen", drop_after=0))
    backup_server.script(Reply("whole answer"))
    events = ask(two_providers(wire_server, backup_server))
    assert isinstance(events[0], ProviderSwitched) and "stream broke" in events[0].reason
    assert events[1] == TextDelta("whole answer")


def test_when_every_provider_fails_the_error_names_them_all(wire_server, backup_server) -> None:
    wire_server.script(Status(500, "first down"))
    backup_server.script(Status(502, "second down"))
    router = two_providers(wire_server, backup_server)
    with pytest.raises(ProviderError) as caught:
        ask(router)
    message = str(caught.value)
    assert message.startswith("no provider answered: anthropic: server error (500): first down")
    assert "ollama: server error (502): second down" in message and "\n" not in message
    assert router.name == "anthropic"  # nothing answered: the router stays where it was


def test_use_switches_provider_and_model_at_run_time(wire_server, backup_server) -> None:
    backup_server.script(Reply("hi"))
    router = two_providers(wire_server, backup_server)
    conversation = [Message("user", "first"), Message("assistant", "answer"), Message("user", "second")]
    router.use("ollama", "llama3.2")
    list(router.stream_chat(ChatRequest(conversation)))
    body = backup_server.requests[-1].body
    assert body["model"] == "llama3.2"
    assert [m["content"] for m in body["messages"]] == ["first", "answer", "second"]
    assert router.use("anthropic") is router.providers[0]  # by name
    assert router.use("openai").name == "ollama"  # by kind
    with pytest.raises(ProviderError, match=r"no provider 'gemini' \(configured: anthropic, ollama\)"):
        router.use("gemini")


def test_stopping_early_closes_the_providers_stream(wire_server, backup_server) -> None:
    """A cancelled answer must not keep the HTTP response (and the server's work) going."""
    wire_server.script(Reply(*["word "] * 200, delay=0.01))
    router = two_providers(wire_server, backup_server)
    events = router.stream_chat(ChatRequest([Message("user", "q")]))
    assert next(events) == TextDelta("word ")
    events.close()
    assert wire_server.wait_for_disconnect(timeout=2.0)


def test_each_retry_is_told_and_the_error_says_how_long_it_all_took(wire_server) -> None:
    """A hung server: the person sees each retry as it starts, and the error counts them all."""
    wire_server.default = Hang()
    router = Router([OpenAIProvider(openai_config(wire_server, max_retries=2, timeout=0.3))])
    events = []
    with pytest.raises(ProviderError) as caught:
        events.extend(router.stream_chat(ChatRequest([Message("user", "hi")])))
    assert [(e.attempt, e.attempts, e.delay) for e in events] == [(2, 3, 0.5), (3, 3, 1.0)]
    assert events[0].describe() == "openai: no answer after 0.3s (timed out) — retrying (2/3) in 0.5s"
    assert re.fullmatch(r"openai: no answer after 0\.3s \(timed out\) — 3 attempts in 2\.\ds", str(caught.value))
    assert len(wire_server.requests) == 3


def test_a_stop_while_waiting_to_retry_ends_the_answer_at_once(wire_server) -> None:
    wire_server.script(Status(503, "down", headers={"retry-after": "20"}))
    router = Router([OpenAIProvider(openai_config(wire_server, max_retries=1))])
    events = router.stream_chat(ChatRequest([Message("user", "hi")]))
    assert isinstance(next(events), Retrying)
    threading.Timer(0.2, router.abort).start()
    started = time.monotonic()
    assert list(events) == []
    assert time.monotonic() - started < 5 and len(wire_server.requests) == 1


def test_a_provider_without_failover_is_only_used_by_hand(wire_server, backup_server) -> None:
    """The built-in smoke-test model's setting: a failure before it is an error, not a switch."""
    wire_server.script(Status(500, "boom"))
    router = Router([
        AnthropicProvider(anthropic_config(wire_server)),
        OpenAIProvider(openai_config(backup_server, name="smoke", failover=False)),
    ])
    with pytest.raises(ProviderError, match="boom"):
        ask(router)
    assert backup_server.requests == [] and router.name == "anthropic"
    router.use("smoke")
    backup_server.script(Reply("by hand"))
    assert "".join(e.text for e in ask(router) if isinstance(e, TextDelta)) == "by hand"

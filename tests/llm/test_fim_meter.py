"""Fill-in-the-middle is metered in the session's meter like a chat turn: through the real SDKs
against the local wire server, both the native `/v1/completions` route and the chat-prompt route."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from app.chat import ChatSession
from app.completion import Completions
from app.llm.anthropic_api import AnthropicProvider
from app.llm.base import Usage
from app.llm.meter import Meter
from app.llm.openai_api import OpenAIProvider
from app.llm.router import Router
from tests.wire_server import Reply, Status, WireServer, anthropic_config, openai_config


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    return tmp_path


def test_native_fim_is_recorded_with_its_price_and_adds_to_the_turns(repo: Path, wire_server: WireServer) -> None:
    wire_server.script(Reply("a + b", usage=(1000, 10)), Reply("an answer", usage=(2000, 20)))
    router = Router([OpenAIProvider(openai_config(wire_server, model="gpt-4.1-mini", fim="native"))])
    session = ChatSession(repo, router, Meter())
    assert Completions(router, session.meter).complete("return ", "\n") == "a + b"
    assert wire_server.requests[-1].path == "/v1/completions"
    [fim] = session.meter.requests
    assert (fim.provider, fim.model, fim.usage) == ("openai", "gpt-4.1-mini", Usage(1000, 10))
    assert fim.cost == pytest.approx((1000 * 0.40 + 10 * 1.60) / 1_000_000)
    list(session.stream_turn("hi"))
    assert (session.meter.input_tokens, session.meter.output_tokens) == (3000, 30)
    assert session.meter.format() == "3.0k↑ 30↓ $0.0012"  # 3000 × $0.40 + 30 × $1.60 per million


def test_fim_by_chat_prompt_is_recorded_too(wire_server: WireServer) -> None:
    wire_server.script(Reply("return a + b", usage=(300, 5)))
    ghost = Completions(Router([AnthropicProvider(anthropic_config(wire_server))]), Meter())
    assert ghost.complete("def add(a, b):\n    ", "\n") == "return a + b"
    assert wire_server.requests[-1].path == "/v1/messages"
    [fim] = ghost.meter.requests
    assert (fim.provider, fim.model, fim.usage) == ("anthropic", "claude-sonnet-5-5", Usage(300, 5))


def test_a_server_that_reports_no_usage_is_estimated_and_marked(wire_server: WireServer) -> None:
    wire_server.script(Reply("a + b", usage=None))
    ghost = Completions(Router([OpenAIProvider(openai_config(wire_server, fim="native"))]), Meter())
    ghost.complete("x = " * 20, "\n")
    assert ghost.meter.requests[0].usage.estimated and ghost.meter.format().startswith("~")


def test_a_failed_completion_records_nothing(wire_server: WireServer) -> None:
    wire_server.script(Status(500, "down"))
    ghost = Completions(Router([OpenAIProvider(openai_config(wire_server, fim="native"))]), Meter())
    assert ghost.complete("return ", "\n") is None and "server error" in ghost.error
    assert ghost.meter.requests == []

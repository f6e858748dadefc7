"""Listing the models a provider's server offers: through the real SDKs against the wire server,
and the session's ModelCatalog that asks every provider off the calling thread."""

from __future__ import annotations

import queue

import pytest

from app.config import ProviderConfig
from app.llm import anthropic_api, openai_api
from app.llm.anthropic_api import AnthropicProvider
from app.llm.base import ProviderError
from app.llm.catalog import Listing, ModelCatalog
from app.llm.embedded import EmbeddedProvider
from app.llm.openai_api import OpenAIProvider
from tests.wire_server import Hang, Status, WireServer, anthropic_config, openai_config

NOBODY = "http://127.0.0.1:9/v1"
"""A port nothing listens on."""


def test_an_openai_compatible_server_lists_its_models(wire_server: WireServer) -> None:
    wire_server.models = ["qwen2.5-coder:7b", "llama3.2:3b"]
    assert OpenAIProvider(openai_config(wire_server)).list_models() == ["qwen2.5-coder:7b", "llama3.2:3b"]
    request = wire_server.requests[-1]
    assert (request.method, request.path) == ("GET", "/v1/models")
    assert "anthropic-version" not in request.headers


def test_anthropic_lists_its_models(wire_server: WireServer) -> None:
    wire_server.models = ["claude-opus-5-5", "claude-sonnet-5-5"]
    assert AnthropicProvider(anthropic_config(wire_server)).list_models() == ["claude-opus-5-5", "claude-sonnet-5-5"]
    request = wire_server.requests[-1]
    assert request.path.startswith("/v1/models") and "anthropic-version" in request.headers


def test_the_embedded_provider_offers_its_one_model() -> None:
    provider = EmbeddedProvider(ProviderConfig(name="local", kind="local", model="SmolLM2-135M-Instruct"))
    assert provider.list_models() == ["SmolLM2-135M-Instruct"]


def test_errors_are_one_line_provider_errors(wire_server: WireServer) -> None:
    wire_server.models = Status(500, "model registry down")
    with pytest.raises(ProviderError, match=r"^openai: server error \(500\): model registry down$"):
        OpenAIProvider(openai_config(wire_server)).list_models()
    with pytest.raises(ProviderError, match=r"^anthropic: no API key — set ANTHROPIC_API_KEY$"):
        AnthropicProvider(anthropic_config(wire_server, api_key=None)).list_models()
    config = ProviderConfig(name="ollama", kind="openai", model="m", base_url=NOBODY, max_retries=0, timeout=2.0)
    with pytest.raises(ProviderError, match=r"^ollama: connection failed to http://127.0.0.1:9/v1"):
        OpenAIProvider(config).list_models()


@pytest.mark.parametrize("module", [openai_api, anthropic_api])
def test_a_server_that_hangs_is_given_up_on_quickly_whatever_the_chat_timeout(
    wire_server: WireServer, monkeypatch: pytest.MonkeyPatch, module: object
) -> None:
    monkeypatch.setattr(module, "MODEL_LIST_TIMEOUT", 0.3)
    wire_server.models = Hang()
    config = (openai_config if module is openai_api else anthropic_config)(wire_server, timeout=60.0, max_retries=2)
    provider = OpenAIProvider(config) if module is openai_api else AnthropicProvider(config)
    with pytest.raises(ProviderError, match=r"no answer after 0.3s \(timed out\)$"):
        provider.list_models()
    assert len(wire_server.requests) == 1  # no retries


def ask_all(catalog: ModelCatalog) -> dict[str, Listing]:
    """Ask the catalog's providers and wait for every answer (they come on other threads)."""
    answers: queue.Queue[Listing] = queue.Queue()
    names = catalog.ask(answers.put)
    listings = [answers.get(timeout=10) for _ in names]
    return {listing.provider: listing for listing in listings}


def test_the_catalog_adds_what_servers_offer_and_keeps_it_for_the_session(wire_server: WireServer) -> None:
    wire_server.models = ["qwen2.5-coder", "llama3.2"]
    dead = ProviderConfig(name="ollama", kind="openai", model="m", base_url=NOBODY, max_retries=0, timeout=2.0)
    providers = [
        AnthropicProvider(anthropic_config(wire_server)),
        OpenAIProvider(openai_config(wire_server)),
        OpenAIProvider(dead),
    ]
    catalog = ModelCatalog(providers)
    configured = ["anthropic/claude-sonnet-5-5", "openai/qwen2.5-coder", "ollama/m"]
    assert catalog.choices() == configured
    answers = ask_all(catalog)
    assert answers["openai"] == Listing("openai", ("qwen2.5-coder", "llama3.2"))
    assert answers["ollama"].error.startswith("ollama: connection failed")
    assert catalog.choices() == configured + ["anthropic/qwen2.5-coder", "anthropic/llama3.2", "openai/llama3.2"]
    listed = len(wire_server.requests)
    assert list(ask_all(catalog)) == ["ollama"]  # kept for the session; a failure is asked again
    assert len(wire_server.requests) == listed


def test_asking_again_while_a_server_has_not_answered_waits_for_the_same_answer(wire_server: WireServer) -> None:
    wire_server.models = Hang()
    catalog = ModelCatalog([OpenAIProvider(openai_config(wire_server, timeout=0.5))])
    first: queue.Queue[Listing] = queue.Queue()
    second: queue.Queue[Listing] = queue.Queue()
    assert catalog.ask(first.put) == ["openai"]
    assert catalog.ask(second.put) == ["openai"]  # a picker opened again before the answer came
    answers = first.get(timeout=10), second.get(timeout=10)
    assert answers[0] is answers[1] and answers[0].error == "openai: no answer after 0.5s (timed out)"
    assert len(wire_server.requests) == 1


def test_models_that_cannot_chat_are_not_offered(wire_server: WireServer) -> None:
    wire_server.models = [
        "gpt-4.1", "text-embedding-3-small", "whisper-1", "tts-1-hd", "dall-e-3", "omni-moderation-latest",
        "gpt-4o-transcribe", "nomic-embed-text:latest", "babbage-002", "qwen2.5-coder:7b",
    ]
    assert OpenAIProvider(openai_config(wire_server)).list_models() == ["gpt-4.1", "qwen2.5-coder:7b"]


def test_the_server_answering_now_is_not_asked_for_its_models(wire_server: WireServer) -> None:
    """llama-cpp-python ends a running answer to serve GET /v1/models: while a provider answers,
    neither it nor another provider on its server is asked; the others are, and it is next time."""
    with WireServer() as other:
        other.models = ["elsewhere"]
        wire_server.models = ["qwen2.5-coder"]
        busy = OpenAIProvider(openai_config(wire_server))
        twin = OpenAIProvider(openai_config(wire_server, name="same-server"))
        answering: list[OpenAIProvider] = [busy]
        catalog = ModelCatalog([busy, twin, OpenAIProvider(openai_config(other, name="other"))],
                               lambda: answering[0] if answering else None)
        got: queue.Queue[Listing] = queue.Queue()
        assert catalog.ask(got.put) == ["other"]
        answers = {listing.provider: listing for listing in (got.get(timeout=10) for _ in range(3))}
        assert answers["openai"].error == "openai: not asked while it is answering (asking could cut the answer off)"
        assert answers["same-server"].error.startswith("same-server: not asked while it is answering")
        assert answers["other"].models == ("elsewhere",)
        assert wire_server.requests == []
        answering.clear()
        assert sorted(ask_all(catalog)) == ["openai", "same-server"]
        assert [r.path for r in wire_server.requests] == ["/v1/models", "/v1/models"]

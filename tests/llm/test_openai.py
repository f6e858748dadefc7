"""The OpenAI-compatible provider through the real `openai` SDK against the local wire server."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.config import ProviderConfig, load_config
from app.llm.base import (
    ChatRequest,
    Retrying,
    Done,
    Fill,
    Message,
    ProviderError,
    StreamBroken,
    TextDelta,
    ToolCall,
    ToolResult,
    ToolSpec,
    Usage,
)
from app.llm.openai_api import OpenAIProvider
from app.llm.router import Router
from app.llm.registry import make_provider
from tests.wire_server import Call, Hang, Reply, Status, WireServer, openai_config

READ = ToolSpec("read_file", "Read a file", {"type": "object", "properties": {"path": {"type": "string"}}})


def ask(provider: OpenAIProvider, text: str = "hi", **options) -> list:
    return list(provider.stream_chat(ChatRequest([Message("user", text)], **options)))


def test_streams_text_and_reported_usage(wire_server: WireServer) -> None:
    wire_server.script(Reply("Hel", "lo", usage=(20, 2)))
    events = ask(OpenAIProvider(openai_config(wire_server)))
    assert events == [TextDelta("Hel"), TextDelta("lo"), Done("end", Usage(input_tokens=20, output_tokens=2))]


def test_request_suits_other_servers(wire_server: WireServer) -> None:
    """One plain-string system message, max_tokens, and a request for usage in the stream."""
    wire_server.script(Reply("ok"))
    ask(OpenAIProvider(openai_config(wire_server)), system="Be terse.", context="ctx", max_tokens=99)
    request = wire_server.requests[-1]
    assert request.path == "/v1/chat/completions"
    assert request.body["messages"] == [
        {"role": "system", "content": "Be terse.\n\nctx"},
        {"role": "user", "content": "hi"},
    ]
    assert request.body["max_tokens"] == 99 and "max_completion_tokens" not in request.body
    assert request.body["stream_options"] == {"include_usage": True}
    assert request.headers["authorization"] == "Bearer none"  # keyless server: no real key is sent


def test_openai_itself_gets_max_completion_tokens_and_its_key(wire_server: WireServer) -> None:
    """Pointed at api.openai.com the provider uses OpenAI's parameter; here the host is faked by name."""
    provider = OpenAIProvider(openai_config(wire_server, api_key="sk-real", base_url=wire_server.openai_url))
    provider.official = True
    wire_server.script(Reply("ok"))
    ask(provider, max_tokens=7)
    body = wire_server.requests[-1].body
    assert body["max_completion_tokens"] == 7 and "max_tokens" not in body
    assert wire_server.requests[-1].headers["authorization"] == "Bearer sk-real"


def test_official_openai_without_key_is_a_config_error() -> None:
    config = ProviderConfig(name="openai", kind="openai", model="gpt-5.4", api_key_env="OPENAI_API_KEY")
    with pytest.raises(ProviderError, match="no API key — set OPENAI_API_KEY") as caught:
        ask(OpenAIProvider(config))
    assert not caught.value.retryable


def test_no_usage_in_stream_is_estimated_and_marked(wire_server: WireServer) -> None:
    """llama.cpp's server ignores include_usage: the provider estimates and says so."""
    wire_server.script(Reply("x" * 40, usage=None))
    done = ask(OpenAIProvider(openai_config(wire_server)), text="y" * 400)[-1]
    assert done.usage.estimated
    assert done.usage.output_tokens == 10
    assert 100 <= done.usage.input_tokens <= 130  # 400 characters of question plus the JSON around it


def test_streamed_tool_calls_are_assembled(wire_server: WireServer) -> None:
    wire_server.script(Reply(tool_calls=[
        Call("read_file", {"path": "a.py"}, id="call_a", pieces=5),
        Call("read_file", {"path": "b.py"}, id="call_b", pieces=2),
    ]))
    done = ask(OpenAIProvider(openai_config(wire_server)), tools=[READ])[-1]
    assert done.stop_reason == "tool_use"
    assert done.tool_calls == (
        ToolCall("call_a", "read_file", {"path": "a.py"}),
        ToolCall("call_b", "read_file", {"path": "b.py"}),
    )
    assert wire_server.requests[-1].body["tools"] == [{
        "type": "function",
        "function": {"name": "read_file", "description": "Read a file", "parameters": READ.input_schema},
    }]


def test_tool_history_is_sent_in_openai_shape(wire_server: WireServer) -> None:
    wire_server.script(Reply("done"))
    history = [
        Message("user", "open a"),
        Message("assistant", "", tool_calls=[ToolCall("call_a", "read_file", {"path": "a"})]),
        Message("user", "", tool_results=[ToolResult("call_a", "print(1)")]),
    ]
    list(OpenAIProvider(openai_config(wire_server)).stream_chat(ChatRequest(history)))
    sent = wire_server.requests[-1].body["messages"]
    assert sent[1] == {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_a", "type": "function", "function": {"name": "read_file", "arguments": '{"path": "a"}'}}]}
    assert sent[2] == {"role": "tool", "tool_call_id": "call_a", "content": "print(1)"}
    assert len(sent) == 3


def test_server_rejecting_tools_is_asked_again_without_them(wire_server: WireServer) -> None:
    wire_server.script(Status(400, "this model does not support tools"), Reply("plain answer"))
    provider = OpenAIProvider(openai_config(wire_server))
    events = ask(provider, tools=[READ])
    assert events[0] == TextDelta("plain answer")
    assert "tools" in wire_server.requests[0].body and "tools" not in wire_server.requests[1].body
    assert provider.supports_tools is False


def test_429_is_retried_after_retry_after(wire_server: WireServer) -> None:
    wire_server.script(Status(429, "slow down", headers={"retry-after": "0.3"}), Reply("ok"))
    started = time.monotonic()
    events = ask(Router([OpenAIProvider(openai_config(wire_server, max_retries=1))]))
    assert isinstance(events[0], Retrying) and events[0].delay == 0.3
    assert events[1] == TextDelta("ok") and len(wire_server.requests) == 2
    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize(("status", "message", "retryable"), [
    (429, "openai: rate limited (429): nope", True),
    (500, "openai: server error (500): nope", True),
    (503, "openai: server error (503): nope", True),
    (401, "openai: authentication failed (401) — check the provider's api_key_env", False),
    (404, "openai: not found (404) — check the model name 'qwen2.5-coder' (--model, EXOSUIT_MODEL) and base_url: nope",
     False),
    (400, "openai: request rejected (400): nope", False),
])
def test_status_errors_are_one_line(wire_server: WireServer, status: int, message: str, retryable: bool) -> None:
    wire_server.script(Status(status, "nope"))
    with pytest.raises(ProviderError) as caught:
        ask(OpenAIProvider(openai_config(wire_server)))
    assert str(caught.value) == message and caught.value.retryable is retryable


def test_connection_dropped_mid_stream(wire_server: WireServer) -> None:
    wire_server.script(Reply("one", "two", "three", drop_after=2))
    events = []
    with pytest.raises(StreamBroken, match="openai: stream broke: connection failed"):
        for event in OpenAIProvider(openai_config(wire_server)).stream_chat(ChatRequest([Message("user", "q")])):
            events.append(event)
    assert events == [TextDelta("one"), TextDelta("two")]


def test_stream_without_finish_reason_is_broken(wire_server: WireServer) -> None:
    wire_server.script(Reply("half an answer", finish=False))
    with pytest.raises(StreamBroken, match="without a finish reason"):
        ask(OpenAIProvider(openai_config(wire_server)))


def test_server_that_hangs_times_out(wire_server: WireServer) -> None:
    wire_server.script(Hang())
    with pytest.raises(ProviderError) as caught:
        ask(OpenAIProvider(openai_config(wire_server, timeout=0.5)))
    assert caught.value.retryable and str(caught.value) == "openai: no answer after 0.5s (timed out)"


def test_nobody_listening_is_a_retryable_connection_error() -> None:
    config = ProviderConfig(name="ollama", kind="openai", model="m", base_url="http://127.0.0.1:9/v1",
                            max_retries=0, timeout=2.0)
    with pytest.raises(ProviderError) as caught:
        ask(OpenAIProvider(config))
    assert caught.value.retryable and str(caught.value).startswith("ollama: connection failed")


def test_native_fim_uses_completions_with_suffix(wire_server: WireServer) -> None:
    wire_server.script(Reply("a + b", usage=(20, 3)))
    fill = OpenAIProvider(openai_config(wire_server, fim="native")).complete_fim("return ", "\n", max_tokens=8)
    assert fill == Fill("a + b", Usage(input_tokens=20, output_tokens=3))
    request = wire_server.requests[-1]
    assert request.path == "/v1/completions"
    assert (request.body["prompt"], request.body["suffix"], request.body["max_tokens"]) == ("return ", "\n", 8)


def test_native_fim_without_usage_from_the_server_is_estimated(wire_server: WireServer) -> None:
    wire_server.script(Reply("a + b", usage=None))
    fill = OpenAIProvider(openai_config(wire_server, fim="native")).complete_fim("return " * 10, "\n", max_tokens=8)
    assert fill == Fill("a + b", Usage(input_tokens=18, output_tokens=2, estimated=True))


def test_chat_fim_is_the_default(wire_server: WireServer) -> None:
    wire_server.script(Reply("a + b", usage=(40, 4)))
    assert OpenAIProvider(openai_config(wire_server)).complete_fim("return ", "\n") == Fill("a + b", Usage(40, 4))
    assert wire_server.requests[-1].path == "/v1/chat/completions"


def test_error_inside_the_stream_is_broken(wire_server: WireServer) -> None:
    wire_server.script(Reply("partial", "rest", error_after=1))
    with pytest.raises(StreamBroken) as caught:
        ask(OpenAIProvider(openai_config(wire_server)))
    assert str(caught.value) == "openai: stream broke: the server reported: model crashed"


def test_cached_prompt_tokens_are_split_from_input(wire_server: WireServer) -> None:
    wire_server.script(Reply("ok", usage=(100, 3), cached=(900, 0)))  # prompt_tokens=1000, 900 of them cached
    done = ask(OpenAIProvider(openai_config(wire_server)))[-1]
    assert done.usage == Usage(input_tokens=100, output_tokens=3, cache_read_tokens=900)


def test_a_server_named_only_by_openai_base_url_is_asked_which_model_it_serves(
    wire_server: WireServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", wire_server.openai_url)
    config = load_config(tmp_path)
    openai_entry = next(p for p in config.providers if p.kind == "openai")
    assert openai_entry.model == "auto"
    provider = make_provider(openai_entry)
    wire_server.script(Reply("hi"))
    assert "".join(e.text for e in provider.stream_chat(ChatRequest([Message("user", "x")])) if isinstance(e, TextDelta)) == "hi"
    assert [r.method for r in wire_server.requests] == ["GET", "POST"]
    assert wire_server.requests[-1].body["model"] == "wire-model"  # what GET /v1/models listed
    assert provider.model == "wire-model"


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_the_first_token_may_take_longer_than_the_next_ones(wire_server: WireServer, provider: str) -> None:
    """A CPU model reads the prompt for seconds before its first token, then streams: the wait for
    the first token is `first_token_timeout`, the wait between tokens `timeout`."""
    from app.llm.anthropic_api import AnthropicProvider
    from tests.wire_server import anthropic_config

    make = (lambda **s: OpenAIProvider(openai_config(wire_server, **s))) if provider == "openai" else (
        lambda **s: AnthropicProvider(anthropic_config(wire_server, **s)))
    wire_server.script(Reply("slow ", "start", first_delay=1.2))
    assert "".join(e.text for e in ask(make(timeout=0.4, first_token_timeout=5.0)) if isinstance(e, TextDelta)) == "slow start"
    wire_server.script(Reply("never", first_delay=1.2))
    with pytest.raises(ProviderError, match=rf"^{provider}: no answer after 0.6s \(timed out\)$"):
        ask(make(timeout=0.4, first_token_timeout=0.6))
    # once the answer has begun, a stall is caught after `timeout`, not the long first-token wait
    wire_server.script(Reply("begun ", "and stalled", hang_after=1))
    started = time.monotonic()
    with pytest.raises(StreamBroken, match=rf"^{provider}: stream broke: nothing more came for 0.4s \(timed out\)$"):
        ask(make(timeout=0.4, first_token_timeout=30.0))
    assert time.monotonic() - started < 5


def test_local_servers_wait_longer_for_the_first_token() -> None:
    local = ProviderConfig(name="llama", kind="openai", model="m", base_url="http://127.0.0.1:8080/v1")
    hosted = ProviderConfig(name="openai", kind="openai", model="gpt-5.4")
    assert (local.first_token_wait, hosted.first_token_wait, local.connect_timeout) == (600, 120, 10)
    assert ProviderConfig(name="x", kind="local", model="m", timeout=900).first_token_wait == 900
    assert ProviderConfig(name="x", kind="openai", model="m", first_token_timeout=30).first_token_wait == 30


def test_a_refused_stream_is_explained_in_the_servers_own_words(wire_server: WireServer) -> None:
    """llama-cpp-python streams nothing for a prompt over its window; asked without streaming it
    says why. The error quotes it, and the provider learns the window for the next request."""
    from app.llm.base import ContextOverflow
    from tests.wire_server import EmptyStream

    said = ("This model's maximum context length is 4096 tokens. However, you requested 5206 tokens "
            "(5190 in the messages, 16 in the completion).")
    wire_server.script(EmptyStream(), Status(400, said))
    provider = OpenAIProvider(openai_config(wire_server))
    assert provider.context_window is None
    with pytest.raises(ContextOverflow) as caught:
        ask(provider)
    assert str(caught.value) == f"openai: the request is longer than the model's context window — the server said: {said}"
    assert not caught.value.retryable and provider.context_window == 4096
    second = wire_server.requests[-1].body
    assert "stream" not in second and second["max_tokens"] == 1
    wire_server.script(EmptyStream(), Reply("fine"))  # empty, yet the server would answer: no made-up reason
    with pytest.raises(StreamBroken, match="the server sent an empty answer"):
        ask(provider)


def test_answers_are_asked_for_at_a_low_temperature_unless_configured(wire_server: WireServer) -> None:
    wire_server.script(Reply("ok"), Reply("ok"))
    ask(OpenAIProvider(openai_config(wire_server)))
    assert wire_server.requests[-1].body["temperature"] == 0  # greedy: the server's own 0.8 would vary edits
    ask(OpenAIProvider(openai_config(wire_server, temperature=0.7)))
    assert wire_server.requests[-1].body["temperature"] == 0.7
    assert ProviderConfig(name="openai", kind="openai", model="gpt-5.4").answer_temperature is None


def test_a_server_that_rejects_the_temperature_is_asked_again_without_it(wire_server: WireServer) -> None:
    rejected = "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported."
    wire_server.script(Status(400, rejected), Reply("fine"), Reply("again"))
    provider = OpenAIProvider(openai_config(wire_server))
    assert "".join(e.text for e in ask(provider) if isinstance(e, TextDelta)) == "fine"
    assert [("temperature" in r.body) for r in wire_server.requests] == [True, False]
    ask(provider)
    assert "temperature" not in wire_server.requests[-1].body  # remembered

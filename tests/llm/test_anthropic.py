"""The Anthropic provider through the real `anthropic` SDK against the local wire server."""

from __future__ import annotations

import time

import pytest

from app.llm.anthropic_api import AnthropicProvider
from app.llm.router import Router
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
from tests.wire_server import Call, Hang, Reply, Status, WireServer, anthropic_config

READ = ToolSpec("read_file", "Read a file", {"type": "object", "properties": {"path": {"type": "string"}}})


def ask(provider: AnthropicProvider, text: str = "hi", **options) -> list:
    return list(provider.stream_chat(ChatRequest([Message("user", text)], **options)))


def test_streams_text_then_done_with_usage(wire_server: WireServer) -> None:
    wire_server.script(Reply("Hel", "lo", "!", usage=(31, 4)))
    events = ask(AnthropicProvider(anthropic_config(wire_server)))
    assert events == [
        TextDelta("Hel"), TextDelta("lo"), TextDelta("!"),
        Done("end", Usage(input_tokens=31, output_tokens=4)),
    ]


def test_system_prompt_and_context_carry_cache_control(wire_server: WireServer) -> None:
    wire_server.script(Reply("ok"))
    ask(AnthropicProvider(anthropic_config(wire_server)), system="Be terse.", context="file a.py ...")
    body = wire_server.requests[-1].body
    assert body["system"] == [
        {"type": "text", "text": "Be terse.", "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": "file a.py ...", "cache_control": {"type": "ephemeral"}},
    ]
    assert body["model"] == "claude-sonnet-5-5" and body["stream"] is True and "temperature" not in body
    assert wire_server.requests[-1].headers["authorization"] == "Bearer sk-ant-test"


def test_streamed_tool_call_is_assembled_in_done(wire_server: WireServer) -> None:
    wire_server.script(Reply("Let me look.", tool_calls=[Call("read_file", {"path": "app/x.py"}, id="toolu_7", pieces=4)]))
    events = ask(AnthropicProvider(anthropic_config(wire_server)), tools=[READ])
    done = events[-1]
    assert done.stop_reason == "tool_use"
    assert done.tool_calls == (ToolCall("toolu_7", "read_file", {"path": "app/x.py"}),)
    assert wire_server.requests[-1].body["tools"] == [
        {"name": "read_file", "description": "Read a file", "input_schema": READ.input_schema}
    ]


def test_tool_calls_and_results_are_sent_back_as_blocks(wire_server: WireServer) -> None:
    wire_server.script(Reply("done"))
    history = [
        Message("user", "open x"),
        Message("assistant", "", tool_calls=[ToolCall("toolu_1", "read_file", {"path": "x"})]),
        Message("user", "", tool_results=[ToolResult("toolu_1", "no such file", is_error=True)]),
    ]
    list(AnthropicProvider(anthropic_config(wire_server)).stream_chat(ChatRequest(history)))
    sent = wire_server.requests[-1].body["messages"]
    assert sent[0] == {"role": "user", "content": "open x"}
    assert sent[1] == {"role": "assistant", "content": [
        {"type": "tool_use", "id": "toolu_1", "name": "read_file", "input": {"path": "x"}}]}
    assert sent[2] == {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "no such file", "is_error": True}]}


def test_429_is_retried_honouring_retry_after(wire_server: WireServer) -> None:
    wire_server.script(Status(429, "slow down", headers={"retry-after": "0.3"}), Reply("ok"))
    provider = AnthropicProvider(anthropic_config(wire_server, max_retries=1))
    started = time.monotonic()
    events = ask(Router([provider]))
    assert events[0] == Retrying("anthropic", 2, 2, "rate limited (429): slow down", 0.3)
    assert events[1] == TextDelta("ok") and len(wire_server.requests) == 2
    assert time.monotonic() - started >= 0.3  # waited as the server asked


def test_429_after_retries_is_a_retryable_error(wire_server: WireServer) -> None:
    wire_server.script(Status(429, "slow down", headers={"retry-after": "0"}))
    with pytest.raises(ProviderError) as caught:
        ask(AnthropicProvider(anthropic_config(wire_server)))
    assert caught.value.retryable
    assert str(caught.value) == "anthropic: rate limited (429): slow down"


def test_500_is_retryable(wire_server: WireServer) -> None:
    wire_server.script(Status(500, "boom"))
    with pytest.raises(ProviderError) as caught:
        ask(AnthropicProvider(anthropic_config(wire_server)))
    assert caught.value.retryable and "server error (500): boom" in str(caught.value)


def test_bad_key_is_one_line_and_not_retryable(wire_server: WireServer) -> None:
    wire_server.script(Status(401, "invalid x-api-key"))
    with pytest.raises(ProviderError) as caught:
        ask(AnthropicProvider(anthropic_config(wire_server)))
    assert not caught.value.retryable
    assert str(caught.value) == "anthropic: authentication failed (401) — check ANTHROPIC_API_KEY"


def test_missing_key_is_reported_before_any_request(wire_server: WireServer) -> None:
    with pytest.raises(ProviderError, match="no API key — set ANTHROPIC_API_KEY"):
        ask(AnthropicProvider(anthropic_config(wire_server, api_key=None)))
    assert wire_server.requests == []


def test_connection_dropped_mid_stream_is_broken_not_an_answer(wire_server: WireServer) -> None:
    wire_server.script(Reply("The answer is", " 42", " and more", drop_after=1))
    events = []
    with pytest.raises(StreamBroken, match="anthropic: stream broke"):
        for event in AnthropicProvider(anthropic_config(wire_server)).stream_chat(ChatRequest([Message("user", "q")])):
            events.append(event)
    assert events == [TextDelta("The answer is")]  # no Done: the partial text is not an answer


def test_stream_ending_without_message_stop_is_broken(wire_server: WireServer) -> None:
    wire_server.script(Reply("half", finish=False))
    with pytest.raises(StreamBroken, match="before message_stop"):
        ask(AnthropicProvider(anthropic_config(wire_server)))


def test_server_that_hangs_times_out(wire_server: WireServer) -> None:
    wire_server.script(Hang())
    with pytest.raises(ProviderError) as caught:
        ask(AnthropicProvider(anthropic_config(wire_server, timeout=0.5)))
    assert caught.value.retryable and str(caught.value) == "anthropic: no answer after 0.5s (timed out)"


def test_stream_that_stalls_part_way_times_out_as_broken(wire_server: WireServer) -> None:
    wire_server.script(Reply("a", "b", hang_after=1))
    with pytest.raises(StreamBroken, match="timed out"):
        ask(AnthropicProvider(anthropic_config(wire_server, timeout=0.5)))


def test_fim_asks_the_chat_model_and_strips_a_fence(wire_server: WireServer) -> None:
    wire_server.script(Reply("```python\n", "return a + b\n```", usage=(50, 6)))
    fill = AnthropicProvider(anthropic_config(wire_server)).complete_fim("def add(a, b):\n    ", "\n\nprint(add(1, 2))")
    assert fill == Fill("return a + b", Usage(input_tokens=50, output_tokens=6))
    body = wire_server.requests[-1].body
    assert "def add(a, b):" in body["messages"][0]["content"] and "print(add(1, 2))" in body["messages"][0]["content"]
    assert "only the text to insert" in body["system"][0]["text"]


def test_error_event_inside_the_stream_is_broken(wire_server: WireServer) -> None:
    wire_server.script(Reply("partial", "rest", error_after=1))
    with pytest.raises(StreamBroken) as caught:
        ask(AnthropicProvider(anthropic_config(wire_server)))
    assert str(caught.value) == "anthropic: stream broke: the server reported: Overloaded"


def test_cache_reads_and_writes_are_counted_apart(wire_server: WireServer) -> None:
    wire_server.script(Reply("ok", usage=(10, 3), cached=(5000, 1200)))
    done = ask(AnthropicProvider(anthropic_config(wire_server)), system="s", context="c")[-1]
    assert done.usage == Usage(input_tokens=10, output_tokens=3, cache_read_tokens=5000, cache_write_tokens=1200)

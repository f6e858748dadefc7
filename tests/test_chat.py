"""ChatSession through the real Router, Meter and OpenAI provider, against the local wire server."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import threading
from pathlib import Path

import pytest

from app.chat import Answered, ChatSession, ContextWarning
from app.config import Config, ProviderConfig
from app.llm.base import Done, ProviderError, StreamBroken, TextDelta
from app.llm.meter import Meter
from app.llm.registry import build_router
from tests.wire_server import Call, Reply, Status, WireServer, anthropic_config, openai_config


@pytest.fixture
def session(tmp_path: Path, wire_server: WireServer) -> ChatSession:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "notes.txt").write_text("remember the milk\n")
    config = Config(providers=[ProviderConfig(
        name="openai", kind="openai", model="gpt-4.1-mini", base_url=wire_server.openai_url,
        api_key="test", max_retries=0, timeout=5.0,
    )])
    return ChatSession(tmp_path, build_router(config), Meter())


def test_turn_streams_and_is_recorded(session: ChatSession, wire_server: WireServer) -> None:
    wire_server.script(Reply("Hel", "lo", usage=(1000, 20)))
    events = list(session.stream_turn("hi"))
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Hel", "lo"]
    assert isinstance(events[-2], Done) and isinstance(events[-1], Answered)
    turn = session.turns[-1]
    assert (turn.status, turn.answer, turn.provider) == ("complete", "Hello", "openai/gpt-4.1-mini")
    assert turn.cost is not None and session.meter.input_tokens == 1000
    assert [(m.role, m.content) for m in session.messages()] == [("user", "hi"), ("assistant", "Hello")]
    body = wire_server.requests[-1].body
    system = " ".join(str(m["content"]) for m in body["messages"] if m["role"] == "system")
    assert "SEARCH/REPLACE" in system and session.repo_root.name in system


def test_broken_stream_is_not_an_answer(session: ChatSession, wire_server: WireServer) -> None:
    wire_server.script(Reply("half ", "rest", drop_after=1), Reply("next"))
    with pytest.raises(StreamBroken):
        list(session.stream_turn("q1"))
    turn = session.turns[-1]
    assert turn.status == "broken" and turn.answer == "half "
    assert turn.cost is not None and turn.cost.usage.estimated  # spent, though not reported
    assert session.meter.output_tokens == 2 and session.meter.format().startswith("~")
    list(session.stream_turn("q2"))
    sent = wire_server.requests[-1].body["messages"]
    assistant = next(m for m in sent if m["role"] == "assistant")
    assert assistant["content"].startswith("half ") and "cut off" in assistant["content"]


def test_failed_turn_without_text_is_left_out(session: ChatSession, wire_server: WireServer) -> None:
    wire_server.script(Status(400, "bad request"), Reply("ok"))
    with pytest.raises(ProviderError):
        list(session.stream_turn("q1"))
    assert session.turns[-1].status == "failed" and session.meter.requests == []
    list(session.stream_turn("q2"))
    sent = [m for m in wire_server.requests[-1].body["messages"] if m["role"] != "system"]
    assert [m["content"] for m in sent] == ["q2"]


def test_cancel_from_another_thread(session: ChatSession, wire_server: WireServer) -> None:
    wire_server.script(Reply("a", "b", "c", "d", delay=0.05))
    got: list[str] = []
    for event in session.stream_turn("q"):
        if isinstance(event, TextDelta):
            got.append(event.text)
            if len(got) == 2:
                threading.Thread(target=session.cancel).start()
                threading.Event().wait(0.02)
    assert got == ["a", "b"]
    assert session.turns[-1].status == "cancelled" and session.turns[-1].answer == "ab"
    assert not session.streaming


def test_abandoned_iteration_counts_as_cancelled(session: ChatSession, wire_server: WireServer) -> None:
    wire_server.script(Reply("a", "b"))
    stream = session.stream_turn("q")
    next(stream)
    stream.close()
    assert session.turns[-1].status == "cancelled"


def test_feedback_turn_and_context(session: ChatSession, wire_server: WireServer) -> None:
    wire_server.script(Reply("ok"))
    session.context.add("notes.txt")
    (session.repo_root / "notes.txt").unlink()
    events = list(session.stream_turn("The hunk was rejected: keep the old name.", kind="feedback"))
    assert isinstance(events[0], ContextWarning) and "no longer exists" in events[0].text
    assert session.turns[-1].kind == "feedback"
    sent = wire_server.requests[-1].body["messages"]
    assert sent[-1] == {"role": "user", "content": "The hunk was rejected: keep the old name."}


def test_context_is_sent_and_clear_keeps_it(session: ChatSession, wire_server: WireServer) -> None:
    wire_server.script(Reply("ok"), Reply("ok"))
    session.context.add("notes.txt")
    list(session.stream_turn("q1"))
    session.clear()
    assert session.turns == [] and session.context.paths == ["notes.txt"]
    list(session.stream_turn("q2"))
    text = str(wire_server.requests[-1].body)
    assert "remember the milk" in text and "q1" not in text


def test_one_turn_at_a_time(session: ChatSession, wire_server: WireServer) -> None:
    wire_server.script(Reply("a", "b"))
    stream = session.stream_turn("q")
    next(stream)
    with pytest.raises(RuntimeError):
        next(session.stream_turn("again"))
    stream.close()


def test_system_prompt_example_is_an_edit_aimed_at_a_real_file(session: ChatSession) -> None:
    from app.edits.parse import SearchReplace, parse_edits

    edits = parse_edits(session.system_prompt())
    assert len(edits) == 1 and isinstance(edits[0], SearchReplace)
    assert edits[0].path == "notes.txt"  # the repo's one file: no placeholder a model could copy
    assert edits[0].search.strip().startswith("def greet(name):")
    (session.repo_root / "calc.py").write_text("X = 1\n")
    session.context.add("calc.py")
    assert parse_edits(session.system_prompt())[0].path == "calc.py"  # a file the model is shown


def test_a_small_local_model_is_asked_for_whole_files_in_the_compact_prompt(session: ChatSession, wire_server: WireServer) -> None:
    session.switch("openai", "qwen2.5-coder:1.5b")
    wire_server.script(Reply("ok"))
    list(session.stream_turn("hi"))
    system = wire_server.requests[-1].body["messages"][0]["content"]
    assert "write each changed file in full" in system and "SEARCH" not in system
    assert len(system) < 1000


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_stopping_a_hung_request_closes_it_and_ends_the_retries(tmp_path: Path, wire_server: WireServer, kind: str) -> None:
    """Stopped while the server has not answered: the connection closes at once, the SDK's
    retries send nothing more, and the prompt's tokens (estimated) reach the meter."""
    from tests.wire_server import Hang, anthropic_config, openai_config

    make = openai_config if kind == "openai" else anthropic_config
    config = Config(providers=[make(wire_server, max_retries=2, timeout=30.0)])
    session = ChatSession(tmp_path, build_router(config), Meter())
    wire_server.default = Hang()
    outcome: list[object] = []

    def ask() -> None:
        try:
            outcome.extend(session.stream_turn("hello?"))
        except ProviderError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    while not wire_server.requests:
        threading.Event().wait(0.01)
    session.cancel()
    assert wire_server.wait_for_disconnect(2), "the connection stayed open"
    thread.join(10)  # the SDK's retry pauses, at most a few seconds; the timeout is 30 s
    assert not thread.is_alive()
    assert len(wire_server.requests) == 1
    turn = session.turns[-1]
    assert turn.status == "cancelled" and outcome == []
    assert turn.cost is not None and turn.cost.usage.estimated and turn.cost.usage.input_tokens > 0


def test_a_request_too_long_for_the_window_is_flagged_before_it_is_sent(session: ChatSession, wire_server: WireServer) -> None:
    from tests.wire_server import EmptyStream

    (session.repo_root / "big.py").write_text("x = 1  # padding the context\n" * 600)
    session.context.add("big.py")
    wire_server.script(EmptyStream(), Status(400, "Requested tokens (5206) exceed context window of 4096"))
    events: list[object] = []
    with pytest.raises(ProviderError, match="the server said: Requested tokens .5206. exceed context window of 4096"):
        events.extend(session.stream_turn("q1"))
    assert not any(isinstance(e, ContextWarning) for e in events)  # the window was not known yet
    wire_server.script(Reply("ok"))
    events = list(session.stream_turn("q2"))
    [warning] = [e for e in events if isinstance(e, ContextWarning)]
    assert "holds 4,096 (prompt and answer together): it may be refused" in warning.text


def test_each_request_starts_as_the_last_one_did_so_the_servers_cache_serves_it(session: ChatSession, wire_server: WireServer) -> None:
    """A changed file is given with the next question instead of rewriting the context block:
    every request begins with all of the one before it (system, context, turns)."""
    calc = session.repo_root / "calc.py"
    calc.write_text("def add(a, b):\n    return a + b\n")
    session.context.add("calc.py")
    sent = []
    for question, change in (("q1", None), ("q2", "return a - b"), ("q3", None), ("q4", "return a * b")):
        if change:
            calc.write_text(f"def add(a, b):\n    {change}\n")
        wire_server.script(Reply(f"answer to {question}"))
        list(session.stream_turn(question))
        sent.append(wire_server.requests[-1].body["messages"])
    for before, after in zip(sent, sent[1:]):
        assert after[: len(before) - 1] == before[:-1]  # all but the last question, unchanged
        assert after[len(before) - 1]["content"] == before[-1]["content"]  # …and that question too
    assert "return a + b" in sent[0][0]["content"] and "return a + b" in sent[3][0]["content"]  # the block as made
    q2, q4 = sent[1][-1]["content"], sent[3][-1]["content"]
    assert "changed since you last saw them" in q2 and "return a - b" in q2 and q2.endswith("q2")
    assert "return a * b" in q4 and sent[2][-1]["content"] == "q3"  # unchanged: nothing repeated
    # a file leaving the context makes the block anew, and earlier copies go
    session.context.drop("calc.py")
    wire_server.script(Reply("ok"))
    list(session.stream_turn("q5"))
    final = wire_server.requests[-1].body["messages"]
    assert not any("return a" in str(m["content"]) for m in final)


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_a_turn_keeps_its_tool_calls_and_the_model_hears_that_they_were_not_run(
    tmp_path: Path, wire_server: WireServer, kind: str
) -> None:
    """Nothing runs tools yet: a call the model makes anyway is answered as not run, so the next
    request is one the API accepts (a call left unanswered is refused)."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    config = anthropic_config(wire_server) if kind == "anthropic" else openai_config(wire_server)
    session = ChatSession(tmp_path, build_router(Config(providers=[config])), Meter())
    wire_server.script(Reply("Looking.", tool_calls=[Call("read_file", {"path": "a.py"}, id="call_1")]), Reply("ok"))
    list(session.stream_turn("what is in a.py?"))
    turn = session.turns[-1]
    assert [(c.id, c.name, c.arguments) for c in turn.tool_calls] == [("call_1", "read_file", {"path": "a.py"})]
    json.dumps(dataclasses.asdict(turn))  # a session log writes turns as they are
    list(session.stream_turn("and now?"))
    sent = json.dumps(wire_server.requests[-1].body["messages"])
    assert "call_1" in sent and "not run: no tool was offered with this request" in sent


def test_the_request_size_by_part_matches_the_request_then_sent(tmp_path: Path) -> None:
    from app.chat import RequestSize
    from app.llm.meter import Meter, estimate_tokens
    from app.llm.router import Router
    from app.llm.scripted import ScriptedProvider

    (tmp_path / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    (tmp_path / "main.py").write_text("from calc import add\n\nprint(add(1, 2))\n")
    model = ScriptedProvider("first", "second", model="claude-sonnet-4-5-20250929")
    session = ChatSession(tmp_path, Router([model]), Meter(), map_tokens=512)
    session.context.add("main.py")
    list(session.stream_turn("one"))
    (tmp_path / "main.py").write_text("from calc import add\n\nprint(add(2, 2))\n")  # told with the next question
    size = session.request_size()
    list(session.stream_turn("two"))
    sent = model.requests[-1]
    conversation = "".join(m.content for m in sent.messages)
    assert size.system == estimate_tokens(sent.system) and size.map > 0
    assert 0 <= estimate_tokens(sent.system + sent.context + conversation) - size.total - estimate_tokens("two") <= 4
    assert size.window == 200_000  # the price table's, for a model with no configured window
    assert RequestSize(1, 2, 3, 4, None).total == 10


def test_the_map_is_ranked_for_the_identifiers_the_first_question_names(tmp_path: Path) -> None:
    from app.llm.meter import Meter
    from app.llm.router import Router
    from app.llm.scripted import ScriptedProvider

    (tmp_path / "alpha.py").write_text("class Alpha:\n    pass\n")
    (tmp_path / "beta.py").write_text("def beta_total(x):\n    return x\n")
    plain = ScriptedProvider("ok")
    list(ChatSession(tmp_path, Router([plain]), Meter(), map_tokens=512).stream_turn("what is here?"))
    assert plain.requests[-1].context.index("alpha.py") < plain.requests[-1].context.index("beta.py")
    named = ScriptedProvider("ok")
    list(ChatSession(tmp_path, Router([named]), Meter(), map_tokens=512).stream_turn("why is beta_total wrong?"))
    assert named.requests[-1].context.index("beta.py") < named.requests[-1].context.index("alpha.py")

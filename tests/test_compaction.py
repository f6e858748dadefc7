"""Compacting the conversation: the older turns summarised by the model stand in for them, the
newest stay as they were, a failure or a stop leaves everything as it was, and undo puts it back."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest

from app.chat import ChatSession, CompactError
from app.llm.base import ProviderError, ToolCall, ToolResult
from app.llm.meter import Meter
from app.llm.router import Router
from app.llm.scripted import Reply, ScriptedProvider


def session_with(tmp_path: Path, *answers: str | Reply) -> tuple[ChatSession, ScriptedProvider]:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    model = ScriptedProvider(*answers)
    return ChatSession(tmp_path, Router([model]), Meter()), model


def talk(session: ChatSession, *questions: str) -> None:
    for question in questions:
        list(session.stream_turn(question))


def test_the_older_turns_are_summarised_and_the_summary_stands_in_for_them(tmp_path: Path) -> None:
    session, model = session_with(tmp_path, "A" * 4000, "B" * 4000, "C" * 4000, "short", "The person wants X; done Y.", "next")
    talk(session, "first question", "second question", "third question", "fourth question")
    before = session.messages()
    compacted = session.compact()
    asked = model.requests[-1]
    assert asked.tools == () and asked.system == "" and len(asked.messages) == 1
    summary_request = asked.messages[0].content
    assert "Person: first question" in summary_request and "Assistant: AAAA" in summary_request
    assert "fourth question" not in summary_request  # the newest turn is kept as it is
    assert (compacted.turns, compacted.summary) == (3, "The person wants X; done Y.")
    assert compacted.after < compacted.before / 3
    assert [t.prompt for t in session.turns] == ["fourth question"]
    talk(session, "fifth question")
    sent = model.requests[-1].messages
    assert sent[0].role == "user" and sent[0].content.startswith("[The earlier part of this conversation was summarised")
    assert "The person wants X; done Y.\n\nfourth question" in sent[0].content
    assert [m.content for m in sent[1:]] == ["short", "fifth question"]
    assert len(session.meter.requests) == 6  # the summary is metered like a turn
    assert session.uncompact() == 3
    assert session.messages()[: len(before)] == before  # exactly as it was, the new turn after it
    with pytest.raises(CompactError, match="no compaction to undo"):
        session.uncompact()


def test_nothing_to_compact_and_a_failed_summary_leave_the_conversation_as_it_was(tmp_path: Path) -> None:
    session, model = session_with(tmp_path, "only answer", "second", Reply(fail="overloaded"), Reply("   "))
    talk(session, "only question")
    with pytest.raises(CompactError, match="nothing to compact yet"):
        session.compact()
    assert len(model.requests) == 1  # nothing was asked
    talk(session, "another")
    before = session.messages()
    with pytest.raises(ProviderError, match="overloaded"):
        session.compact()
    with pytest.raises(ProviderError, match="came back empty"):
        session.compact()
    assert session.messages() == before and len(session.turns) == 2


def test_a_summary_being_written_is_stopped_by_cancel(tmp_path: Path) -> None:
    session, model = session_with(tmp_path, "one", "two", Reply("The summ", hold=True))
    talk(session, "first", "second")
    before = session.messages()
    errors: list[Exception] = []

    def compact() -> None:
        try:
            session.compact()
        except ProviderError as exc:
            errors.append(exc)

    worker = threading.Thread(target=compact)
    worker.start()
    assert model.streaming.wait(5)
    session.cancel()
    worker.join(5)
    assert [str(e) for e in errors] == ["scripted: the summary was stopped"]
    assert session.messages() == before
    assert len(session.meter.requests) == 3  # what the stopped summary spent is counted, estimated


def test_an_agent_run_is_cut_between_tool_turns_and_stays_a_valid_conversation(tmp_path: Path) -> None:
    calls = [ToolCall(f"call_{i}", "read_file", {"path": f"f{i}.py"}) for i in range(4)]
    answers = [Reply("", tool_calls=(call,)) for call in calls]
    session, model = session_with(tmp_path, *answers, "summary of the reading", "more")
    list(session.stream_turn("read everything"))
    for index in range(3):
        session.turns[-1].tool_results = [ToolResult(calls[index].id, "x = 1\n" * 300)]
        list(session.stream_turn("", kind="tool"))
    session.turns[-1].tool_results = [ToolResult(calls[3].id, "y = 2\n")]
    compacted = session.compact()
    assert "Tool call: read_file {\"path\": \"f0.py\"}" in model.requests[-1].messages[0].content
    assert compacted.turns == 3 and session.turns[0].kind == "tool"
    messages = session.messages()
    assert [m.role for m in messages] == ["user", "assistant", "user"]  # the summary opens it
    assert messages[1].tool_calls[0].id == "call_3" and messages[2].tool_results[0].call_id == "call_3"


def test_a_second_compaction_summarises_the_first_summary_too(tmp_path: Path) -> None:
    session, model = session_with(tmp_path, "a" * 2000, "b" * 2000, "FIRST SUMMARY", "c" * 2000, "d", "SECOND")
    talk(session, "one", "two")
    session.compact()
    talk(session, "three", "four")
    session.compact()
    assert "FIRST SUMMARY" in model.requests[-1].messages[0].content
    assert session.turns[0].summary.endswith("SECOND") and "FIRST SUMMARY" not in str(session.messages())

"""The session log in the core: events appended whole and fsynced at turn boundaries, 0600, no
secret in it, a torn last line skipped with a note, parts for a long one, pruning; and a session
resumed from it sends the wire server the same messages the original would have."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest

from app import session_log
from app.chat import ChatSession
from app.config import Config
from app.conversation import Conversation
from app.llm.meter import Meter
from app.llm.registry import build_router
from app.session_log import SessionLog, load
from app.transcript import Transcript, restore
from tests.test_conversation import CALC, TYPE_ADD, ScriptedReviewer, accept_all
from tests.widgets.conftest import make_repo
from tests.wire_server import Reply, WireServer, openai_config


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    make_repo(tmp_path, {"calc.py": CALC, ".env": "OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz0123\n"})
    return tmp_path


def logged_session(repo: Path, server: WireServer) -> tuple[ChatSession, SessionLog]:
    session = ChatSession(repo, build_router(Config(providers=[openai_config(server)])), Meter())
    log = SessionLog.start(repo, level="files", provider="openai")
    session.transcript = Transcript(log)
    session.meter.on_record = lambda request: log.append("request", model=request.model, cost=request.cost)
    return session, log


def test_a_conversation_is_logged_as_it_goes_and_resumed_the_same(repo: Path, wire_server: WireServer) -> None:
    wire_server.script(Reply(TYPE_ADD), Reply("The answer to the second."), Reply("Third."), Reply("Third."))
    session, log = logged_session(repo, wire_server)
    session.context.add("calc.py")
    conversation = Conversation(session, ScriptedReviewer(accept_all))
    list(conversation.send("type add"))
    list(conversation.send("and now?"))
    log.close()  # the session ends here (quit, or kill -9)...
    list(conversation.send("and then?"))  # ...what the original would have sent next
    original = wire_server.requests[-1].body

    loaded = load(log.path)
    kinds = [e["e"] for e in loaded.events]
    assert kinds[0] == "session" and "review" in kinds and kinds.count("request") == 2 and not loaded.skipped
    review = next(e for e in loaded.events if e["e"] == "review")
    assert review["decisions"][0]["accepted"] and review["decisions"][0]["lines"] == 2 and review["written"] == ["calc.py"]
    assert stat.S_IMODE(os.stat(log.path).st_mode) == 0o600

    resumed = ChatSession(repo, build_router(Config(providers=[openai_config(wire_server)])), Meter())
    assert restore(resumed, loaded) == []
    assert resumed.context.paths == ["calc.py"] and len(resumed.turns) == 2
    list(Conversation(resumed, ScriptedReviewer()).send("and then?"))
    assert wire_server.requests[-1].body == original  # the same conversation, context block and all


def test_no_secret_reaches_the_log(repo: Path, wire_server: WireServer) -> None:
    wire_server.script(Reply("My key is sk-ant-api03-abcdefghijklmnopqrstuvwx, do not tell."))
    session, log = logged_session(repo, wire_server)
    session.context.add(".env", force=True)  # the person added it, knowingly
    list(Conversation(session, ScriptedReviewer()).send("what is in .env?"))
    log.close()
    text = log.path.read_text()
    assert "sk-proj-abcdefghijklmnopqrstuvwxyz0123" not in text and "sk-ant-api03-abcdef" not in text
    assert session_log.REDACTED in text


def test_a_torn_last_line_is_skipped_with_a_note_and_a_long_log_goes_on_in_parts(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = SessionLog.start(repo, level="files")
    log.append("level", level="agent")
    log.close()
    with open(log.path, "a") as file:
        file.write('{"e": "turns", "keep": 0, "ad')  # a kill -9 in the middle of a write
    loaded = load(log.path)
    assert [e["e"] for e in loaded.events] == ["session", "level"] and loaded.skipped == 1
    assert loaded.note.endswith("1 unreadable line skipped (cut off by a crash)")

    monkeypatch.setattr(session_log, "MAX_BYTES", 200)
    long = SessionLog.start(repo, level="files")
    for n in range(10):
        long.append("level", level=f"level-{n}" + "x" * 50)
    long.close()
    assert len(session_log.parts(long.path)) > 2
    assert [e.get("level") for e in load(long.path).events][-1].startswith("level-9")
    again = SessionLog.resume(long.path)  # appended to in a part of its own
    again.append("level", level="after")
    again.close()
    assert load(long.path).events[-1]["level"] == "after"


def test_sessions_are_found_newest_first_and_pruned(repo: Path) -> None:
    first = SessionLog.start(repo, level="files")
    first.close()
    time.sleep(1.1)  # ids are by the second
    second = SessionLog.start(repo, level="agent")
    second.close()
    assert session_log.session_files(repo) == [second.path, first.path]
    assert session_log.find(repo, None) == second.path and session_log.find(repo, first.id[:17]) == first.path
    old = time.time() - 40 * 86400
    os.utime(first.path, (old, old))
    assert session_log.prune(30 * 86400, repo) == [first.id] and session_log.session_files(repo) == [second.path]
    assert not str(session_log.repo_folder(repo)).startswith(str(repo))  # never inside the repository
    assert json.loads(second.path.read_text().splitlines()[0])["repo"] == str(repo.resolve())


def test_the_agent_logs_its_approvals_and_reviews_and_no_secret_it_tried_to_read(repo: Path) -> None:
    from app.agent.loop import Agent, Answer
    from app.llm.router import Router
    from app.llm.scripted import Reply as Said
    from app.llm.scripted import ScriptedProvider
    from tests.test_agent import ScriptedApprover, call

    model = ScriptedProvider(call("read_file", 1, path=".env"), call("run_command", 2, command="echo hi"),
                             call("propose_edit", 3, edits=TYPE_ADD), Said("Done."))
    session = ChatSession(repo, Router([model]), Meter())
    log = SessionLog.start(repo, level="agent")
    session.transcript = Transcript(log)
    conversation = Conversation(session, ScriptedReviewer(accept_all))
    list(Agent(conversation, ScriptedApprover(Answer(False, comment="not now"))).run("type add"))
    log.close()
    events = load(log.path).events
    approval = next(e for e in events if e["e"] == "approval")
    assert (approval["command"], approval["yes"], approval["comment"]) == ("echo hi", False, "not now")
    review = next(e for e in events if e["e"] == "review")
    assert review["proposed"] == [{"path": "calc.py", "hunks": 1, "lines": 2}] and review["level"] == "agent"
    text = log.path.read_text()
    assert "abcdefghijklmnopqrstuvwxyz0123" not in text  # the .env the model asked for never reached the log
    assert stat.S_IMODE(os.stat(log.path).st_mode) == 0o600


def test_keep_false_logs_nothing(repo: Path, wire_server: WireServer) -> None:
    from app.commands.common import keep_session
    from app.config import SessionsConfig

    config = Config(providers=[openai_config(wire_server)], sessions=SessionsConfig(keep=False))
    session = ChatSession(repo, build_router(config), Meter())
    assert keep_session(session, config, "files") == [] and session.transcript is None
    wire_server.script(Reply("Hi."))
    list(Conversation(session, ScriptedReviewer()).send("hello"))
    assert session_log.session_files(repo) == []


def test_a_question_is_logged_before_its_answer_and_a_crash_mid_answer_resumes_as_broken_off(repo: Path, wire_server: WireServer) -> None:
    from tests.wire_server import Hang

    wire_server.script(Hang())
    session, log = logged_session(repo, wire_server)
    import threading

    events = session.stream_turn("a question the crash cut off")
    answering = threading.Thread(target=lambda: list(events), daemon=True)
    answering.start()
    deadline = time.monotonic() + 5
    while not wire_server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    loaded = load(log.path)  # read while it hangs, as after a kill -9
    resumed = ChatSession(repo, build_router(Config(providers=[openai_config(wire_server)])), Meter())
    restore(resumed, loaded)
    [turn] = resumed.turns
    assert turn.prompt == "a question the crash cut off" and turn.status == "broken"
    session.cancel()
    answering.join(5)


def test_a_clear_or_a_retract_is_logged_at_once_and_an_unchanged_record_writes_nothing(repo: Path, wire_server: WireServer) -> None:
    wire_server.script(Reply("One."), Reply("Two."))
    session, log = logged_session(repo, wire_server)
    conversation = Conversation(session, ScriptedReviewer())
    list(conversation.send("first"))
    list(conversation.send("second"))
    size = log.path.stat().st_size
    session.record()
    assert log.path.stat().st_size == size  # nothing changed: nothing written
    session.retract()
    restored = ChatSession(repo, build_router(Config(providers=[openai_config(wire_server)])), Meter())
    restore(restored, load(log.path))
    assert [t.prompt for t in restored.turns] == ["first"]
    conversation.clear()
    restored = ChatSession(repo, build_router(Config(providers=[openai_config(wire_server)])), Meter())
    restore(restored, load(log.path))
    assert restored.turns == []


def test_a_log_that_cannot_be_written_stops_and_the_session_goes_on(repo: Path, wire_server: WireServer,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    wire_server.script(Reply("Still answered."))
    session, log = logged_session(repo, wire_server)

    def full(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(session_log.os, "fsync", full)
    said = list(Conversation(session, ScriptedReviewer()).send("hello"))
    assert session.turns[-1].answer == "Still answered." and not any(type(e).__name__ == "TurnFailed" for e in said)
    assert log.failed == "the session log stopped: No space left on device"

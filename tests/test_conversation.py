"""The conversation loop in the core, with a scripted in-process model and a scripted reviewer:
edits placed, refused edits sent back once, the review, its feedback, a stop, a failure, /undo.
A real git repository in a temp dir; the TUI's wiring is tested in tests/tui/test_edit_loop.py."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.chat import Answered, ChatSession
from app.conversation import Conversation, LoopEvent, Notice, TurnFailed, TurnStarted
from app.edits.apply import ApplyError
from app.llm.base import Done, TextDelta
from app.llm.meter import Meter
from app.llm.router import Router
from app.llm.scripted import Reply, ScriptedProvider
from app.proposal import Proposal
from app.review import Review, ReviewResult, WriteAccepted
from tests.widgets.conftest import make_repo

CALC = "def add(a, b):\n    return a + b\n" + "".join(f"# note {i}\n" for i in range(10)) + "\n\ndef sub(a, b):\n    return a - b\n"

Decide = Callable[[Review], None] | None
"""What the scripted person does in one review (None: closes it without writing)."""


def block(search: str, replace: str, path: str = "calc.py") -> str:
    return f"{path}\n```python\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n```\n"


TYPE_ADD = block("def add(a, b):\n", "def add(a: int, b: int) -> int:\n")
TYPE_SUB = block("def sub(a, b):\n", "def sub(a: int, b: int) -> int:\n")
WRONG_SUB = block("def subtract(a, b):\n", "def sub(a: int, b: int) -> int:\n")


def accept_all(review: Review) -> None:
    review.accept_all()


class ScriptedReviewer:
    """Decides each review as scripted, writing through the loop's target as the screen does."""

    def __init__(self, *decisions: Decide) -> None:
        self.decisions = list(decisions)
        self.seen: list[Proposal] = []

    def review(self, proposal: Proposal, target: WriteAccepted) -> ReviewResult | None:
        self.seen.append(proposal)
        decide = self.decisions.pop(0)
        if decide is None:
            return None
        review = Review(proposal.changeset)
        decide(review)
        return target.write(review.result())


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    make_repo(tmp_path, {"calc.py": CALC})
    return tmp_path


def conversation(repo: Path, model: ScriptedProvider, reviewer: ScriptedReviewer) -> Conversation:
    session = ChatSession(repo, Router([model]), Meter())
    session.context.add("calc.py")
    return Conversation(session, reviewer)


def last_question(model: ScriptedProvider) -> str:
    return model.requests[-1].messages[-1].content


def notices(events: list[LoopEvent]) -> list[str]:
    return [e.text for e in events if isinstance(e, Notice)]


def test_an_answer_without_edits_is_one_turn_and_no_review(repo: Path) -> None:
    model, reviewer = ScriptedProvider("Use a dict.\n"), ScriptedReviewer()
    loop = conversation(repo, model, reviewer)
    events = list(loop.send("how?"))
    assert [type(e) for e in events] == [TurnStarted, TextDelta, Done, Answered]
    assert events[-1] == Answered("scripted/script", loop.session.turns[-1].cost)
    assert reviewer.seen == [] and not loop.busy
    for event in events:  # plain values: a log or `--json` can write them as they are
        json.dumps(dataclasses.asdict(event))


def test_accepted_edits_are_written_and_nothing_more_is_sent(repo: Path) -> None:
    model = ScriptedProvider("Typed.\n\n" + TYPE_ADD)
    loop = conversation(repo, model, ScriptedReviewer(accept_all))
    events = list(loop.send("type add"))
    assert "def add(a: int, b: int) -> int:" in (repo / "calc.py").read_text()
    assert notices(events) == ["Wrote calc.py  (/undo puts it back · /test runs the tests)"]
    assert len(model.requests) == 1 and not loop.busy


def test_a_rejected_hunk_and_its_comment_go_back_to_the_model_in_a_feedback_turn(repo: Path) -> None:
    model = ScriptedProvider(TYPE_ADD + TYPE_SUB, "Understood.")

    def reject_sub(review: Review) -> None:
        review.decide(0, 0, True)
        review.decide(0, 1, False, "sub stays untyped")

    events = list(conversation(repo, model, ScriptedReviewer(reject_sub)).send("type both"))
    started = [e for e in events if isinstance(e, TurnStarted)]
    assert [(t.kind, t.title) for t in started] == [("user", ""), ("feedback", "review feedback")]
    feedback = last_question(model)
    assert "REJECTED" in feedback and "sub stays untyped" in feedback and "NOT fully applied" in feedback
    on_disk = (repo / "calc.py").read_text()
    assert "def add(a: int, b: int) -> int:" in on_disk and "def sub(a, b):" in on_disk


def test_a_refused_edit_goes_back_once_before_the_review_and_the_correction_joins_the_kept_edit(repo: Path) -> None:
    model = ScriptedProvider(TYPE_ADD + WRONG_SUB, "Corrected:\n\n" + TYPE_SUB)
    reviewer = ScriptedReviewer(accept_all)
    events = list(conversation(repo, model, reviewer).send("type both"))
    retry = [e for e in events if isinstance(e, TurnStarted)][1]
    assert retry.kind == "feedback" and retry.title == "1 edit could not be placed — asking the model to correct"
    assert "Edit 2" in retry.text and "numbers: 1" in retry.text
    assert len(reviewer.seen) == 1 and len(reviewer.seen[0].changeset.files[0].hunks) == 2
    assert len(model.requests) == 2  # all accepted: nothing more to tell
    assert "def sub(a: int, b: int) -> int:" in (repo / "calc.py").read_text()


def test_a_refusal_that_survives_the_retry_is_shown_and_told_with_the_review_feedback(repo: Path) -> None:
    model = ScriptedProvider(TYPE_ADD + WRONG_SUB, "Sorry, I cannot find it.", "OK.")
    reviewer = ScriptedReviewer(accept_all)
    events = list(conversation(repo, model, reviewer).send("type both"))
    assert len(reviewer.seen[0].changeset.files[0].hunks) == 1
    assert any(n.startswith("Edit dropped — Edit 2") for n in notices(events))
    assert len(model.requests) == 3 and "Edit 2" in last_question(model)  # the refusal, after the review


def test_a_closed_review_is_told_with_the_next_question_and_can_be_reopened_on_the_files_as_they_are(repo: Path) -> None:
    model = ScriptedProvider(TYPE_ADD, "Why not?", "Thanks.")
    reviewer = ScriptedReviewer(None, accept_all)
    loop = conversation(repo, model, reviewer)
    events = list(loop.send("type add"))
    assert (repo / "calc.py").read_text() == CALC and loop.reopenable is not None
    assert any("/review reopens it" in n for n in notices(events))
    list(loop.send("hm"))
    assert "without applying any of them" in last_question(model) and "hm" in last_question(model)
    (repo / "calc.py").write_text("# by hand\n" + CALC)  # the edit is placed anew on this
    list(loop.reopen())
    assert (repo / "calc.py").read_text().startswith("# by hand\ndef add(a: int, b: int) -> int:")
    assert loop.reopenable is None
    with pytest.raises(RuntimeError, match="no closed review"):
        loop.reopen()
    list(loop.send("done"))
    assert "without applying" not in last_question(model)


def test_a_stopped_correction_still_brings_the_edits_placed_before_it_to_review(repo: Path) -> None:
    model = ScriptedProvider(TYPE_ADD + WRONG_SUB, Reply("Let me think", hold=True))
    reviewer = ScriptedReviewer(accept_all)
    loop = conversation(repo, model, reviewer)
    events: list[LoopEvent] = []
    thread = threading.Thread(target=lambda: events.extend(loop.send("type both")))
    thread.start()
    assert model.streaming.wait(10)
    assert loop.busy
    loop.cancel()
    thread.join(10)
    assert not thread.is_alive() and not loop.busy
    assert len(reviewer.seen) == 1 and reviewer.seen[0].retried
    assert "def add(a: int, b: int) -> int:" in (repo / "calc.py").read_text()
    assert loop.session.turns[-1].status == "cancelled"


def test_a_failed_answer_ends_the_loop_with_one_line_and_writes_nothing(repo: Path) -> None:
    model = ScriptedProvider(Reply(fail="connection refused"))
    loop = conversation(repo, model, ScriptedReviewer())
    events = list(loop.send("type add"))
    assert events[-1] == TurnFailed("scripted: connection refused")
    assert not loop.busy and (repo / "calc.py").read_text() == CALC


def test_a_correction_that_breaks_off_still_reviews_what_was_placed(repo: Path) -> None:
    model = ScriptedProvider(TYPE_ADD + WRONG_SUB, Reply("Corrected:\n", fail="the stream ended"))
    reviewer = ScriptedReviewer(accept_all)
    events = list(conversation(repo, model, reviewer).send("type both"))
    assert TurnFailed("scripted: the stream ended") in events
    assert len(reviewer.seen) == 1 and "def add(a: int, b: int)" in (repo / "calc.py").read_text()


def test_undo_puts_the_files_back_and_tells_the_model_with_the_next_question(repo: Path) -> None:
    model = ScriptedProvider(TYPE_ADD + "notes.md\n```markdown\nTyped.\n```\n", "Noted.")
    loop = conversation(repo, model, ScriptedReviewer(accept_all))
    list(loop.send("type add and note it"))
    assert (repo / "notes.md").exists()
    assert loop.undo().paths == ["calc.py", "notes.md"]
    assert (repo / "calc.py").read_text() == CALC and not (repo / "notes.md").exists()
    with pytest.raises(ApplyError, match="nothing to undo"):
        loop.undo()
    list(loop.send("what now?"))
    assert "undid the last edits" in last_question(model) and "calc.py, notes.md" in last_question(model)


def test_the_loop_takes_one_question_at_a_time(repo: Path) -> None:
    model = ScriptedProvider("one", "two")
    loop = conversation(repo, model, ScriptedReviewer())
    events: Iterator[LoopEvent] = loop.send("first")
    assert loop.busy
    with pytest.raises(RuntimeError, match="busy"):
        loop.send("second")
    list(events)
    assert not loop.busy
    list(loop.send("second"))
    assert len(model.requests) == 2


def test_failing_tests_go_to_the_model_whose_fix_is_reviewed_and_passing_tests_are_just_said(tmp_path: Path) -> None:
    make_repo(tmp_path, {"calc.py": "def add(a, b):\n    return a - b\n",
                         "test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"})
    fix = block("    return a - b\n", "    return a + b\n")
    model = ScriptedProvider("The sign is wrong:\n\n" + fix)
    loop = conversation(tmp_path, model, ScriptedReviewer(accept_all))
    events = list(loop.test("python -m pytest -q"))
    said = notices(events)
    assert said[0] == "Running the tests: python -m pytest -q" and said[1].startswith("Tests failed (exit 1")
    started = [e for e in events if isinstance(e, TurnStarted)]
    assert started[0].kind == "feedback" and started[0].title == "tests failed: python -m pytest -q"
    assert "assert -1 == 5" in last_question(model) and "do not change a test" in last_question(model)
    assert "return a + b" in (tmp_path / "calc.py").read_text()
    again = list(loop.test("python -m pytest -q"))
    assert notices(again)[-1].startswith("Tests passed (exit 0") and len(model.requests) == 1


def test_tests_stopped_by_the_person_are_not_sent_to_the_model(repo: Path) -> None:
    model = ScriptedProvider("never asked")
    loop = conversation(repo, model, ScriptedReviewer())
    marker = f"sleep 100.{os.getpid()}3"
    threading.Timer(0.5, loop.cancel).start()
    events = list(loop.test(marker))
    assert notices(events)[-1].startswith("Tests stopped (stopped, ") and model.requests == []
    assert subprocess.run(["pgrep", "-f", marker], capture_output=True).stdout == b""

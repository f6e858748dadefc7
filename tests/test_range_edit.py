"""Selection edits (the Edit level) in the core, with a scripted in-process model: the answer
streams as whole-line drafts of the range, only the range changes, a reply that repeats a line
from either side is refused and asked again once, and the review is the given reviewer's."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.conversation import RangeDrafted, code_block, reaches_outside
from app.llm.scripted import Reply, ScriptedProvider
from tests.test_conversation import CALC, ScriptedReviewer, accept_all, conversation, last_question, notices
from tests.widgets.conftest import make_repo



@pytest.fixture
def repo(tmp_path: Path) -> Path:
    make_repo(tmp_path, {"calc.py": CALC})
    return tmp_path


NEW_ADD = "```python\ndef add(a: int, b: int) -> int:\n    \"\"\"The sum.\"\"\"\n    return a + b\n```\n"


def test_the_range_streams_as_drafts_and_only_it_changes(repo: Path) -> None:
    model = ScriptedProvider(Reply("Here it is:\n" + NEW_ADD))
    chat_reviewer, inline = ScriptedReviewer(), ScriptedReviewer(accept_all)
    loop = conversation(repo, model, chat_reviewer)
    events = list(loop.edit_range("calc.py", 1, 2, "type it and document it", reviewer=inline))
    drafts = [e.text for e in events if isinstance(e, RangeDrafted)]
    assert drafts[0] == "" and drafts[-1] == 'def add(a: int, b: int) -> int:\n    """The sum."""\n    return a + b\n'
    assert all(later.startswith(earlier) for earlier, later in zip(drafts, drafts[1:]))  # line by line
    assert all(d.endswith("\n") or d == "" for d in drafts)
    assert (repo / "calc.py").read_text() == CALC.replace("def add(a, b):\n", 'def add(a: int, b: int) -> int:\n    """The sum."""\n')
    assert len(inline.seen) == 1 and chat_reviewer.seen == []  # the given reviewer decided
    assert "<<<<<<< THE PART TO CHANGE (lines 1-2)\ndef add(a, b):\n    return a + b\n>>>>>>> END" in last_question(model)


def test_a_reply_repeating_the_line_above_is_refused_and_asked_again_once(repo: Path) -> None:
    repeated = "```python\n# note 9\n\n\ndef sub(a: int, b: int) -> int:\n    return a - b\n```\n"  # line 12 is above
    model = ScriptedProvider(Reply(repeated), Reply("```python\n\n\ndef sub(a: int, b: int) -> int:\n    return a - b\n```\n"))
    loop = conversation(repo, model, ScriptedReviewer(accept_all))
    said = notices(list(loop.edit_range("calc.py", 13, 16, "type it")))
    assert any("reaches outside calc.py:13-16 (it starts with line 12, above them): asked again" in n for n in said)
    assert "Your reply was:\n\n" + repeated.strip() in last_question(model) and len(model.requests) == 2
    assert (repo / "calc.py").read_text() == CALC.replace("def sub(a, b):", "def sub(a: int, b: int) -> int:")


def test_twice_outside_changes_nothing(repo: Path) -> None:
    below = "```python\ndef add(a: int, b: int) -> int:\n    return a + b\n# note 0\n```\n"  # line 3 is below
    model = ScriptedProvider(Reply(below), Reply(below))
    reviewer = ScriptedReviewer()
    loop = conversation(repo, model, reviewer)
    said = notices(list(loop.edit_range("calc.py", 1, 2, "type it")))
    assert said[-1].startswith("The model's edit still reaches outside calc.py:1-2 (it ends with line 3, below them)")
    assert (repo / "calc.py").read_text() == CALC and reviewer.seen == []


def test_what_reaches_outside_and_what_does_not() -> None:
    lines = ["a = 1\n", "b = 2\n", "\n", "c = 3\n"]
    assert reaches_outside(lines, 2, 2, "a = 1\nb = 20\n") == "it starts with line 1, above them"
    assert reaches_outside(lines, 2, 2, "b = 20\n") == ""
    assert reaches_outside(lines, 4, 4, "\nc = 30\n") == ""  # a blank line above is no line repeated
    assert reaches_outside(lines, 1, 1, "a = 10\nb = 2\n") == "it ends with line 2, below them"
    assert reaches_outside(["x\n", "x\n"], 2, 2, "x\n") == ""  # the part itself starts so: not outside
    assert reaches_outside(lines, 1, 4, "") == ""


def test_a_code_block_as_far_as_it_has_come() -> None:
    assert code_block("Sure:\n") == ("", False)
    assert code_block("```py\nx = 1\ny = ") == ("x = 1\n", False)  # whole lines only
    assert code_block("```py\nx = 1\n```\nmore\n```\nz\n```") == ("x = 1\n", True)
    assert code_block("````\n```\ninner\n```\n````\n") == ("```\ninner\n```\n", True)


def test_a_stopped_range_edit_changes_nothing(repo: Path) -> None:
    import threading

    model = ScriptedProvider(Reply("```python\ndef add(a: int, b: int) -> int:\n", hold=True))
    reviewer = ScriptedReviewer()
    loop = conversation(repo, model, reviewer)
    events = loop.edit_range("calc.py", 1, 2, "type it")
    seen = [next(events), next(events)]  # the notice, the first draft
    while not isinstance(seen[-1], RangeDrafted) or not seen[-1].text:
        seen.append(next(events))
    threading.Timer(0.05, loop.cancel).start()
    said = notices(seen + list(events))
    assert said[-1] == "No edit: scripted: the edit was stopped" and reviewer.seen == []
    assert (repo / "calc.py").read_text() == CALC and not loop.busy


def test_a_crlf_file_keeps_its_line_endings_and_an_lf_one_its_own(tmp_path: Path) -> None:
    make_repo(tmp_path, {"calc.py": "x"})
    for ending in ("\r\n", "\n"):
        (tmp_path / "calc.py").write_bytes(f"def add(a, b):{ending}    return a + b{ending}".encode())
        model = ScriptedProvider(Reply("```python\ndef add(a: int, b: int) -> int:\n    return a + b\n```\n"))
        list(conversation(tmp_path, model, ScriptedReviewer(accept_all)).edit_range("calc.py", 1, 2, "type it"))
        assert (tmp_path / "calc.py").read_bytes() == f"def add(a: int, b: int) -> int:{ending}    return a + b{ending}".encode()

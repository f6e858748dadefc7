"""Proposals: an answer's edits placed against a real repo, with one automatic retry of refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.proposal import propose

GREET = "def greet(name):\n    print('hello ' + name)\n\n\ndef part(name):\n    print('bye ' + name)\n"


def block(path: str, search: str, replace: str) -> str:
    return f"{path}\n```\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n```\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "greet.py").write_text(GREET)
    return tmp_path


def test_an_answer_without_edits_proposes_nothing(repo: Path) -> None:
    assert propose(repo, "The function prints a greeting.\n```python\nprint(1)\n```\n") is None


def test_placed_edits_need_no_retry(repo: Path) -> None:
    answer = block("greet.py", "    print('hello ' + name)\n", "    print(f'hello {name}')\n")
    proposal = propose(repo, answer)
    assert proposal is not None and not proposal.problems and not proposal.needs_retry
    (change,) = proposal.changeset.files
    assert change.new_text == GREET.replace("'hello ' + name", "f'hello {name}'")


def test_refused_edit_is_sent_back_once_with_the_engines_explanation(repo: Path) -> None:
    good = block("greet.py", "    print('hello ' + name)\n", "    print(f'hello {name}')\n")
    bad = block("greet.py", "    print('goodbye ' + name)\n", "    print(f'bye {name}')\n")
    proposal = propose(repo, good + "\n" + bad)
    assert proposal is not None and proposal.needs_retry
    message = proposal.retry_message()
    assert "Edit 2" in message and "greet.py" in message
    assert "numbers: 1" in message  # the good edit is kept, not to be resent
    assert "print('bye ' + name)" in message  # the closest lines actually found

    fixed = block("greet.py", "    print('bye ' + name)\n", "    print(f'bye {name}')\n")
    retried = propose(repo, fixed, retry_of=proposal)
    assert retried is not None and not retried.problems and not retried.needs_retry
    (change,) = retried.changeset.files
    assert change.new_text == GREET.replace("'hello ' + name", "f'hello {name}'").replace(
        "'bye ' + name", "f'bye {name}'"
    )
    assert (repo / "greet.py").read_text() == GREET  # proposing never writes


def test_refusals_that_survive_the_retry_are_not_retried_again(repo: Path) -> None:
    bad = block("greet.py", "    print('goodbye ' + name)\n", "    pass\n")
    proposal = propose(repo, bad)
    assert proposal is not None and proposal.needs_retry
    retried = propose(repo, "Sorry, I cannot find it.", retry_of=proposal)
    assert retried is not None and retried.retried and not retried.needs_retry
    assert [p.number for p in retried.problems] == [1]
    assert "could still not be applied" in retried.refusals_note()
    assert retried.changeset.files == []


def test_a_refusal_the_retry_leaves_uncorrected_is_still_reported(repo: Path) -> None:
    outside = block("../evil.py", "", "print('pwned')\n")
    bad = block("greet.py", "    print('goodbye ' + name)\n", "    pass\n")
    proposal = propose(repo, outside + "\n" + bad)
    assert proposal is not None and [p.number for p in proposal.problems] == [1, 2]
    fixed = block("greet.py", "    print('bye ' + name)\n", "    pass\n")  # corrects edit 2 only
    retried = propose(repo, fixed, retry_of=proposal)
    assert retried is not None and not retried.needs_retry
    assert [(p.number, p.path) for p in retried.problems] == [(1, "../evil.py")]
    assert "../evil.py" in retried.refusals_note()
    (change,) = retried.changeset.files
    assert change.new_text == GREET.replace("    print('bye ' + name)\n", "    pass\n")


def test_placed_again_follows_the_file_and_keeps_refusals_dropped_at_the_retry(repo: Path) -> None:
    outside = block("../evil.py", "", "print('pwned')\n")
    good = block("greet.py", "    print('bye ' + name)\n", "    pass\n")
    proposal = propose(repo, outside + "\n" + good)
    assert proposal is not None
    retried = propose(repo, "I cannot write there.", retry_of=proposal)
    assert retried is not None
    (repo / "greet.py").write_text("import sys\n\n" + GREET)  # the file changed since
    again = retried.placed_again(repo)
    assert [(p.number, p.path) for p in again.problems] == [(1, "../evil.py")]
    (change,) = again.changeset.files
    assert change.new_text == "import sys\n\n" + GREET.replace("    print('bye ' + name)\n", "    pass\n")
    (repo / "greet.py").write_text(GREET.replace("bye", "ciao"))  # the edit's text is gone
    gone = retried.placed_again(repo)
    assert gone.changeset.files == [] and [p.number for p in gone.problems] == [1, 2]


def test_edits_that_are_not_allowed_are_not_sent_back_to_be_corrected(repo: Path) -> None:
    proposal = propose(repo, block("../outside.py", "", "x = 1\n") + block(".git/config", "a\n", "b\n"))
    assert proposal is not None and len(proposal.problems) == 2 and not proposal.needs_retry
    note = proposal.refusals_note()
    assert "not allowed" in note and "do not resend them" in note and "after one correction" not in note


def test_a_retry_says_which_refusals_to_correct_and_which_not_to_resend(repo: Path) -> None:
    bad = block("greet.py", "    print('goodbye ' + name)\n", "    pass\n")
    proposal = propose(repo, bad + block("~/evil.py", "", "x = 1\n"))
    assert proposal is not None and proposal.needs_retry
    message = proposal.retry_message()
    corrected, forbidden = message.split("These edits are not allowed")
    assert "Edit 1" in corrected and "closest" in corrected
    assert "Edit 2" in forbidden and "home-directory" in forbidden


INVOICE = '"""Invoices."""\n\n\ndef total(items):\n    return sum(items)\n'


def whole(path: str, text: str) -> str:
    return f"{path}\n```python\n{text}```\n"


def test_an_edit_that_breaks_the_files_syntax_goes_back_once_with_the_line(repo: Path) -> None:
    (repo / "invoice.py").write_text(INVOICE)
    broken = INVOICE.replace('"""Invoices."""', '"""Invoices.').replace("sum(items)", "sum(items) * 2")
    good = block("greet.py", "    print('hello ' + name)\n", "    print(f'hello {name}')\n")
    proposal = propose(repo, good + whole("invoice.py", broken))
    assert proposal is not None and not proposal.problems and proposal.needs_retry
    assert [c.path for c in proposal.broken] == ["invoice.py"] and proposal.broken[0].flag[0] == 1
    assert proposal.retry_title() == "1 file would not parse"
    message = proposal.retry_message()
    assert "- invoice.py line 1: syntax error" in message and "numbers: 1" in message
    # corrected: the new version replaces the broken one, the good edit stays
    fixed = propose(repo, whole("invoice.py", broken.replace('"""Invoices.', '"""Invoices."""')), retry_of=proposal)
    assert fixed is not None and not fixed.needs_retry and fixed.broken == []
    assert {c.path: c.new_text for c in fixed.changeset.files}["invoice.py"] == INVOICE.replace("sum(items)", "sum(items) * 2")
    assert len(fixed.changeset.files) == 2


def test_a_file_still_broken_after_the_retry_is_flagged_for_review_not_dropped(repo: Path) -> None:
    (repo / "invoice.py").write_text(INVOICE)
    broken = INVOICE.replace("def total(items):", "def total(items:")
    proposal = propose(repo, whole("invoice.py", broken))
    assert proposal is not None and proposal.needs_retry
    again = propose(repo, whole("invoice.py", broken), retry_of=proposal)
    assert again is not None and not again.needs_retry  # one chance only
    [change] = again.broken
    assert change.flag == (4, "syntax error at 'def total(items:'") and change.flagged_hunk == 0
    silent = propose(repo, "Sorry, here it is again without changes.", retry_of=proposal)
    assert silent is not None and [c.path for c in silent.broken] == ["invoice.py"]  # not resent: kept, flagged


def test_a_file_broken_before_the_edit_is_not_blamed_on_it(repo: Path) -> None:
    (repo / "legacy.py").write_text("def f(:\n    pass\n\nX = 1\n")
    proposal = propose(repo, block("legacy.py", "X = 1\n", "X = 2\n"))
    assert proposal is not None and proposal.broken == [] and not proposal.needs_retry


def test_an_answer_whose_edits_change_nothing_goes_back_to_the_model(repo: Path) -> None:
    """A small model may write a file back unchanged: it is told, so it can make the change."""
    proposal = propose(repo, whole("greet.py", GREET))
    assert proposal is not None and proposal.needs_retry and not proposal.changeset.files
    assert "Edit 1 for greet.py: it changes nothing" in proposal.retry_message()
    # the twin: beside a real change, a file written back unchanged is no problem
    real = block("greet.py", "    print('bye ' + name)\n", "    print(f'bye {name}')\n")
    proposal = propose(repo, whole("greet.py", GREET) + real)
    assert proposal is not None and not proposal.problems and not proposal.needs_retry

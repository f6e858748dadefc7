"""Auto-commits of accepted AI changes on real temp repositories: only the accepted hunks, never
the person's own edits; a message by the model (a template when it fails) and the AI trailer;
undo and redo moving the branch when the commit is HEAD; refusals with one line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import git
import pytest

from app.chat import ChatSession
from app.conversation import Conversation, Notice
from app.llm.meter import Meter
from app.llm.router import Router
from app.llm.scripted import Reply, ScriptedProvider
from app.workspace import Workspace
from tests.test_conversation import CALC, TYPE_ADD, ScriptedReviewer, accept_all
from tests.widgets.conftest import make_repo

TYPED = CALC.replace("def add(a, b):", "def add(a: int, b: int) -> int:")


@pytest.fixture
def repo(tmp_path: Path) -> git.Repo:
    return make_repo(tmp_path, {"calc.py": CALC, "other.py": "x = 1\n"})


def loop(root: Path, *answers: str | Reply) -> tuple[Conversation, ScriptedProvider]:
    model = ScriptedProvider(*answers, name="openai", model="gpt-4.1")
    session = ChatSession(root, Router([model]), Meter())
    session.context.add("calc.py")
    return Conversation(session, ScriptedReviewer(accept_all, accept_all), auto_commit=True), model


def notices(events: list[object]) -> list[str]:
    return [e.text for e in events if isinstance(e, Notice)]


def test_an_accepted_change_is_committed_alone_with_the_models_message_and_the_ai_trailer(repo: git.Repo) -> None:
    root = Path(repo.working_tree_dir)
    (root / "calc.py").write_text(CALC.replace("# note 9\n", "# note 9, my own\n"))  # the person's dirty line
    (root / "other.py").write_text("x = 2  # mine too\n")
    (root / "scratch.txt").write_text("untracked\n")
    conversation, model = loop(root, TYPE_ADD, "Type the arguments of add\n\nCallers pass ints.")
    events = list(conversation.send("add type hints to add"))
    head = repo.head.commit
    assert head.message == ("Type the arguments of add\n\nCallers pass ints.\n\n"
                            "Co-authored-by: exosuit (openai/gpt-4.1) <exosuit@localhost>\n")
    assert f"Committed {head.hexsha[:7]} “Type the arguments of add” (marked as AI-made)" in notices(events)
    assert "def add(a: int, b: int) -> int:" in model.requests[-1].messages[0].content  # it saw the diff
    committed = head.tree["calc.py"].data_stream.read().decode()
    assert committed == TYPED and "my own" not in committed  # only the accepted hunk
    assert [d.a_path for d in head.diff(head.parents[0])] == ["calc.py"]
    assert "my own" in (root / "calc.py").read_text() and "def add(a: int" in (root / "calc.py").read_text()
    assert repo.git.diff("--cached") == ""  # nothing staged: the index follows the commit
    assert set(repo.git.status("--porcelain").splitlines()) == {" M calc.py", " M other.py", "?? scratch.txt"}
    assert Workspace(root).undoable.ai_commit == head.hexsha  # type: ignore[union-attr]


def test_undo_takes_the_commit_off_the_branch_also_after_a_restart_and_redo_puts_it_back(repo: git.Repo) -> None:
    root = Path(repo.working_tree_dir)
    initial = repo.head.commit.hexsha
    conversation, _ = loop(root, TYPE_ADD, "Type add")
    list(conversation.send("type add"))
    ai_commit = repo.head.commit.hexsha
    undone = Workspace(root).undo()  # a new process's workspace
    assert repo.head.commit.hexsha == initial and (root / "calc.py").read_text() == CALC
    assert undone.note == f"its commit {ai_commit[:7]} is off the branch" and repo.git.status("--porcelain") == ""
    redone = Workspace(root).redo()
    assert repo.head.commit.hexsha == ai_commit and (root / "calc.py").read_text() == TYPED
    assert redone.note == f"its commit {ai_commit[:7]} is back on the branch" and repo.git.status("--porcelain") == ""


def test_undo_after_later_commits_restores_the_files_and_leaves_the_history(repo: git.Repo) -> None:
    root = Path(repo.working_tree_dir)
    conversation, _ = loop(root, TYPE_ADD, "Type add")
    list(conversation.send("type add"))
    (root / "other.py").write_text("x = 3\n")
    repo.git.commit("-qam", "the person's own commit")
    head = repo.head.commit.hexsha
    undone = Workspace(root).undo()
    assert repo.head.commit.hexsha == head and (root / "calc.py").read_text() == CALC
    assert "stays in the history (HEAD has moved on)" in undone.note


def test_a_failing_model_gets_the_template_message(repo: git.Repo) -> None:
    root = Path(repo.working_tree_dir)
    conversation, _ = loop(root, TYPE_ADD, Reply(fail="overloaded"))
    list(conversation.send("add type hints to add"))
    message = repo.head.commit.message
    assert message.startswith("add type hints to add\n\nFiles: calc.py\n\nCo-authored-by: exosuit (openai/gpt-4.1)")


@pytest.mark.parametrize("situation", ["staged", "overlap", "merge"])
def test_a_change_that_cannot_be_committed_alone_is_written_and_left_uncommitted(repo: git.Repo, situation: str) -> None:
    root = Path(repo.working_tree_dir)
    head = repo.head.commit.hexsha
    if situation == "staged":
        (root / "calc.py").write_text(CALC + "# staged by me\n")
        repo.index.add(["calc.py"])
    elif situation == "overlap":
        (root / "calc.py").write_text(CALC.replace("    return a + b\n", "    return b + a  # mine\n"))
    else:
        (root / ".git" / "MERGE_HEAD").write_text(head + "\n")
    conversation, _ = loop(root, TYPE_ADD, "Type add")
    events = list(conversation.send("type add"))
    expected = {"staged": "not committed: calc.py has staged changes of yours",
                "overlap": "not committed: the AI's hunks touch lines of your uncommitted edits in the same files",
                "merge": "not committed: a merge is in progress"}[situation]
    assert f"{expected}; the change is written, and /undo still takes it back" in notices(events)
    assert repo.head.commit.hexsha == head and "def add(a: int, b: int) -> int:" in (root / "calc.py").read_text()


def test_the_first_commit_of_a_repository_and_a_detached_head(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    repo = git.Repo.init(fresh)
    (fresh / "calc.py").write_text(CALC)  # the person's, not committed yet
    conversation, _ = loop(fresh, TYPE_ADD + "notes.md\n```markdown\nTyped add.\n```\n", "Type add and note it")
    events = list(conversation.send("type add"))
    assert "not committed: calc.py is your own uncommitted file; the change is written, and /undo still takes it back" in notices(events)
    assert not repo.head.is_valid()
    conversation, _ = loop(fresh, "todo.md\n```markdown\nA new note.\n```\n", "Add a note")
    list(conversation.send("add a note"))  # a file of the AI's own is its change alone
    assert repo.head.is_valid() and repo.head.commit.parents == () and repo.git.ls_files() == "todo.md"

    detached = make_repo(tmp_path / "detached", {"calc.py": CALC})
    detached.git.checkout("--detach")
    before = detached.head.commit.hexsha
    conversation, _ = loop(Path(detached.working_tree_dir), TYPE_ADD, "Type add")
    list(conversation.send("type add"))
    assert detached.head.is_detached and detached.head.commit.parents[0].hexsha == before


def test_auto_commit_off_commits_nothing(repo: git.Repo) -> None:
    root = Path(repo.working_tree_dir)
    head = repo.head.commit.hexsha
    model = ScriptedProvider(TYPE_ADD)
    session = ChatSession(root, Router([model]), Meter())
    session.context.add("calc.py")
    list(Conversation(session, ScriptedReviewer(accept_all)).send("type add"))
    assert repo.head.commit.hexsha == head and len(model.requests) == 1
    assert subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True).stdout == " M calc.py\n"

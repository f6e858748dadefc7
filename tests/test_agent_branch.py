"""The agent on a branch of its own ([git] agent_branch), on a real temp repository with a
scripted model: it works in a worktree holding the person's working tree as it is, their files
stay untouched while it works, and its whole change comes to one review where only the accepted
hunks land; the branch keeps its work, never a secret, and the worktree goes."""

from __future__ import annotations

from pathlib import Path

import git

from app.agent.loop import Agent, AgentEnded
from app.chat import ChatSession
from app.conversation import Conversation, Notice
from app.llm.base import ToolCall
from app.llm.meter import Meter
from app.llm.router import Router
from app.llm.scripted import Reply, ScriptedProvider
from app.review import Review
from tests.test_conversation import ScriptedReviewer
from tests.widgets.conftest import make_repo

CALC = "def add(a, b):\n    return a + b\n" + "".join(f"# line {i}\n" for i in range(12)) + "\ndef sub(a, b):\n    return a - b\n"
EDITS = (
    "calc.py\n```python\n<<<<<<< SEARCH\ndef add(a, b):\n=======\ndef add(a: int, b: int) -> int:\n>>>>>>> REPLACE\n```\n"
    "calc.py\n```python\n<<<<<<< SEARCH\ndef sub(a, b):\n=======\ndef sub(a: int, b: int) -> int:\n>>>>>>> REPLACE\n```\n"
    "NOTES.md\n```markdown\nTyped calc.py.\n```\n"
)


def test_the_agent_works_on_its_own_branch_and_only_the_accepted_hunks_land(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    repo = make_repo(root, {"calc.py": CALC, "other.py": "x = 1\n"})
    (root / "other.py").write_text("x = 1  # mine, uncommitted\n")
    (root / "scratch.txt").write_text("my untracked notes\n")
    (root / ".env").write_text("API_KEY=sk-do-not-branch\n")
    head = repo.head.commit.hexsha
    seen_at_review: list[str] = []

    def decide(review: Review) -> None:
        seen_at_review.append((root / "calc.py").read_text())  # the person's file while the agent worked
        files = [f.path for f in review.changeset.files]
        assert files == ["NOTES.md", "calc.py"]
        review.decide_file(0, True)
        review.decide(1, 0, True)
        review.decide(1, 1, False, "keep sub as it is")

    model = ScriptedProvider(
        Reply(tool_calls=(ToolCall("c1", "read_file", {"path": "other.py"}),)),
        Reply(tool_calls=(ToolCall("c2", "propose_edit", {"edits": EDITS}),)),
        "Typed both and wrote a note.",
    )
    session = ChatSession(root, Router([model]), Meter())
    session.context.add("calc.py")
    agent = Agent(Conversation(session, ScriptedReviewer(decide), auto_commit=False), None, own_branch=True)  # type: ignore[arg-type]
    events = list(agent.run("type calc.py"))

    assert events[-1] == AgentEnded("done", "Typed both and wrote a note.", 3)
    notices = [e.text for e in events if isinstance(e, Notice)]
    assert notices[0].startswith("The agent works in a worktree of its own, on branch exosuit/agent-1")
    assert "The agent's work stays on branch exosuit/agent-1." in notices
    assert "mine, uncommitted" in model.requests[1].messages[-1].tool_results[0].content  # it saw the person's tree
    assert "def add(a: int, b: int)" in str(model.requests[2].messages)  # its context shows its own edit
    assert seen_at_review == [CALC]  # nothing of the person's changed until the review
    calc = (root / "calc.py").read_text()
    assert "def add(a: int, b: int) -> int:" in calc and "def sub(a, b):" in calc  # the accepted hunk only
    assert (root / "NOTES.md").read_text() == "Typed calc.py.\n"
    assert (root / "other.py").read_text() == "x = 1  # mine, uncommitted\n" and (root / "scratch.txt").exists()
    assert repo.head.commit.hexsha == head  # auto-commit off: the person's branch is as it was
    work = repo.commit("exosuit/agent-1")
    branch_calc = (work.tree / "calc.py").data_stream.read().decode()
    assert "def sub(a: int, b: int) -> int:" in branch_calc  # the branch keeps all of the agent's work
    assert ".env" not in [b.path for b in work.tree.traverse()]
    assert all(".env" not in [b.path for b in c.tree.traverse()] for c in repo.iter_commits("exosuit/agent-1", max_count=3))
    assert len(repo.git.worktree("list").splitlines()) == 1  # the worktree is gone


def test_a_review_closed_on_the_agents_change_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_repo(root, {"calc.py": CALC})
    model = ScriptedProvider(Reply(tool_calls=(ToolCall("c1", "propose_edit", {"edits": EDITS}),)), "Done.")
    session = ChatSession(root, Router([model]), Meter())
    agent = Agent(Conversation(session, ScriptedReviewer(None)), None, own_branch=True)  # type: ignore[arg-type]
    events = list(agent.run("type calc.py"))
    assert "Review closed: none of the agent's work was written to your files." in [e.text for e in events if isinstance(e, Notice)]
    assert (root / "calc.py").read_text() == CALC and not (root / "NOTES.md").exists()
    assert "def add(a: int" in (git.Repo(root).commit("exosuit/agent-1").tree / "calc.py").data_stream.read().decode()


def test_a_repository_without_commits_works_and_a_merge_in_progress_refuses(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    git.Repo.init(fresh)
    (fresh / "calc.py").write_text(CALC)
    model = ScriptedProvider(Reply(tool_calls=(ToolCall("c1", "propose_edit", {"edits": EDITS}),)), "Done.")
    agent = Agent(Conversation(ChatSession(fresh, Router([model]), Meter()), ScriptedReviewer(lambda r: r.accept_all())),
                  None, own_branch=True)  # type: ignore[arg-type]
    assert list(agent.run("type calc.py"))[-1] == AgentEnded("done", "Done.", 2)
    assert "def sub(a: int, b: int)" in (fresh / "calc.py").read_text() and not git.Repo(fresh).head.is_valid()

    merging = tmp_path / "merging"
    repo = make_repo(merging, {"calc.py": CALC})
    (merging / ".git" / "MERGE_HEAD").write_text(repo.head.commit.hexsha + "\n")
    agent = Agent(Conversation(ChatSession(merging, Router([ScriptedProvider()]), Meter()), ScriptedReviewer()),
                  None, own_branch=True)  # type: ignore[arg-type]
    assert list(agent.run("anything")) == [
        AgentEnded("failed", "cannot make the agent's worktree: a merge is in progress: finish it or abort it first", 0)
    ]


def test_the_agents_change_to_a_crlf_file_keeps_its_line_endings(tmp_path: Path) -> None:
    from app.git.agent_branch import AgentBranch

    root = tmp_path / "repo"
    make_repo(root, {"win.txt": "x"})
    (root / "win.txt").write_bytes(b"one\r\ntwo\r\n")
    branch = AgentBranch.start(root)
    (branch.path / "win.txt").write_bytes(b"one\r\nTWO\r\n")
    [change] = branch.changeset().files
    assert (change.old_text, change.new_text) == ("one\r\ntwo\r\n", "one\r\nTWO\r\n")
    assert [len(change.hunks)] == [1]  # one line changed, not every line
    branch.finish()

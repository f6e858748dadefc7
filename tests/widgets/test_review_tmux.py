"""End to end: `exosuit review` in a real terminal (tmux), driven by keys, checked on disk."""

from __future__ import annotations

import sys
from pathlib import Path

from scripts.review_samples import README_OLD, SAMPLE_FILES, SERVER_NEW, sample_changeset
from tests.tmux import Terminal, needs_tmux
from tests.widgets.conftest import make_repo

pytestmark = needs_tmux

ROOT = Path(__file__).resolve().parents[2]


def exosuit(repo: Path, *args: str, stdin: Path | None = None) -> str:
    """A shell command running `exosuit review` in `repo`, then printing its exit code and waiting."""
    command = f"{sys.executable} -m app.cli --repo {repo} review {' '.join(args)}"
    if stdin is not None:
        command = f"cat {stdin} | {command}"
    return f"cd {ROOT} && {command}; echo EXIT=$?; sleep 60"


def response_file(tmp_path: Path) -> Path:
    """A model response proposing the sample's changes to server.py and README.md as a diff."""
    diff = "".join(f.unified_diff() for f in sample_changeset().files if f.path in ("server.py", "README.md"))
    path = tmp_path / "response.md"
    path.write_text(f"Here is the change:\n\n```diff\n{diff}```\n", encoding="utf-8")
    return path


def test_review_a_response_file(tmp_path: Path, terminals: list[Terminal]) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    make_repo(repo, SAMPLE_FILES)
    terminal = Terminal(exosuit(repo, str(response_file(tmp_path))))
    terminals.append(terminal)
    terminal.wait_for("pending")
    screen = terminal.wait_for("README.md")  # in the file list, drawn beside the diff
    assert "server.py" in screen and "@@ -1,23 +1,27 @@" in screen
    terminal.keys("Y", "n")  # accept all of server.py, reject README.md
    terminal.wait_for("2 accepted")
    terminal.keys("C-s")
    screen = terminal.wait_for("EXIT=")
    assert "Wrote server.py" in screen and "EXIT=0" in screen
    assert "Not written: README.md: 1 rejected of 1 hunk" in screen
    assert (repo / "server.py").read_text() == SERVER_NEW
    assert (repo / "README.md").read_text() == README_OLD


def test_review_a_response_piped_into_stdin_reads_keys_from_the_terminal(
    tmp_path: Path, terminals: list[Terminal]
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    make_repo(repo, SAMPLE_FILES)
    terminal = Terminal(exosuit(repo, "-", stdin=response_file(tmp_path)))
    terminals.append(terminal)
    terminal.wait_for("pending")
    terminal.keys("y", "q")
    terminal.wait_for("Close the review?")
    terminal.keys("y")
    screen = terminal.wait_for("EXIT=")
    assert "nothing written" in screen and "EXIT=1" in screen
    assert {p: (repo / p).read_text() for p in SAMPLE_FILES} == SAMPLE_FILES


def test_review_the_working_tree_reverts_rejected_hunks(tmp_path: Path, terminals: list[Terminal]) -> None:
    make_repo(tmp_path, SAMPLE_FILES)
    (tmp_path / "server.py").write_text(SERVER_NEW, encoding="utf-8")
    (tmp_path / ".env").write_text("KEY=secret\n", encoding="utf-8")  # untracked: left out, never touched
    terminal = Terminal(exosuit(tmp_path))
    terminals.append(terminal)
    terminal.wait_for("pending")
    terminal.keys("?")
    terminal.wait_for("Review keys")
    terminal.keys("Escape", "y", "n", "C-s")
    screen = terminal.wait_for("EXIT=")
    assert "Reverted hunks in server.py" in screen and "refs/exosuit/checkpoints/1" in screen
    assert "left out 1 untracked file" in screen and ".env" not in screen
    assert (tmp_path / "server.py").read_text() == sample_changeset().files[0].text_with([0])
    assert (tmp_path / ".env").read_text() == "KEY=secret\n"


def test_apply_without_yes_opens_the_review(tmp_path: Path, terminals: list[Terminal]) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    make_repo(repo, SAMPLE_FILES)
    command = f"cd {ROOT} && {sys.executable} -m app.cli --repo {repo} apply {response_file(tmp_path)}"
    terminal = Terminal(f"{command}; echo EXIT=$?; sleep 60")
    terminals.append(terminal)
    terminal.wait_for("pending")
    terminal.keys("J", "y", "C-s")  # README.md only
    screen = terminal.wait_for("EXIT=")
    assert "Wrote README.md" in screen and "EXIT=0" in screen
    assert (repo / "README.md").read_text() != README_OLD
    assert (repo / "server.py").read_text() == SAMPLE_FILES["server.py"]


def test_a_rejection_comment_is_printed_for_the_model(tmp_path: Path, terminals: list[Terminal]) -> None:
    """No model to send it to: the comment is printed at the end, ready to paste back."""
    repo = tmp_path / "repo"
    repo.mkdir()
    make_repo(repo, SAMPLE_FILES)
    terminal = Terminal(exosuit(repo, str(response_file(tmp_path))))
    terminals.append(terminal)
    terminal.wait_for("README.md")
    terminal.keys("Y", "r")
    terminal.wait_for("What should the model do instead?")
    terminal.type("keep the old wording")
    terminal.keys("Enter")
    terminal.wait_for("1 rejected")
    terminal.keys("C-s")
    screen = terminal.wait_for("EXIT=")
    assert "EXIT=0" in screen and "Reviewer's comment: keep the old wording" in screen
    assert (repo / "README.md").read_text() == README_OLD

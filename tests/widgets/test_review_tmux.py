"""End to end: `exosuit review` in a real terminal (tmux), driven by keys, checked on disk."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.review_samples import README_OLD, SAMPLE_FILES, SERVER_NEW, sample_changeset
from tests.widgets.conftest import make_repo

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

ROOT = Path(__file__).resolve().parents[2]


class Terminal:
    """One tmux session running a command at 120x35."""

    def __init__(self, command: str) -> None:
        self.name = f"exosuit-review-{uuid.uuid4().hex[:8]}"
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, "-x", "120", "-y", "35", "-e", "COLORTERM=truecolor", command],
            check=True,
        )

    def screen(self) -> str:
        result = subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True)
        return result.stdout

    def wait_for(self, text: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{self.screen()}")

    def keys(self, *keys: str) -> None:
        for key in keys:
            subprocess.run(["tmux", "send-keys", "-t", self.name, key], check=True)
            time.sleep(0.15)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    opened: list[Terminal] = []
    yield opened
    for terminal in opened:
        terminal.close()


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
    screen = terminal.wait_for("pending")
    assert "server.py" in screen and "README.md" in screen and "@@ -1,23 +1,27 @@" in screen
    terminal.keys("Y", "n")  # accept all of server.py, reject README.md
    terminal.wait_for("2 accepted")
    terminal.keys("C-s")
    screen = terminal.wait_for("EXIT=")
    assert "Wrote server.py" in screen and "EXIT=0" in screen
    assert "Not written: README.md: 1 rejected of 1 hunks" in screen
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
    terminal = Terminal(exosuit(tmp_path))
    terminals.append(terminal)
    terminal.wait_for("pending")
    terminal.keys("?")
    terminal.wait_for("Review keys")
    terminal.keys("Escape", "y", "n", "C-s")
    screen = terminal.wait_for("EXIT=")
    assert "Reverted hunks in server.py" in screen and "refs/exosuit/checkpoints/1" in screen
    assert (tmp_path / "server.py").read_text() == sample_changeset().files[0].text_with([0])


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

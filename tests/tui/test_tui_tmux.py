"""End to end: `python -m app.cli` in a real terminal (tmux), its OpenAI provider pointed at the
wire server by environment variables, as a user would configure it."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.wire_server import Reply, WireServer

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

ROOT = Path(__file__).resolve().parents[2]


class Terminal:
    """A tmux session running one shell command at 110x32."""

    def __init__(self, command: str) -> None:
        self.name = f"exosuit-tui-{uuid.uuid4().hex[:8]}"
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, "-x", "110", "-y", "32", command], check=True
        )

    def screen(self) -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True
        ).stdout

    def wait_for(self, text: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in (screen := self.screen()):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{self.screen()}")

    def type(self, text: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, "-l", text], check=True)

    def key(self, key: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, key], check=True)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


@pytest.fixture
def terminal() -> Iterator[list[Terminal]]:
    opened: list[Terminal] = []
    yield opened
    for term in opened:
        term.close()


def exosuit(repo: Path, server: WireServer) -> str:
    """The shell command: exosuit in `repo` with OpenAI at the wire server, then its exit code."""
    env = {
        "OPENAI_BASE_URL": server.openai_url,
        "OPENAI_API_KEY": "test",
        "EXOSUIT_CONFIG": str(repo.parent / "no-user-config.toml"),
        "COLORTERM": "truecolor",
    }
    assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    command = f"{sys.executable} -m app.cli --repo {shlex.quote(str(repo))}"
    return f"cd {ROOT} && env -u ANTHROPIC_API_KEY {assignments} {command}; echo EXIT=$?; sleep 60"


def test_ask_and_see_the_streamed_answer(tmp_path: Path, wire_server: WireServer, terminal: list[Terminal]) -> None:
    repo = tmp_path / "project"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    wire_server.script(Reply("Streaming ", "works ", "end to end.", delay=0.05, usage=(2100, 12)))
    term = Terminal(exosuit(repo, wire_server))
    terminal.append(term)
    screen = term.wait_for("^q quit")
    assert "Exosuit in project" in screen and "openai · gpt-" in screen
    term.type("What does this repo do?")
    term.key("Enter")
    screen = term.wait_for("Streaming works end to end.")
    assert "What does this repo do?" in screen
    term.wait_for("2.1k↑ 12↓")
    body = wire_server.requests[-1].body
    assert body["stream"] is True and body["messages"][-1]["content"] == "What does this repo do?"
    term.key("C-q")
    term.wait_for("EXIT=0")


def test_outside_a_git_repo_offers_git_init(tmp_path: Path, wire_server: WireServer, terminal: list[Terminal]) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    term = Terminal(exosuit(plain, wire_server))
    terminal.append(term)
    screen = term.wait_for("[y/N]")
    assert "is not inside a git repository" in screen
    term.type("y")
    term.key("Enter")
    term.wait_for("^q quit")
    assert (plain / ".git").is_dir()
    term.key("C-q")
    term.wait_for("EXIT=0")


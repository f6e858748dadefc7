"""End to end: `python -m app.cli` in a real terminal (tmux), its OpenAI provider pointed at the
wire server by environment variables, as a user would configure it."""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
from pathlib import Path

from tests.tmux import Terminal, needs_tmux
from tests.wire_server import Call, Hang, Reply, WireServer

pytestmark = needs_tmux

ROOT = Path(__file__).resolve().parents[2]


def exosuit(repo: Path, server: WireServer, *flags: str) -> str:
    """The shell command: exosuit in `repo` with OpenAI at the wire server, then its exit code."""
    env = {
        "OPENAI_BASE_URL": server.openai_url,
        "OPENAI_API_KEY": "test",
        "EXOSUIT_CONFIG": str(repo.parent / "no-user-config.toml"),
        "COLORTERM": "truecolor",
    }
    assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    command = f"{sys.executable} -m app.cli --repo {shlex.quote(str(repo))} {' '.join(flags)}"
    return f"cd {ROOT} && env -u ANTHROPIC_API_KEY {assignments} {command}; echo EXIT=$?; sleep 60"


def test_ask_and_see_the_streamed_answer(tmp_path: Path, wire_server: WireServer, terminals: list[Terminal]) -> None:
    repo = tmp_path / "project"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    wire_server.script(Reply("Streaming ", "works ", "end to end.", delay=0.05, usage=(2100, 12)))
    term = Terminal(exosuit(repo, wire_server))
    terminals.append(term)
    screen = term.wait_for("^q quit")
    assert "Exosuit in project" in screen and "openai · auto" in screen  # the server is asked on first use
    term.type("What does this repo do?")
    term.keys("Enter")
    screen = term.wait_for("Streaming works end to end.")
    assert "What does this repo do?" in screen
    term.wait_for("2.1k↑ 12↓")
    term.wait_for("openai · wire-model")  # the model GET /v1/models listed
    assert "● openai/wire-model" in term.screen() and "openai/auto" not in term.screen()
    body = wire_server.requests[-1].body
    assert body["stream"] is True and body["messages"][-1]["content"] == "What does this repo do?"
    term.keys("C-q")
    term.wait_for("EXIT=0")


def test_outside_a_git_repo_offers_git_init(tmp_path: Path, wire_server: WireServer, terminals: list[Terminal]) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    term = Terminal(exosuit(plain, wire_server))
    terminals.append(term)
    screen = term.wait_for("[y/N]")
    assert "is not inside a git repository" in screen
    term.type("y")
    term.keys("Enter")
    term.wait_for("^q quit")
    assert (plain / ".git").is_dir()
    term.keys("C-q")
    term.wait_for("EXIT=0")



def test_the_core_loop_in_a_real_terminal(tmp_path: Path, wire_server: WireServer, terminals: list[Terminal]) -> None:
    """Ask; the answer's edit opens the review; accept it and write; /undo puts the file back."""
    repo = tmp_path / "project"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    original = "def greet(name):\n    return 'hello ' + name\n"
    (repo / "greet.py").write_text(original)
    edit = (
        "greet.py\n```python\n<<<<<<< SEARCH\n    return 'hello ' + name\n=======\n"
        "    return f'hello {name}'\n>>>>>>> REPLACE\n```\n"
    )
    wire_server.script(Reply("Use an f-string:\n\n", edit))
    term = Terminal(exosuit(repo, wire_server))
    terminals.append(term)
    term.wait_for("^q quit")
    term.type("use an f-string in greet")
    term.keys("Enter")
    screen = term.wait_for("1 pending")  # the review screen
    assert "greet.py" in screen and "return f'hello {name}'" in screen
    term.keys("y")
    term.wait_for("1 accepted")
    term.keys("C-s")
    term.wait_for("/undo puts it back")
    assert (repo / "greet.py").read_text() == "def greet(name):\n    return f'hello {name}'\n"
    term.type("/undo")
    term.keys("Enter")
    term.wait_for("Undone: greet.py")
    assert (repo / "greet.py").read_text() == original
    term.keys("C-q")
    term.wait_for("EXIT=0")


def test_escape_stops_a_hung_request_and_nothing_is_sent_again(
    tmp_path: Path, wire_server: WireServer, terminals: list[Terminal]
) -> None:
    """The server never answers; escape closes the request at once, the SDK's retries send
    nothing more, and the next question is answered."""
    repo = tmp_path / "project"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    wire_server.script(Hang(), Reply("Answered."))
    term = Terminal(exosuit(repo, wire_server))
    terminals.append(term)
    term.wait_for("^q quit")
    term.type("hello?")
    term.keys("Enter")
    term.wait_for("thinking")
    while not [r for r in wire_server.requests if r.method == "POST"]:
        time.sleep(0.05)
    term.keys("Escape")
    term.wait_for("■ stopped")
    assert wire_server.wait_for_disconnect(2), "the request stayed open"
    time.sleep(4)  # longer than the SDK's pauses before its two retries
    assert len([r for r in wire_server.requests if r.method == "POST"]) == 1
    term.type("and now?")
    term.keys("Enter")
    term.wait_for("Answered.")
    assert len([r for r in wire_server.requests if r.method == "POST"]) == 2
    term.keys("C-q")
    term.wait_for("EXIT=0")


def test_a_config_typo_is_a_clear_error(tmp_path: Path, wire_server: WireServer, terminals: list[Terminal]) -> None:
    repo = tmp_path / "project"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / ".exosuit.toml").write_text(f'[provider]\nkind = "openai"\nbase_url = "{wire_server.openai_url}"\nmodel = "m"\n')
    term = Terminal(exosuit(repo, wire_server))
    terminals.append(term)
    screen = term.wait_for("EXIT=2")
    assert ".exosuit.toml:1: unknown top-level setting 'provider' — did you mean [[providers]]?" in screen.replace("\n", "")


def test_an_agent_session_in_a_real_terminal(tmp_path: Path, wire_server: WireServer, terminals: list[Terminal]) -> None:
    """At Agent level: a read, an approved command, a reviewed edit, the answer; then a command
    that would run for 100 s, stopped with escape, leaving no process behind."""
    repo = tmp_path / "project"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "greet.py").write_text("def greet(name):\n    return 'hello ' + name\n")
    edit = "greet.py\n```python\n<<<<<<< SEARCH\n    return 'hello ' + name\n=======\n    return f'hello {name}'\n>>>>>>> REPLACE\n```\n"
    marker = f"sleep 100.{int(time.time()) % 1000}"
    wire_server.script(
        Reply(tool_calls=[Call("read_file", {"path": "greet.py"}, id="c1")]),
        Reply(tool_calls=[Call("run_command", {"command": "touch checked.txt"}, id="c2")]),
        Reply(tool_calls=[Call("propose_edit", {"edits": edit}, id="c3")]),
        Reply("greet uses an f-string now."),
        Reply(tool_calls=[Call("run_command", {"command": marker}, id="c4")]),
    )
    term = Terminal(exosuit(repo, wire_server, "--autonomy", "agent"))
    terminals.append(term)
    term.wait_for("^q quit")
    assert "Agent" in term.screen()
    term.type("modernise greet")
    term.keys("Enter")
    term.wait_for("Run this command?")
    term.keys("y")
    term.wait_for("1 pending")  # the review of the agent's edit
    term.keys("y")
    term.keys("C-s")
    screen = term.wait_for("Agent done in 4 steps.")
    assert "✓ read_file greet.py — 2 lines" in screen and "✓ run_command touch checked.txt — exit 0" in screen
    assert (repo / "checked.txt").exists() and "f'hello {name}'" in (repo / "greet.py").read_text()
    term.type("wait a while")
    term.keys("Enter")
    term.wait_for("Run this command?")
    term.keys("y")
    term.wait_for(f"⋯ run_command {marker}")
    term.keys("Escape")
    term.wait_for("Agent stopped after")
    time.sleep(0.3)
    assert subprocess.run(["pgrep", "-f", marker], capture_output=True).stdout == b""
    term.keys("C-q")
    term.wait_for("EXIT=0")



def test_edit_a_file_with_ghost_text_in_a_real_terminal(tmp_path: Path, wire_server: WireServer, terminals: list[Terminal]) -> None:
    repo = tmp_path / "project"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "calc.py").write_text("def add(a, b):\n    return \n")
    wire_server.script(Reply(" + b"), Reply(" + b"))  # one per pause in typing
    term = Terminal(exosuit(repo, wire_server, "edit", "calc.py:2"))
    terminals.append(term)
    screen = term.wait_for("completes as you type in the editor")  # opened at the Tab level
    assert "calc.py" in screen
    term.keys("End")
    term.type("a")
    term.wait_for("return a + b")  # the ghost text
    term.keys("Tab", "C-s")
    deadline = time.monotonic() + 10
    while (repo / "calc.py").read_text() != "def add(a, b):\n    return a + b\n":
        assert time.monotonic() < deadline, (repo / "calc.py").read_text()
        time.sleep(0.05)
    term.keys("C-q")
    term.wait_for("EXIT=0")


def test_quit_then_continue_where_you_were(tmp_path: Path, wire_server: WireServer, terminals: list[Terminal]) -> None:
    repo = tmp_path / "project"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    wire_server.script(Reply("Noted: banana."), Reply("The word was banana."))
    term = Terminal(exosuit(repo, wire_server))
    terminals.append(term)
    term.wait_for("^q quit")
    term.type("Remember the word banana")
    term.keys("Enter")
    term.wait_for("Noted: banana.")
    term.keys("C-q")
    term.wait_for("EXIT=0")
    again = Terminal(exosuit(repo, wire_server, "--continue"))
    terminals.append(again)
    screen = again.wait_for("Resumed: 1 turn")
    assert "Remember the word banana" in screen and "Noted: banana." in screen
    again.type("What was the word?")
    again.keys("Enter")
    again.wait_for("The word was banana.")
    said = [m["content"] for m in wire_server.requests[-1].body["messages"] if m["role"] != "system"]
    assert said[-3:] == ["Remember the word banana", "Noted: banana.", "What was the word?"]
    again.keys("C-q")
    again.wait_for("EXIT=0")

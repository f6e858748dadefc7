"""`exosuit run` as a real subprocess against the wire server: the loop and the agent headless,
the flags standing in for the person, `--json` read line by line, the exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.widgets.conftest import make_repo
from tests.wire_server import Call, Reply, WireServer

ROOT = Path(__file__).resolve().parents[1]
CALC = "def add(a, b):\n    return a - b\n"
FIX = "calc.py\n```python\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b\n>>>>>>> REPLACE\n```\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    make_repo(root, {"calc.py": CALC})
    return root


def run(repo: Path, server: WireServer, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "run", "--repo", str(repo), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
        env={**os.environ, "OPENAI_BASE_URL": server.openai_url, "EXOSUIT_MODEL": "gpt-5.4",
             "EXOSUIT_MAX_RETRIES": "0", "EXOSUIT_TIMEOUT": "5", "EXOSUIT_CONFIG": "/nonexistent/config.toml"},
    )


def events(result: subprocess.CompletedProcess[str]) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_files_level_without_yes_prints_the_diff_writes_nothing_and_exits_2(repo: Path, wire_server: WireServer) -> None:
    wire_server.script(Reply("Fixed:\n\n" + FIX))
    result = run(repo, wire_server, "--add", "calc.py", "fix add")
    assert result.returncode == 2, result.stderr
    assert "-    return a - b\n+    return a + b" in result.stdout and (repo / "calc.py").read_text() == CALC


def test_files_level_with_yes_writes_through_the_gate(repo: Path, wire_server: WireServer) -> None:
    wire_server.script(Reply("Fixed:\n\n" + FIX))
    result = run(repo, wire_server, "--add", "calc.py", "--yes", "fix add")
    assert result.returncode == 0, result.stderr
    assert "return a + b" in (repo / "calc.py").read_text() and "wrote calc.py" in result.stderr


def test_the_agent_headless_in_json_lines(repo: Path, wire_server: WireServer) -> None:
    wire_server.script(
        Reply(tool_calls=[Call("read_file", {"path": "calc.py"}, id="c1")]),
        Reply(tool_calls=[Call("run_command", {"command": "touch ran.txt"}, id="c2")]),
        Reply(tool_calls=[Call("propose_edit", {"edits": FIX}, id="c3")]),
        Reply("Fix add to add"),  # the commit message of the accepted edit ([git] auto_commit)
        Reply("Fixed add."),
    )
    result = run(repo, wire_server, "--autonomy", "agent", "--yes", "--allow-commands", "--json", "fix add")
    assert result.returncode == 0, result.stderr
    seen = events(result)
    kinds = [e["type"] for e in seen]
    assert kinds[0] == "TurnStarted" and kinds[-1] == "AgentEnded" and seen[-1]["reason"] == "done"
    finished = [(e["name"], e["is_error"]) for e in seen if e["type"] == "ToolFinished"]
    assert finished == [("read_file", False), ("run_command", False), ("propose_edit", False)]
    assert any(e["type"] == "EditWritten" and e["written"] == ["calc.py"] for e in seen)
    assert (repo / "ran.txt").exists() and "return a + b" in (repo / "calc.py").read_text()
    log = subprocess.run(["git", "log", "-1", "--format=%B"], cwd=repo, capture_output=True, text=True).stdout
    assert log == "Fix add to add\n\nCo-authored-by: exosuit (openai/gpt-5.4) <exosuit@localhost>\n\n"
    assert any(e["type"] == "Notice" and e["text"].startswith("Committed ") for e in seen)


def test_without_allow_commands_a_command_is_declined_and_the_exit_is_2(repo: Path, wire_server: WireServer) -> None:
    wire_server.script(Reply(tool_calls=[Call("run_command", {"command": "touch ran.txt"}, id="c1")]), Reply("OK."))
    result = run(repo, wire_server, "--autonomy", "agent", "--json", "go")
    assert result.returncode == 2 and not (repo / "ran.txt").exists()
    declined = next(e for e in events(result) if e["type"] == "ToolFinished")
    assert declined["is_error"] and "--allow-commands" in declined["summary"]


def test_a_destructive_command_is_refused_headless_even_when_commands_are_allowed(repo: Path, wire_server: WireServer) -> None:
    wire_server.script(Reply(tool_calls=[Call("run_command", {"command": "rm -rf ."}, id="c1")]), Reply("OK."))
    result = run(repo, wire_server, "--autonomy", "agent", "--allow-commands", "--json", "clean")
    assert result.returncode == 2 and (repo / "calc.py").exists()


def test_the_step_budget_exits_3(repo: Path, wire_server: WireServer) -> None:
    wire_server.script(*[Reply(tool_calls=[Call("list_files", {}, id=f"c{n}")]) for n in range(5)])
    result = run(repo, wire_server, "--autonomy", "agent", "--max-steps", "2", "explore")
    assert result.returncode == 3 and "agent budget: stopped after 2 steps (max_steps)" in result.stderr

"""Commands in the sandbox (real bubblewrap): what they may touch, their deadline and stop, their
output cap. Skipped where bubblewrap cannot make a sandbox; the unsandboxed path is tested too."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from app import shell
from app.shell import run_command, sandbox_available
from tests.widgets.conftest import make_repo

sandboxed = pytest.mark.skipif(not sandbox_available(), reason="bubblewrap cannot make a sandbox here")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    make_repo(root, {"a.py": "x = 1\n"})
    return root


def test_a_command_runs_in_the_repo_and_reports_its_exit_code_and_output(repo: Path) -> None:
    result = run_command(repo, "cat a.py; echo err >&2; exit 3")
    assert (result.exit_code, result.output) == (3, "x = 1\nerr\n")
    assert result.sandboxed == sandbox_available() and result.summary().startswith("cat a.py; echo err >&2; exit 3: exit 3")


@sandboxed
def test_the_repo_is_writable_and_nothing_else_is(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    result = run_command(repo, f"echo new > b.py; echo x > {outside}; touch /etc/exosuit-test; touch .git/x; echo done")
    assert (repo / "b.py").read_text() == "new\n"
    assert not outside.exists() and not Path("/etc/exosuit-test").exists() and not (repo / ".git" / "x").exists()
    assert "Read-only file system" in result.output and result.output.endswith("done\n")


@sandboxed
def test_no_network_not_even_this_machine(repo: Path) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        probe = f"python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=2)\""
        assert run_command(repo, probe).exit_code != 0
        assert run_command(repo, probe, network=True).exit_code == 0  # when the person allows it


@pytest.mark.parametrize("sandbox", [True, False])
def test_the_persons_keys_and_tokens_stay_out_of_the_environment(
    repo: Path, monkeypatch: pytest.MonkeyPatch, sandbox: bool
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp-secret")
    result = run_command(repo, "env", sandbox=sandbox)
    assert "secret" not in result.output and "PATH=" in result.output


def survivors(marker: str) -> list[str]:
    listed = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True, check=False)
    return listed.stdout.split()


@pytest.mark.parametrize("sandbox", [True, False])
def test_a_deadline_kills_the_whole_process_group(repo: Path, sandbox: bool) -> None:
    marker = f"sleep 100.{os.getpid()}{int(sandbox)}"
    started = time.monotonic()
    result = run_command(repo, f"{marker} & {marker}", timeout=1, sandbox=sandbox)
    assert result.timed_out and result.exit_code is None and time.monotonic() - started < 10
    time.sleep(0.2)
    assert survivors(marker) == []
    assert "killed after" in result.summary()


def test_a_stop_kills_the_command_at_once(repo: Path) -> None:
    stop = threading.Event()
    marker = f"sleep 100.{os.getpid()}9"
    threading.Timer(0.5, stop.set).start()
    result = run_command(repo, marker, stop=stop)
    assert result.stopped and result.seconds < 5 and result.summary().endswith(("s", "(unsandboxed)"))
    time.sleep(0.2)
    assert survivors(marker) == []


def test_a_flood_of_output_keeps_its_head_and_tail_and_says_what_was_cut(repo: Path) -> None:
    result = run_command(repo, "seq 1 1000000")
    assert len(result.output) < shell.HEAD + shell.TAIL + 100
    assert result.output.startswith("1\n2\n3\n") and result.output.endswith("999999\n1000000\n")
    assert result.cut > 6_000_000 and f"[... {result.cut:,} bytes of output cut ...]" in result.output


@sandboxed
def test_secrets_files_cannot_be_read_inside_and_stay_as_they_are_outside(repo: Path) -> None:
    (repo / ".gitignore").write_text(".env\n")
    (repo / ".env").write_text("API_KEY=sk-do-not-send\n")
    (repo / "config").mkdir()
    (repo / "config" / "deploy.pem").write_text("-----BEGIN PRIVATE KEY-----\n")
    (repo / ".env.example").write_text("API_KEY=\n")  # documents a setting: not hidden
    result = run_command(repo, "cat .env config/deploy.pem .env.example; echo end")
    assert "sk-do-not-send" not in result.output and "PRIVATE KEY" not in result.output
    assert "cat: .env: Permission denied" in result.output and result.output.endswith("API_KEY=\nend\n")
    assert (repo / ".env").read_text() == "API_KEY=sk-do-not-send\n"

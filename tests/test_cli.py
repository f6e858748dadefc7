"""The `exosuit` command line as a real subprocess: behaviour shared by the headless commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import git

from tests.wire_server import Reply, WireServer

ROOT = Path(__file__).resolve().parents[1]


def exosuit(*args: str, cwd: Path = ROOT, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if "input" not in kwargs:
        kwargs.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=cwd, env=env, text=True, timeout=60, **kwargs
    )


def test_output_into_a_closed_pipe_is_not_a_traceback() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written (`exosuit config | head -0`)
    try:
        result = exosuit("config", stdout=write_end, stderr=subprocess.PIPE)
    finally:
        os.close(write_end)
    assert result.returncode == 0
    assert result.stderr == ""


def test_project_config_is_found_from_a_subdirectory_of_the_repo(tmp_path: Path) -> None:
    git.Repo.init(tmp_path)
    (tmp_path / ".exosuit.toml").write_text('[[providers]]\nname = "proj"\nkind = "local"\n')
    (tmp_path / "src").mkdir()
    result = exosuit("config", cwd=tmp_path / "src", capture_output=True)
    assert result.returncode == 0, result.stderr
    assert "  1. proj\n" in result.stdout
    assert "project  " in result.stdout and "(found)" in result.stdout.split("project  ")[1].splitlines()[0]


def test_ask_from_a_subdirectory_uses_the_project_config(tmp_path: Path, wire_server: WireServer) -> None:
    git.Repo.init(tmp_path)
    (tmp_path / ".exosuit.toml").write_text(
        f'[[providers]]\nname = "proj"\nkind = "openai"\nbase_url = "{wire_server.openai_url}"\n'
        'model = "project-model"\nmax_retries = 0\n'
    )
    (tmp_path / "src").mkdir()
    wire_server.script(Reply("from the project's server"))
    result = exosuit("ask", "hi", cwd=tmp_path / "src", capture_output=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "from the project's server\n"
    assert wire_server.requests[-1].body["model"] == "project-model"


def test_ask_and_config_refuse_a_missing_repo_directory(tmp_path: Path) -> None:
    for command in (["ask", "hi"], ["config"]):
        result = exosuit(*command, "--repo", str(tmp_path / "nope"), capture_output=True)
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr == f"exosuit: no such directory: {tmp_path / 'nope'}\n"


def test_an_empty_question_is_not_sent(tmp_path: Path, wire_server: WireServer) -> None:
    (tmp_path / ".exosuit.toml").write_text(
        f'[[providers]]\nkind = "openai"\nbase_url = "{wire_server.openai_url}"\nmodel = "m"\n'
    )
    result = exosuit("ask", "--repo", str(tmp_path), " ", capture_output=True)
    assert (result.returncode, result.stderr) == (2, "exosuit: the question is empty\n")
    assert wire_server.requests == []


def openai_project(tmp_path: Path, wire_server: WireServer) -> None:
    (tmp_path / ".exosuit.toml").write_text(
        f'[[providers]]\nkind = "openai"\nbase_url = "{wire_server.openai_url}"\nmodel = "m"\nmax_retries = 0\n'
    )


def test_ask_dash_reads_the_question_from_stdin(tmp_path: Path, wire_server: WireServer) -> None:
    openai_project(tmp_path, wire_server)
    wire_server.script(Reply("4"))
    result = exosuit("ask", "--repo", str(tmp_path), "-", input="what is 2 + 2?\n", capture_output=True)
    assert (result.returncode, result.stdout) == (0, "4\n"), result.stderr
    assert wire_server.requests[-1].body["messages"][-1]["content"] == "what is 2 + 2?"


def test_text_piped_with_a_question_goes_with_it(tmp_path: Path, wire_server: WireServer) -> None:
    openai_project(tmp_path, wire_server)
    wire_server.script(Reply("looks fine"))
    piped = "-x = 1\n+x = 2\n```\n"
    result = exosuit("ask", "--repo", str(tmp_path), "review", "this", input=piped, capture_output=True)
    assert result.returncode == 0, result.stderr
    sent = wire_server.requests[-1].body["messages"][-1]["content"]
    assert sent.startswith("review this\n\n") and f"\n````\n{piped}````" in sent


def test_exosuit_without_a_terminal_says_so_and_exits(tmp_path: Path) -> None:
    git.Repo.init(tmp_path)
    result = exosuit("--repo", str(tmp_path), cwd=tmp_path, capture_output=True, start_new_session=True)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("exosuit: needs a terminal")

"""`exosuit` (the TUI command) before the TUI opens: no git repo, bad config — one line, exit 2 (the code every command gives for it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def exosuit(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    env["EXOSUIT_CONFIG"] = "/nonexistent/config.toml"
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30,
    )


def test_outside_a_git_repo_without_a_terminal(tmp_path: Path) -> None:
    result = exosuit("--repo", str(tmp_path))
    assert result.returncode == 2
    assert result.stdout.splitlines() == [
        f"exosuit: {tmp_path} is not inside a git repository (changes are reviewed as git diffs).",
        f"Create one with: git init {tmp_path}",
    ]
    assert not (tmp_path / ".git").exists()


@pytest.mark.parametrize("command", [["tui"], ["ask", "hi"], ["config"]])
def test_a_corrupt_project_config_is_one_line_and_exit_2_for_every_command(repo: Path, command: list[str]) -> None:
    (repo / ".exosuit.toml").write_text("[[providers]]\nkind = 'openai'\nmodel = \n")
    result = exosuit(*command, "--repo", str(repo))
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"exosuit: config error: {repo / '.exosuit.toml'}:3")


@pytest.mark.parametrize("command", [[], ["ask", "hi"], ["config"], ["apply", "-"], ["review"]])
def test_a_missing_directory_is_exit_2_for_every_command(tmp_path: Path, command: list[str]) -> None:
    result = exosuit(*command, "--repo", str(tmp_path / "nope"))
    assert result.returncode == 2 and "no such directory" in result.stderr

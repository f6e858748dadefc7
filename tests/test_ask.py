"""`exosuit ask` as a real subprocess, with the environment pointing at wire servers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.wire_server import Reply, Status, WireServer

ROOT = Path(__file__).resolve().parents[1]


def ask(repo: Path, *words: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "ask", "--repo", str(repo), *words],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "EXOSUIT_MAX_RETRIES": "0", "EXOSUIT_TIMEOUT": "5", **env},
    )


def test_answer_streams_to_stdout_and_usage_to_stderr(tmp_path: Path, wire_server: WireServer) -> None:
    wire_server.script(Reply("Four", ".", usage=(1000, 2)))
    result = ask(tmp_path, "what", "is", "2+2?", OPENAI_BASE_URL=wire_server.openai_url, EXOSUIT_MODEL="gpt-5.4")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Four.\n"
    assert result.stderr.strip() == "openai/gpt-5.4: 1.0k↑ 2↓ $0.0025"  # $2.50/M in, $15/M out
    sent = wire_server.requests[-1].body["messages"]
    assert sent[-1] == {"role": "user", "content": "what is 2+2?"}


def test_failover_is_reported_on_stderr(tmp_path: Path, wire_server: WireServer) -> None:
    with WireServer() as backup:
        wire_server.script(Status(503, "overloaded"))
        backup.script(Reply("from the backup", usage=None))  # like llama.cpp: no usage in streams
        (tmp_path / ".exosuit.toml").write_text(
            f'[[providers]]\nname = "primary"\nkind = "anthropic"\nbase_url = "{wire_server.url}"\n'
            f'api_key_env = "PRIMARY_KEY"\n\n'
            f'[[providers]]\nname = "ollama"\nkind = "openai"\nbase_url = "{backup.openai_url}"\n'
            f'model = "qwen2.5-coder"\n'
        )
        result = ask(tmp_path, "hi", PRIMARY_KEY="sk-test")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "from the backup\n"
    lines = result.stderr.splitlines()
    assert lines[0] == "primary unavailable (server error (503): overloaded) — switched to ollama/qwen2.5-coder (a smaller model: expect weaker answers)"
    assert lines[1].startswith("ollama/qwen2.5-coder: ~") and lines[1].endswith("$?")  # estimated, unpriced


def test_no_provider_answering_exits_1_with_one_line(tmp_path: Path, wire_server: WireServer) -> None:
    wire_server.script(Status(500, "down"))
    result = ask(tmp_path, "hi", OPENAI_BASE_URL=wire_server.openai_url, EXOSUIT_PROVIDER="openai",
                 EXOSUIT_MODEL="m")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == "exosuit: openai: server error (500): down\n"


def test_a_server_that_is_down_is_never_replaced_by_the_smoke_test_model(tmp_path: Path, wire_server: WireServer) -> None:
    """The default setup, a local server named by OPENAI_BASE_URL, and that server failing: the
    answer is an error (rc 1), not the built-in 135M model's nonsense with rc 0."""
    wire_server.script(Status(503, "loading model"))
    result = ask(tmp_path, "hi", OPENAI_BASE_URL=wire_server.openai_url, EXOSUIT_MODEL="m")
    assert result.returncode == 1 and result.stdout == ""
    assert "SmolLM2" not in result.stderr and "switched" not in result.stderr
    assert result.stderr == "exosuit: openai: server error (503): loading model\n"


def test_a_broken_stream_is_not_passed_off_as_an_answer(tmp_path: Path, wire_server: WireServer) -> None:
    wire_server.script(Reply("The answer is", " never finished", drop_after=1))
    result = ask(tmp_path, "hi", OPENAI_BASE_URL=wire_server.openai_url, EXOSUIT_PROVIDER="openai",
                 EXOSUIT_MODEL="m")
    assert result.returncode == 1
    assert result.stdout == "The answer is\n"
    assert result.stderr.startswith("exosuit: openai: stream broke: connection failed")


def test_bad_config_exits_2_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / ".exosuit.toml").write_text('[[providers]]\nkind = "local"\nthreads = 0\n')
    result = ask(tmp_path, "hi")
    assert result.returncode == 2
    assert result.stderr == f"exosuit: config error: {tmp_path / '.exosuit.toml'}:3: providers[1]: threads must be 1 or more\n"


def test_bad_key_exits_1_with_the_variable_to_check(tmp_path: Path, wire_server: WireServer) -> None:
    wire_server.script(Status(401, "invalid x-api-key"))
    (tmp_path / ".exosuit.toml").write_text(
        f'[[providers]]\nkind = "anthropic"\nbase_url = "{wire_server.url}"\n'
    )
    result = ask(tmp_path, "hi", ANTHROPIC_API_KEY="sk-ant-wrong")
    assert result.returncode == 1
    assert result.stderr == "exosuit: anthropic: authentication failed (401) — check ANTHROPIC_API_KEY\n"


@pytest.mark.slow
def test_offline_default_answers_with_the_embedded_model_and_says_so(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp", reason="the `local` extra (llama-cpp-python) is not installed")
    result = ask(tmp_path, "Say", "hi.")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert result.stderr.startswith("Offline built-in model (SmolLM2-135M-Instruct)")
    assert result.stderr.splitlines()[-1].startswith("local/SmolLM2-135M-Instruct: ~")


def test_a_reader_that_goes_away_is_not_an_error(tmp_path: Path, wire_server: WireServer) -> None:
    wire_server.script(Reply(*[f"line {n}\n" for n in range(20000)]))  # far more than a pipe holds
    command = [sys.executable, "-m", "app.cli", "ask", "--repo", str(tmp_path), "hi"]
    env = {**os.environ, "OPENAI_BASE_URL": wire_server.openai_url, "EXOSUIT_PROVIDER": "openai",
           "EXOSUIT_MODEL": "m"}
    result = subprocess.run(f"{' '.join(command)} | head -1", shell=True, cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.stdout == "line 0\n"
    assert "Traceback" not in result.stderr


def test_add_shows_the_model_files_and_keeps_secrets_out(tmp_path: Path, wire_server: WireServer) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    (tmp_path / "test_calc.py").write_text("from calc import add\n")
    (tmp_path / ".env").write_text("TOKEN=hunter2\n")
    env = {"OPENAI_BASE_URL": wire_server.openai_url, "EXOSUIT_MODEL": "gpt-5.4"}
    wire_server.script(Reply("ok"))
    result = ask(tmp_path, "--add", "calc.py", "--add", "test_*.py", "explain", **env)
    assert result.returncode == 0, result.stderr
    sent = str(wire_server.requests[-1].body["messages"])
    assert "return a + b" in sent and "from calc import add" in sent and "hunter2" not in sent
    result = ask(tmp_path, "--add", ".env", "explain", **env)
    assert result.returncode == 2 and "named like a secrets file; not sent" in result.stderr
    assert len(wire_server.requests) == 1
    result = ask(tmp_path, "--add", "nope.py", "explain", **env)
    assert (result.returncode, result.stderr.strip()) == (2, "exosuit: no such file in the repo: nope.py")

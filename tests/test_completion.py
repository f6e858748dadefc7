"""Tab-level completions in the core: one request at a time, the one in flight closed when a
newer one starts (the wire server sees the disconnect), stale replies dropped, results cached,
and what the model returns trimmed so it never repeats the code after the cursor."""

from __future__ import annotations

import threading
import time

from app.completion import Completions, trim
from app.config import Config
from app.llm.meter import Meter
from app.llm.registry import build_router
from tests.wire_server import Hang, Reply, Status, WireServer, openai_config


def completions(server: WireServer) -> Completions:
    config = openai_config(server, fim="native", model="qwen2.5-coder")
    return Completions(build_router(Config(providers=[config])), Meter())


def asked_in_a_thread(ghost: Completions, prefix: str, server: WireServer) -> tuple[threading.Thread, list[str | None]]:
    """A completion asked in a thread of its own, once the server has its request; its result list."""
    results: list[str | None] = []
    worker = threading.Thread(target=lambda: results.append(ghost.complete(prefix, "")))
    worker.start()
    deadline = time.monotonic() + 5
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    return worker, results


def test_trim_keeps_the_middle_only() -> None:
    assert trim("x)", "print(", ")\n") == "x"  # the rest of the line is already there
    assert trim("a + b\n    return c", "def f(a, b):\n    c = ", "\n    return c\n") == "a + b"
    body = "\n    return a + b\n\n\ndef sub(a, b):\n    return a - b"
    assert trim(body, "def add(a, b):", "\n") == "\n    return a + b"  # the block it opened, then stop
    inner = "total += x\n    return total"
    assert trim(inner, "def s(xs):\n    total = 0\n    for x in xs:\n        ", "\n") == "total += x"  # dedent ends it
    assert trim("\n".join(f"x{i} = {i}" for i in range(30)), "", "").count("\n") == 11
    assert trim("value\n\n\n", "", "") == "value"


def test_a_completion_through_the_sdk_is_trimmed_cached_and_metered(wire_server: WireServer) -> None:
    wire_server.script(Reply("a + b\n", "    return c", usage=(40, 6)))
    ghost = completions(wire_server)
    assert ghost.complete("def f(a, b):\n    c = ", "\n    return c\n") == "a + b"
    assert ghost.complete("def f(a, b):\n    c = ", "\n    return c\n") == "a + b"  # cached: no second request
    assert len(wire_server.requests) == 1 and wire_server.requests[0].body["suffix"] == "\n    return c\n"
    assert ghost.meter.requests[0].usage.input_tokens == 40 and ghost.tally.requested == 1


def test_a_newer_request_closes_the_one_in_flight_and_its_late_reply_is_dropped(wire_server: WireServer) -> None:
    wire_server.script(Hang(), Reply("second"))
    ghost = completions(wire_server)
    first, results = asked_in_a_thread(ghost, "a", wire_server)
    assert ghost.complete("ab", "") == "second"
    first.join(5)
    assert results == [None] and wire_server.wait_for_disconnect(5)  # the first was closed, not waited for
    assert ghost.error == ""


def test_cancel_drops_the_request_in_flight_and_a_failure_is_one_quiet_line(wire_server: WireServer) -> None:
    wire_server.script(Hang(), Status(503, "down"))
    ghost = completions(wire_server)
    worker, results = asked_in_a_thread(ghost, "x", wire_server)
    ghost.cancel()
    worker.join(5)
    assert results == [None] and not worker.is_alive() and ghost.error == ""  # a cancel is no error
    assert ghost.complete("y", "") is None and ghost.error.startswith("openai") and "\n" not in ghost.error


def test_exosuit_complete_prints_one_completion_and_fails_with_one_line(tmp_path, wire_server: WireServer) -> None:  # noqa: ANN001
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    (tmp_path / "area.py").write_text("def area(side):\n    return \n")
    (tmp_path / "config.toml").write_text(
        f'[[providers]]\nname = "local-server"\nkind = "openai"\nmodel = "qwen2.5-coder"\nbase_url = "{wire_server.openai_url}"\n'
        'api_key = "x"\nfim = "native"\nmax_retries = 0\n'
    )
    env = {**os.environ, "PYTHONPATH": str(root), "EXOSUIT_CONFIG": str(tmp_path / "config.toml")}

    def complete(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "app.cli", "complete", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60)

    wire_server.script(Reply("side * side"), Status(503, "down"))
    done = complete("area.py", "2", "12")
    assert (done.returncode, done.stdout) == (0, "side * side")
    assert wire_server.requests[0].body["prompt"] == "def area(side):\n    return " and wire_server.requests[0].body["suffix"] == "\n"
    failed = complete("area.py", "2", "12")
    assert failed.returncode == 1 and failed.stderr.count("\n") == 1 and failed.stderr.startswith("exosuit complete: ")
    outside = complete("area.py", "9", "1")
    assert outside.returncode == 2 and "has no line 9, column 1" in outside.stderr


def test_roles_route_completions_and_commit_messages_to_their_own_providers(tmp_path, wire_server: WireServer) -> None:  # noqa: ANN001
    import git as gitpython
    import pytest as _pytest

    from app.chat import ChatSession
    from app.config import ConfigError, load_config
    from app.conversation import Conversation
    from tests.test_conversation import CALC, TYPE_ADD, ScriptedReviewer, accept_all
    from tests.widgets.conftest import make_repo

    make_repo(tmp_path, {"calc.py": CALC})
    url = wire_server.openai_url
    providers = "".join(
        f'[[providers]]\nname = "{name}"\nkind = "openai"\nmodel = "{name}-model"\nbase_url = "{url}"\napi_key = "x"\n'
        f'fim = "native"\nmax_retries = 0\n\n' for name in ("chat", "tab", "scribe")
    )
    (tmp_path / ".exosuit.toml").write_text(providers + '[roles]\ncomplete = ["tab"]\ncommit = ["scribe"]\n')
    config = load_config(tmp_path)
    assert build_router(config, "complete").model == "tab-model" and build_router(config).model == "chat-model"
    wire_server.script(Reply("x"), Reply(TYPE_ADD), Reply("Type add"))
    Completions(build_router(config, "complete"), Meter()).complete("a = ", "")
    session = ChatSession.from_config(tmp_path, config)
    session.context.add("calc.py")
    conversation = Conversation(session, ScriptedReviewer(accept_all), auto_commit=True, commit_router=build_router(config, "commit"))
    list(conversation.send("type add"))
    assert [r.body["model"] for r in wire_server.requests] == ["tab-model", "chat-model", "scribe-model"]
    assert "(chat/chat-model)" in gitpython.Repo(tmp_path).head.commit.message  # the trailer names who wrote the change

    (tmp_path / ".exosuit.toml").write_text(providers + '[roles]\ncomplete = ["nobody"]\n')
    with _pytest.raises(ConfigError, match=r"\.exosuit\.toml:\d+: \[roles\] complete: no provider named nobody"):
        load_config(tmp_path)


def test_a_coder_model_gets_its_own_fim_tokens_and_a_local_one_a_short_window() -> None:
    from app.llm.fim import LOCAL_PREFIX_CHARS, LOCAL_SUFFIX_CHARS, fim_prompt, window

    assert fim_prompt("qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", "def f(", "):\n") == "<|fim_prefix|>def f(<|fim_suffix|>):\n<|fim_middle|>"
    assert fim_prompt("starcoder2-3b", "a", "b") == "<fim_prefix>a<fim_suffix>b<fim_middle>"
    assert fim_prompt("CodeLlama-7b", "a", "b") == "<PRE> a <SUF>b <MID>"
    assert fim_prompt("SmolLM2-135M-Instruct", "a", "b") is None  # no FIM tokens: plain continuation
    assert fim_prompt("qwen2.5-7b-instruct", "a", "b") is None  # a chat model, not the coder
    before, after = window("x" * 5000, "y" * 5000, local=True)
    assert (len(before), len(after)) == (LOCAL_PREFIX_CHARS, LOCAL_SUFFIX_CHARS)

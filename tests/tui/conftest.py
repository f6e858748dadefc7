"""Fixtures for the TUI tests: a temp git repo, and apps wired to the wire server through real SDKs."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from app.chat import ChatSession
from app.config import Config, ProviderConfig
from app.llm.meter import Meter
from app.llm.registry import build_router
from tests.wire_server import WireServer
from widgets.tui import ExosuitApp

GREET = 'def greet(name):\n    return "hello " + name\n'


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repo with a couple of files, in a directory with a fixed name (it shows in the UI)."""
    root = tmp_path / "demo-repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "app").mkdir()
    (root / "app" / "greet.py").write_text(GREET)
    (root / "README.md").write_text("# demo\n")
    (root / ".env").write_text("API_TOKEN=do-not-send\n")
    return root


def provider(server: WireServer, kind: str, name: str | None = None, model: str | None = None) -> ProviderConfig:
    """A provider of `kind` ("openai" or "anthropic") pointed at the wire server."""
    return ProviderConfig(
        name=name or kind,
        kind=kind,
        model=model or {"openai": "gpt-4.1-mini", "anthropic": "claude-sonnet-5-5"}[kind],
        base_url=server.openai_url if kind == "openai" else server.url,
        api_key="test-key",
        max_retries=0,
        timeout=5.0,
    )


MakeApp = Callable[..., ExosuitApp]


@pytest.fixture
def make_app(repo: Path, wire_server: WireServer) -> MakeApp:
    """Build an ExosuitApp whose providers (kinds in failover order) talk to the wire server."""

    def make(*kinds: str) -> ExosuitApp:
        config = Config(providers=[provider(wire_server, kind) for kind in kinds or ("openai",)])
        return ExosuitApp(ChatSession(repo, build_router(config), Meter()))

    return make

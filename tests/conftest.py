"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from app.context import secrets
from tests.pilot import wait_for_screen
from tests.tmux import terminals  # noqa: F401 (a fixture for the tmux tests)
from tests.wire_server import WireServer

SETTINGS_ENV = (
    "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL",
    "EXOSUIT_CONFIG", "EXOSUIT_PROVIDER", "EXOSUIT_MODEL", "EXOSUIT_TIMEOUT",
    "EXOSUIT_MAX_RETRIES", "EXOSUIT_THREADS",
)


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test runs without the developer's keys, config or remembered state: returns the
    (absent) user config path.

    Tests that want a user config write this file; `exosuit` subprocesses inherit the environment.
    """
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    path = tmp_path_factory.mktemp("user-config") / "config.toml"
    monkeypatch.setenv("EXOSUIT_CONFIG", str(path))
    monkeypatch.setenv("EXOSUIT_STATE", str(path.parent / "state.json"))
    monkeypatch.setenv("EXOSUIT_CACHE", str(path.parent / "cache"))
    monkeypatch.setenv("EXOSUIT_MODELS", str(path.parent / "models"))
    monkeypatch.setenv("EXOSUIT_SESSIONS", str(path.parent / "sessions"))
    yield path
    secrets.configure([], [])  # a session made from a config set the project's deny-list


@pytest.fixture(autouse=True)
def pilot_waits_safely(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pilot's settle-wait, minus its hang on widgets that close while it waits (tests/pilot.py)."""
    monkeypatch.setattr(Pilot, "_wait_for_screen", wait_for_screen)


@pytest.fixture
def wire_server() -> Iterator[WireServer]:
    """A scripted Anthropic/OpenAI wire-protocol server on 127.0.0.1 (see tests/wire_server.py)."""
    with WireServer() as server:
        yield server

"""Snapshots of the main screen (plain `def` tests: snap_compare runs its own event loop).

Update after a deliberate change with `pytest tests/tui/test_snapshots.py --snapshot-update`, and
look at the report before committing the new SVGs.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.pilot import Pilot

from app.chat import ChatSession
from app.config import Config, ProviderConfig
from app.llm.meter import Meter
from app.llm.registry import build_router
from tests.tui.conftest import provider
from tests.wire_server import Reply, WireServer
from widgets.answer_view import AnswerView
from widgets.main_screen import MainScreen
from widgets.prompt_input import PromptInput
from widgets.review import ReviewScreen
from widgets.tui import ExosuitApp

SIZE = (100, 32)

EDIT_ANSWER = (
    "Add type hints to `greet`:\n\n",
    "app/greet.py\n```python\n<<<<<<< SEARCH\ndef greet(name):\n=======\n",
    "def greet(name: str) -> str:\n>>>>>>> REPLACE\n```\n\n",
    "The body is unchanged.",
)


class SnapshotApp(ExosuitApp):
    """The app with a fixed theme and no cursor blink, so every run paints the same."""

    def on_load(self) -> None:
        self.theme = "textual-dark"

    def on_ready(self) -> None:
        self.screen.query_one(PromptInput).cursor_blink = False


def make(repo: Path, *providers: ProviderConfig) -> SnapshotApp:
    return SnapshotApp(ChatSession(repo, build_router(Config(providers=list(providers))), Meter()))


async def ask(pilot: Pilot, text: str) -> None:
    prompt = pilot.app.screen.query_one(PromptInput)
    prompt.text = text
    await pilot.press("end", "enter")
    await pilot.pause()
    await settled(pilot)


async def settled(pilot: Pilot) -> None:
    """Wait until the answer has ended and the conversation loop is done or waits for a review."""
    main = next(s for s in pilot.app.screen_stack if isinstance(s, MainScreen))
    deadline = time.monotonic() + 30
    while main.query(AnswerView).last().status in ("waiting", "streaming") or (
        main.conversation.busy and not isinstance(pilot.app.screen, ReviewScreen)
    ):
        assert time.monotonic() < deadline
        await pilot.pause(0.02)
    await pilot.pause()


def test_answer_with_an_edit(snap_compare, repo: Path, wire_server: WireServer) -> None:
    wire_server.script(Reply(*EDIT_ANSWER, usage=(1840, 96)))
    app = make(repo, provider(wire_server, "openai", model="wire-model"))

    async def run_before(pilot: Pilot) -> None:
        prompt = app.screen.query_one(PromptInput)
        prompt.text = "/add app/greet.py"
        await pilot.press("end", "enter")
        await ask(pilot, "Add type hints to greet")
        assert isinstance(pilot.app.screen, ReviewScreen)  # the edit opened the review
        await pilot.press("y", "ctrl+s")  # accept the one hunk and write it
        await settled(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_offline_model_banner(snap_compare, repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXOSUIT_CONFIG", "/etc/exosuit/config.toml")  # the path the notice names
    local = ProviderConfig(name="local", kind="local", model="SmolLM2-135M-Instruct")
    assert snap_compare(make(repo, local), terminal_size=SIZE)


def test_failover_and_broken_stream(snap_compare, repo: Path, wire_server: WireServer) -> None:
    from tests.wire_server import Status

    wire_server.script(Status(503, "down"), Reply("The first half of", " the answer", drop_after=1))
    app = make(
        repo,
        provider(wire_server, "anthropic", model="wire-model"),
        provider(wire_server, "openai", model="wire-model"),
    )

    async def run_before(pilot: Pilot) -> None:
        await ask(pilot, "Explain the repo")
        app.clear_notifications()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_context_list_and_a_held_question(snap_compare, repo: Path, wire_server: WireServer) -> None:
    """The context list over a question held back because it would nearly fill the window."""
    import dataclasses

    (repo / "big.py").write_text("".join(f"def step_{i}(value):\n    return value + {i}\n\n" for i in range(120)))
    wire_server.script(Reply("ok"))
    app = make(repo, dataclasses.replace(provider(wire_server, "anthropic", model="wire-model"), context_window=2000))

    async def run_before(pilot: Pilot) -> None:
        prompt = app.screen.query_one(PromptInput)
        prompt.text = "/add big.py app/greet.py"
        await pilot.press("end", "enter")
        prompt.text = "What does step_3 do?"
        await pilot.press("end", "enter", "ctrl+o")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

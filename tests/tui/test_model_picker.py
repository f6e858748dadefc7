"""The /model picker with Pilot: it opens at once with the configured models, adds what the
servers offer as it arrives (through the real SDKs against wire servers), says which server could
not be asked, filters as you type, and switches to a model only a server listed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from app.chat import ChatSession
from app.config import Config
from app.llm.meter import Meter
from app.llm.registry import build_router
from tests.tui.conftest import provider
from tests.tui.test_main_screen import answer_ended, type_and_send
from tests.wire_server import Hang, Reply, WireServer
from widgets.model_picker import ModelPicker
from widgets.prompt_input import PromptInput
from widgets.status_bar import StatusBar
from widgets.tui import ExosuitApp


@pytest.fixture
def slow_server() -> Iterator[WireServer]:
    """A second server whose model list never comes."""
    with WireServer() as server:
        server.models = Hang()
        yield server


def make_app(repo: Path, server: WireServer, slow: WireServer) -> ExosuitApp:
    fast = provider(server, "openai")
    hanging = provider(slow, "openai", name="slow", model="m")
    hanging.timeout = 2.0
    return ExosuitApp(ChatSession(repo, build_router(Config(providers=[fast, hanging])), Meter()))


def listed(picker: ModelPicker) -> list[str]:
    return [str(option.id) for option in picker.query_one(OptionList).options]


def status(picker: ModelPicker) -> str:
    line = picker.query_one("#status", Static)
    return str(line.render()) if line.display else ""


def on_screen(pilot: Pilot) -> str:
    """The text the terminal shows now (what is drawn, not only what the widgets hold)."""
    return pilot.app.export_screenshot().replace("&#160;", " ")


async def settled(pilot: Pilot, picker: ModelPicker, timeout: float = 15.0) -> None:
    """Wait until no server is still being asked."""
    deadline = time.monotonic() + timeout
    while picker.waiting:
        assert time.monotonic() < deadline, f"still loading: {status(picker)}"
        await pilot.pause(0.05)
    await pilot.pause()


async def test_the_picker_fills_in_what_the_servers_offer(
    repo: Path, wire_server: WireServer, slow_server: WireServer
) -> None:
    wire_server.models = ["qwen2.5-coder:7b", "llama3.2:3b"]
    wire_server.script(Reply("hi from llama"))
    app = make_app(repo, wire_server, slow_server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_send(pilot, "/model")
        picker = app.screen
        assert isinstance(picker, ModelPicker)
        assert listed(picker)[:2] == ["openai/gpt-4.1-mini", "slow/m"]  # configured first, at once
        assert status(picker) == "loading the models slow offer…"
        assert "openai/gpt-4.1-mini" in on_screen(pilot) and "loading the models slow offer" in on_screen(pilot)
        await settled(pilot, picker)
        assert listed(picker) == ["openai/gpt-4.1-mini", "slow/m", "openai/qwen2.5-coder:7b", "openai/llama3.2:3b"]
        assert status(picker) == "not listed: slow: no answer after 2s (timed out)"
        assert "openai/llama3.2:3b" in on_screen(pilot) and "not listed: slow" in on_screen(pilot)
        assert picker.query_one(OptionList).highlighted == 0  # the current model stays highlighted

        await pilot.press(*"llama")
        assert listed(picker) == ["openai/llama3.2:3b"]
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, ModelPicker)
        assert app.screen.query_one(StatusBar).model == "llama3.2:3b"
        await type_and_send(pilot, "hello")
        assert (await answer_ended(pilot)).text == "hi from llama"

        prompt = app.screen.query_one(PromptInput)
        prompt.text = "/model openai/q"
        prompt.move_cursor(prompt.document.end)
        await pilot.press("tab")  # completes from the models the servers listed, without asking again
        assert prompt.text == "/model openai/qwen2.5-coder:7b "
    assert wire_server.requests[-1].body["model"] == "llama3.2:3b"
    assert [r.path for r in wire_server.requests].count("/v1/models") == 1


async def test_arrow_keys_move_through_the_list_while_typing_filters(
    repo: Path, wire_server: WireServer, slow_server: WireServer
) -> None:
    wire_server.models = ["qwen2.5-coder:7b", "llama3.2:3b"]
    app = make_app(repo, wire_server, slow_server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_send(pilot, "/model")
        picker = app.screen
        assert isinstance(picker, ModelPicker)
        await settled(pilot, picker)
        await pilot.press(*"openai", "down", "down")
        assert listed(picker) == ["openai/gpt-4.1-mini", "openai/qwen2.5-coder:7b", "openai/llama3.2:3b"]
        await pilot.press("up", "enter")
        await pilot.pause()
        assert app.session.router.model == "qwen2.5-coder:7b"

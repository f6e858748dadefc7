"""Making room in the context window from the TUI: the context list with each part's tokens (drop
and add by key), /compact with its summary shown and undone, and a question that would nearly fill
the window held back until the person compacts, drops files or sends it anyway."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from textual.widgets import DataTable, Input

from app.chat import ChatSession
from app.config import Config
from app.llm.meter import Meter
from app.llm.registry import build_router
from tests.tui.conftest import provider
from tests.tui.test_main_screen import answer_ended, notices, type_and_send
from tests.wire_server import Reply, WireServer
from widgets.chat_pane import SummaryNote
from widgets.context_screen import ContextScreen
from widgets.main_screen import MainScreen
from widgets.overflow_choice import OverflowChoice
from widgets.prompt_input import PromptInput
from widgets.tui import ExosuitApp

BIG = "".join(f"def step_{i}(value):\n    return value + {i}\n\n" for i in range(120))  # ~1.1k tokens


def app_with_window(repo: Path, wire_server: WireServer, window: int) -> ExosuitApp:
    config = dataclasses.replace(provider(wire_server, "openai"), context_window=window)
    (repo / "big.py").write_text(BIG)
    return ExosuitApp(ChatSession(repo, build_router(Config(providers=[config])), Meter()))


def main(app: ExosuitApp) -> MainScreen:
    return next(s for s in app.screen_stack if isinstance(s, MainScreen))


def fill(app: ExosuitApp, share: float) -> None:
    """Make the model's window so small that the next request fills `share` of it."""
    app.session.router.active.context_window = int(app.session.request_size().total / share)


async def settled(pilot, app: ExosuitApp) -> None:  # noqa: ANN001
    for _ in range(500):
        await pilot.pause(0.02)
        if not main(app).conversation.busy:
            await pilot.pause()
            return
    raise AssertionError("the loop is still busy")


async def test_the_context_list_shows_each_part_and_file_in_tokens_and_drops_and_adds_by_key(
    repo: Path, wire_server: WireServer
) -> None:
    app = app_with_window(repo, wire_server, 200_000)
    async with app.run_test(size=(110, 36)) as pilot:
        await type_and_send(pilot, "/add big.py app/greet.py")
        await pilot.press("ctrl+o")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ContextScreen)
        table = screen.query_one(DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        labels = [row[0].strip() for row in rows]
        assert labels[:4] == ["system prompt", "repo map", "conversation (0 turns)", "files (2)"]
        assert labels[4:] == ["big.py", "app/greet.py"]  # largest first
        sizes = app.session.file_tokens()
        assert rows[4][1] == f"{sizes['big.py'] / 1000:.1f}k" and sizes["big.py"] > 1000
        files = app.session.request_size().files  # the block: the files and the words around them
        assert rows[3][1] == f"{files / 1000:.1f}k" and sum(sizes.values()) <= files < sum(sizes.values()) + 100
        table.move_cursor(row=4)
        await pilot.press("d")
        assert app.session.context.paths == ["app/greet.py"]
        await pilot.press("a")
        add = screen.query_one("#add", Input)
        assert add.has_focus
        await pilot.press(*"big.py", "enter")
        assert app.session.context.paths == ["app/greet.py", "big.py"]
        await pilot.press(*"nosuch.py", "enter")
        assert "no such file in the repo: nosuch.py" in str(screen.query_one("#message").render())
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, MainScreen)
        assert app.screen.query_one("StatusBar").context == ("app/greet.py", "big.py")


async def test_compact_shows_the_summary_and_undo_puts_the_turns_back(repo: Path, wire_server: WireServer) -> None:
    wire_server.script(Reply("first " * 300), Reply("second " * 300), Reply("third"), Reply("They asked three things."), Reply("ok"))
    app = app_with_window(repo, wire_server, 200_000)
    async with app.run_test(size=(110, 36)) as pilot:
        for question in ("one?", "two?", "three?"):
            await type_and_send(pilot, question)
            await answer_ended(pilot)
        await type_and_send(pilot, "/compact")
        await settled(pilot, app)
        note = app.screen.query_one(SummaryNote)
        assert "Summary of the 2 earlier turns" in str(note.title) and "/compact undo" in str(note.title)
        assert [t.prompt for t in app.session.turns] == ["three?"]
        summary_request = json.dumps(wire_server.requests[-1].body)
        assert "Person: one?" in summary_request and "three?" not in summary_request
        await type_and_send(pilot, "/compact undo")
        assert "Put back the 2 turns the summary stood in for." in notices(pilot)[-1]
        assert note.has_class("-undone") and [t.prompt for t in app.session.turns] == ["one?", "two?", "three?"]
        await type_and_send(pilot, "four?")
        await answer_ended(pilot)
    assert "They asked three things." not in json.dumps(wire_server.requests[-1].body)


async def test_a_question_that_would_fill_the_window_is_held_until_files_are_dropped(
    repo: Path, wire_server: WireServer
) -> None:
    wire_server.script(Reply("ok"))
    app = app_with_window(repo, wire_server, 200_000)
    async with app.run_test(size=(110, 36)) as pilot:
        await type_and_send(pilot, "/add big.py")
        fill(app, 0.95)
        await type_and_send(pilot, "what does step_3 do?")
        choice = app.screen.query_one(OverflowChoice)
        assert choice.has_focus and list(choice.drops) == ["big.py"] and not wire_server.requests
        assert "c  compact" not in str(choice.query_one(".hint").render())  # nothing to compact yet
        await pilot.press("c")  # so c does nothing
        assert app.screen.query(OverflowChoice)
        await pilot.press("d")
        await answer_ended(pilot)
        assert app.session.context.paths == [] and "› Dropped from the context: big.py" in notices(pilot)
    assert "what does step_3 do?" in json.dumps(wire_server.requests[-1].body)
    assert "step_119" not in json.dumps(wire_server.requests[-1].body)


async def test_a_held_question_goes_after_compacting_or_back_to_the_prompt(repo: Path, wire_server: WireServer) -> None:
    wire_server.script(Reply("long answer " * 500), Reply("another " * 500), Reply("Summary: they asked."), Reply("ok"))
    app = app_with_window(repo, wire_server, 200_000)
    async with app.run_test(size=(110, 36)) as pilot:
        for question in ("one?", "two?"):
            await type_and_send(pilot, question)
            await answer_ended(pilot)
        fill(app, 0.95)
        await type_and_send(pilot, "three?")
        assert app.screen.query(OverflowChoice) and len(wire_server.requests) == 2
        await pilot.press("escape")
        prompt = app.screen.query_one(PromptInput)
        assert prompt.text == "three?" and not app.screen.query(OverflowChoice)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("c")
        await settled(pilot, app)
        await answer_ended(pilot)
        assert app.screen.query(SummaryNote)
        assert [t.prompt for t in app.session.turns] == ["two?", "three?"]
    last = json.dumps(wire_server.requests[-1].body)
    assert "Summary: they asked." in last and "three?" in last

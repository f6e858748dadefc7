"""The editor pane and ghost text at the Tab level, through the real SDK and the wire server: one
request per pause in typing, not one per key; a request in flight closed when typing resumes;
tab / ctrl+right / escape; a save through the write gate, byte-exact, on no undo stack."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Tab

from app.chat import ChatSession
from app.config import Config
from app.llm.meter import Meter
from app.llm.registry import build_router
from tests.tui.conftest import provider
from tests.tui.test_main_screen import notices, type_and_send
from tests.wire_server import Hang, Reply, WireServer
from widgets.editor_pane import EditorPane
from widgets.editor_tabs import EditorTabs
from widgets.range_review import RangeReview
from widgets.tui import ExosuitApp


def app_for(repo: Path, server: WireServer) -> ExosuitApp:
    config = Config(providers=[dataclasses.replace(provider(server, "openai"), fim="native")])
    return ExosuitApp(ChatSession(repo, build_router(config), Meter()), config=config)


async def until(pilot: Pilot, predicate, what: str, timeout: float = 10.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"no {what}"
        await pilot.pause(0.02)


async def open_at_end_of_first_line(pilot: Pilot, path: str) -> EditorPane:
    await type_and_send(pilot, f"/edit {path}")
    editor = pilot.app.screen.query_one(EditorPane)
    editor.move_cursor((0, len(editor.document.get_line(0))))
    return editor


async def test_ghost_text_comes_once_per_pause_and_tab_takes_it_then_a_save_is_byte_exact(
    repo: Path, wire_server: WireServer
) -> None:
    (repo / "app" / "greet.py").write_bytes(b"def greet(name):\r\n    return name\r\n")  # CRLF, kept
    wire_server.script(Reply("  # says hello"))
    app = app_for(repo, wire_server)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("alt+1")  # Tab
        editor = await open_at_end_of_first_line(pilot, "app/greet.py")
        assert editor.has_focus and editor.ghost and editor.language == "python"
        await pilot.press(*" ")  # a pause after one key...
        await until(pilot, lambda: editor.suggestion == "  # says hello", "ghost text")
        assert len(wire_server.requests) == 1
        prompt = wire_server.requests[0].body["prompt"]
        assert prompt == "def greet(name): " and wire_server.requests[0].body["suffix"] == "\r\n    return name\r\n"
        await pilot.press("tab")
        assert editor.document.get_line(0) == "def greet(name):   # says hello" and editor.suggestion == ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert main_workspace(app).undoable is None  # the person's own save is on no undo stack
    assert (repo / "app" / "greet.py").read_bytes() == b"def greet(name):   # says hello\r\n    return name\r\n"


def main_workspace(app: ExosuitApp):  # noqa: ANN201
    from widgets.main_screen import MainScreen

    return next(s for s in app.screen_stack if isinstance(s, MainScreen)).conversation.workspace


async def test_typing_fast_asks_once_and_typing_again_closes_the_request_in_flight(
    repo: Path, wire_server: WireServer
) -> None:
    wire_server.script(Hang(), Reply("name!"))
    app = app_for(repo, wire_server)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("alt+1")
        editor = await open_at_end_of_first_line(pilot, "app/greet.py")
        editor.debounce = 0.3
        await pilot.press(*"  # hi")  # faster than the pause: no request yet
        assert wire_server.requests == []
        await until(pilot, lambda: len(wire_server.requests) == 1, "one request after the pause")
        await pilot.press("x")  # typing again: the request in flight is closed
        assert wire_server.wait_for_disconnect(5)
        await until(pilot, lambda: editor.suggestion == "name!", "the second request's ghost text")
        assert len(wire_server.requests) == 2
        await pilot.press("ctrl+right")  # the next word only
        assert editor.document.get_line(0).endswith("# hixname!") and editor.suggestion == ""


async def test_escape_dismisses_and_a_moved_cursor_drops_the_suggestion_and_other_levels_ask_nothing(
    repo: Path, wire_server: WireServer
) -> None:
    wire_server.script(Reply("one two three"))
    app = app_for(repo, wire_server)
    async with app.run_test(size=(140, 40)) as pilot:
        editor = await open_at_end_of_first_line(pilot, "app/greet.py")
        await pilot.press(*" ")
        await pilot.pause(0.4)
        assert wire_server.requests == [] and editor.suggestion == ""  # Files level: no ghost text
        await pilot.press("alt+1")
        editor.focus()
        await pilot.press("backspace")
        await until(pilot, lambda: editor.suggestion == "one two three", "ghost text")
        await pilot.press("ctrl+right")
        assert editor.document.get_line(0).endswith("one") and editor.suggestion == " two three"
        await pilot.press("escape")
        assert editor.suggestion == ""
        await pilot.press("ctrl+e")  # to the prompt and back
        assert not editor.has_focus
        await pilot.press("ctrl+e")
        assert editor.has_focus
        await pilot.press("ctrl+e")
        await type_and_send(pilot, "/edit nosuch.py")
        assert "Cannot open nosuch.py: no such file in the repo: nosuch.py" in notices(pilot)[-1]


async def test_a_file_changed_on_disk_is_read_again_or_the_person_chooses_and_odd_files_say_why(
    repo: Path, wire_server: WireServer, monkeypatch
) -> None:  # noqa: ANN001
    from widgets import editor_pane
    from widgets.main_screen import MainScreen
    from widgets.review_dialogs import ChoiceScreen

    monkeypatch.setattr(editor_pane, "MAX_EDITED_BYTES", 2_000)  # a huge file, small enough for a test

    greet = repo / "app" / "greet.py"
    app = app_for(repo, wire_server)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        editor = await open_at_end_of_first_line(pilot, "app/greet.py")
        greet.write_text("def greet(name):\n    return f'hello {name}'\n")  # the agent, git, another editor
        screen._check_disk()
        assert editor.text == greet.read_text() and not editor.modified
        editor.insert("# mine\n", (0, 0))
        greet.write_text("changed again\n")
        screen._check_disk()
        await pilot.pause()  # a notification is a message
        assert editor.text.startswith("# mine")
        assert any("changed on disk: ctrl+s asks whether to overwrite it" in n.message for n in app._notifications)
        await pilot.press("ctrl+s")  # the person chooses
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the choice")
        await pilot.press("escape")
        assert greet.read_text() == "changed again\n" and editor.modified  # cancelled: nothing written, nothing lost
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the choice")
        await pilot.press("o")  # overwrite: theirs is kept in a checkpoint
        await pilot.pause()
        assert greet.read_text().startswith("# mine\n") and not editor.modified
        assert screen.conversation.workspace.checkpoints.history()[-1].kind == "save"
        editor.insert("# again\n", (0, 0))
        greet.write_text("third\n")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the choice")
        await pilot.press("r")  # read it again: mine go
        await pilot.pause()
        assert editor.text == "third\n" and not editor.modified and greet.read_text() == "third\n"
        await pilot.press("ctrl+e")
        (repo / "blob.py").write_bytes(b"\x00\x01binary")
        await type_and_send(pilot, "/edit blob.py")
        assert "Not opened: blob.py: binary file, cannot be edited" in notices(pilot)[-1]
        (repo / "big.py").write_text("x = 1\n" * 400)
        await type_and_send(pilot, "/edit big.py")
        big = app.screen.query_one(EditorTabs).active
        assert big is not None and app.screen.open_files() == ["app/greet.py", "big.py"]
        assert big.read_only and "read-only" in str(big.border_title)


async def ask_for_range_edit(pilot: Pilot, editor: EditorPane, instruction: str) -> RangeReview:
    """ctrl+k in `editor`, `instruction` typed: the inline review pane."""
    from textual.widgets import Input

    from widgets.instruction_prompt import InstructionPrompt

    await pilot.press("ctrl+k")
    await until(pilot, lambda: isinstance(pilot.app.screen, InstructionPrompt), "the instruction prompt")
    pilot.app.screen.query_one(Input).value = instruction
    await pilot.press("enter")
    await until(pilot, lambda: bool(pilot.app.screen.query(RangeReview)), "the inline review")
    return pilot.app.screen.query_one(RangeReview)


def diff_rows(review: RangeReview) -> list[str]:
    view = review.diff_view
    return [view.render_line(y).text for y in range(view.size.height)]


async def test_ctrl_k_at_the_edit_level_changes_only_the_block_and_the_review_decides(
    repo: Path, wire_server: WireServer
) -> None:
    import json

    from textual.widgets import Input

    from widgets.instruction_prompt import InstructionPrompt

    source = "import os\n\n\ndef greet(name):\n    return 'hi ' + name\n\n\ndef bye(name):\n    return 'bye ' + name\n"
    (repo / "app" / "greet.py").write_text(source)
    wire_server.script(Reply("Here it is:\n```python\ndef greet(name: str) -> str:\n    return f'hi {name}'\n```\n"))
    app = app_for(repo, wire_server)
    async with app.run_test(size=(140, 40)) as pilot:
        editor = await open_at_end_of_first_line(pilot, "app/greet.py")
        await pilot.press("ctrl+k")
        await pilot.pause()
        assert any("at the Edit level (alt+2)" in n.message for n in app._notifications)
        await pilot.press("alt+2")
        editor.focus()
        editor.move_cursor((4, 3))  # inside greet's two lines
        await pilot.press("ctrl+k")
        await until(pilot, lambda: isinstance(app.screen, InstructionPrompt), "the instruction prompt")
        assert "app/greet.py:4-5" in str(app.screen.query_one("Label").render())
        app.screen.query_one(Input).value = "add type hints and use an f-string"
        await pilot.press("enter")
        review = app.screen.query_one(RangeReview)
        await until(pilot, lambda: review.review is not None, "the range's change to decide")
        assert review.diff_view.has_focus and editor.read_only  # nothing typed under the review
        rows = "\n".join(diff_rows(review))
        assert "- def greet(name):" in rows.replace("−", "-") or "def greet(name):" in rows
        assert "f'hi {name}'" in rows and "hunk 1/1" in rows
        await pilot.press("y")  # its one hunk: decided, so written
        await until(pilot, lambda: "f'hi {name}'" in editor.text, "the editor read the file again")
        await until(pilot, lambda: not app.screen.query(RangeReview), "the pane gone")
        assert editor.has_focus and not editor.read_only and not editor.modified
    assert (repo / "app" / "greet.py").read_text() == source.replace(
        "def greet(name):\n    return 'hi ' + name", "def greet(name: str) -> str:\n    return f'hi {name}'")
    asked = json.dumps(wire_server.requests[-1].body)
    assert "add type hints and use an f-string" in asked and "lines 4 to 5 of app/greet.py" in asked


async def test_a_slow_local_model_gives_ghost_text_on_alt_backslash_only(repo: Path) -> None:
    from app.llm.router import Router
    from app.llm.scripted import ScriptedProvider
    from widgets.status_bar import StatusBar

    local = ScriptedProvider("return name", name="local", model="qwen2.5-coder-1.5b")
    local.kind = "local"  # type: ignore[misc]  # as the embedded model on a CPU
    app = ExosuitApp(ChatSession(repo, Router([local]), Meter()))
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("alt+1")
        editor = await open_at_end_of_first_line(pilot, "app/greet.py")
        assert editor.on_key_only and app.screen.query_one(StatusBar).complete_model == "qwen2.5-coder-1.5b on alt+\\ (slow)"
        await pilot.press("enter", *"    ")
        await pilot.pause(0.6)
        assert editor.suggestion == "" and local.script  # nothing asked on a pause: the reply is still there
        await pilot.press("alt+backslash")
        await until(pilot, lambda: editor.suggestion == "return name", "ghost text on the key")


async def test_the_palette_switches_the_ghost_text_model_apart_from_the_chats(repo: Path, wire_server: WireServer) -> None:
    from widgets.model_picker import ModelPicker
    from widgets.status_bar import StatusBar

    wire_server.script(Reply("name"))
    app = app_for(repo, wire_server)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("ctrl+p", *"ghost-text model", "enter")
        await until(pilot, lambda: isinstance(app.screen, ModelPicker), "the model picker")
        app.screen.dismiss("openai/tab-model")
        await pilot.pause()
        assert app.screen.query_one(StatusBar).complete_model == "tab-model"
        await pilot.press("alt+1")
        editor = await open_at_end_of_first_line(pilot, "app/greet.py")
        await pilot.press(" ")
        await until(pilot, lambda: editor.suggestion == "name", "ghost text")
    assert wire_server.requests[-1].body["model"] == "tab-model"


async def test_several_files_open_in_tabs_that_keep_their_edits_until_closed(repo: Path, wire_server: WireServer) -> None:
    (repo / "lib").mkdir()
    (repo / "lib" / "greet.py").write_text("# the other greet\n")
    app = app_for(repo, wire_server)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen

        async def edit(path: str) -> None:
            screen.query_one("#prompt").focus()
            await type_and_send(pilot, f"/edit {path}")

        for path in ("app/greet.py", "README.md", "lib/greet.py"):
            await edit(path)
        tabs = screen.query_one(EditorTabs)
        labels = lambda: [str(tab.label) for tab in tabs.query(Tab)]  # noqa: E731
        assert screen.open_files() == ["app/greet.py", "README.md", "lib/greet.py"]
        assert labels() == ["app/greet.py", "README.md", "lib/greet.py"]  # twins named by their folder
        assert tabs.active.path == "lib/greet.py" and tabs.active.has_focus
        assert [e.display for e in tabs.editors] == [False, False, True]
        await pilot.press("x")
        assert labels()[2] == "lib/greet.py ●"
        await pilot.press("ctrl+pagedown")  # wraps round to the first
        assert tabs.active.path == "app/greet.py" and tabs.active.has_focus
        await pilot.press("ctrl+pageup")
        assert tabs.active.path == "lib/greet.py"
        await edit("@README.md:1")  # a mention and a line, as typed in a question
        assert tabs.active.path == "README.md" and len(tabs.editors) == 3  # its tab, not a new one
        assert tabs.active.cursor_location == (0, 0)
        await edit("lib/greet.py")
        assert tabs.active.text == "x# the other greet\n"  # unchanged on disk: the edit is kept
        await pilot.press("ctrl+w")
        assert len(tabs.editors) == 3 and "unsaved edits" in list(app._notifications)[-1].message
        await pilot.press("ctrl+w")  # again: closed without saving
        await pilot.pause()
        assert screen.open_files() == ["app/greet.py", "README.md"]
        assert (repo / "lib" / "greet.py").read_text() == "# the other greet\n"
        await pilot.press("ctrl+w", "ctrl+w")
        await pilot.pause()
        assert not screen.query(EditorTabs) and screen.query_one("#prompt").has_focus
        await pilot.press("ctrl+e")
        assert "No file open" in list(app._notifications)[-1].message


async def test_the_palette_finds_a_file_and_opens_it(repo: Path, wire_server: WireServer) -> None:
    app = app_for(repo, wire_server)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"agrt")  # app/greet.py, fuzzily
        await until(pilot, lambda: app.screen.query_one("CommandList").option_count == 1, "one hit")
        assert str(app.screen.query_one("CommandList").get_option_at_index(0).prompt).startswith("app/greet.py\nopen in the editor")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.open_files() == ["app/greet.py"] and app.screen.query_one(EditorTabs).active.has_focus


async def test_a_range_edit_streams_into_its_diff_and_escape_stops_it_with_nothing_written(
    repo: Path, wire_server: WireServer
) -> None:
    source = "def greet(name):\n    return 'hi ' + name\n"
    (repo / "app" / "greet.py").write_text(source)
    wire_server.script(Reply("```python\n", "def greet(name: str) -> str:\n", "    return", hang_after=2))
    app = app_for(repo, wire_server)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("alt+2")
        editor = await open_at_end_of_first_line(pilot, "app/greet.py")
        review = await ask_for_range_edit(pilot, editor, "type it")
        await until(pilot, lambda: any("def greet(name: str) -> str:" in row for row in diff_rows(review)), "the draft")
        assert review.review is None and "writing" in str(review.border_subtitle)
        assert any("return 'hi ' + name" in row for row in diff_rows(review))  # not reached yet: still shown
        editor.focus()
        await pilot.press("ctrl+w")  # its tab stays while the edit is open
        assert app.screen.open_files() == ["app/greet.py"] and "selection edit is open" in list(app._notifications)[-1].message
        review.diff_view.focus()
        await pilot.press("escape")
        await until(pilot, lambda: not app.screen.query(RangeReview), "the pane gone")
        assert any("No edit:" in n and "was stopped" in n for n in notices(pilot)), notices(pilot)
        assert editor.has_focus and not editor.read_only
    assert (repo / "app" / "greet.py").read_text() == source


async def test_a_range_review_rejected_with_a_comment_writes_nothing(repo: Path, wire_server: WireServer) -> None:
    from textual.widgets import Input

    middle = "".join(f"# {n}\n" for n in range(8))
    source = f"def greet(name):\n    return 'hi ' + name\n{middle}def bye(name):\n    return 'bye ' + name\n"
    (repo / "app" / "greet.py").write_text(source)
    wire_server.script(Reply(f"```python\ndef greet(name: str) -> str:\n    return 'hi ' + name\n{middle}"
                             "def bye(name: str) -> str:\n    return 'bye ' + name\n```\n"))
    app = app_for(repo, wire_server)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("alt+2")
        editor = await open_at_end_of_first_line(pilot, "app/greet.py")
        editor.select_all()
        review = await ask_for_range_edit(pilot, editor, "type them")
        await until(pilot, lambda: review.review is not None, "the change to decide")
        assert len(review.review.changeset.files[0].hunks) == 2
        await pilot.press("y")
        assert review.diff_view.cursor == (0, 1) and "1/2 decided" in str(review.border_subtitle)
        await pilot.press("r")
        await pilot.pause()
        app.screen.query_one(Input).value = "leave bye alone"
        await pilot.press("enter")
        review.action_decide(True)  # a key after the last decision, before the pane goes: nothing more
        await until(pilot, lambda: not app.screen.query(RangeReview), "the pane gone")
    assert (repo / "app" / "greet.py").read_text() == source.replace("def greet(name):", "def greet(name: str) -> str:")


async def test_the_ghost_text_tally_goes_to_the_session_log_as_it_changes(repo: Path, wire_server: WireServer) -> None:
    from app import session_log
    from app.commands.common import keep_session

    wire_server.script(Reply("  # says hello"))
    app = app_for(repo, wire_server)
    keep_session(app.session, Config(providers=[]), "tab")
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("alt+1")
        editor = await open_at_end_of_first_line(pilot, "app/greet.py")
        await pilot.press(" ")
        await until(pilot, lambda: bool(editor.suggestion), "ghost text")
        await pilot.press("tab")
        app.screen._log_tally()
        app.screen._log_tally()  # nothing new: nothing logged
    tallies = [e for e in session_log.load(app.session.transcript.log.path).events if e["e"] == "tally"]
    assert tallies == [{"e": "tally", "t": tallies[0]["t"], "requested": 1, "shown": 1, "accepted": 1, "accepted_chars": 14}]

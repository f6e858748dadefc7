"""The conversation loop wired into the TUI: the model proposes edits, the person reviews them hunk
by hunk on the review screen, and what was rejected goes back to the model. Real SDKs, the local
wire server, a real git repo. The loop's own branches are tested in the core (test_conversation.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.notifications import Notify
from textual.pilot import Pilot

from tests.tui.conftest import MakeApp
from tests.tui.test_main_screen import answer_ended, notices, type_and_send
from tests.wire_server import Reply, WireServer
from widgets.review import ReviewScreen
from widgets.review_dialogs import CommentScreen, ConfirmScreen

SIZE = (120, 40)
CALC = "".join(
    f"def {name}(a, b):\n    return a {op} b\n\n\n" + "".join(f"# note {name} {i}\n" for i in range(10)) + "\n\n"
    for name, op in (("add", "+"), ("sub", "-"), ("mul", "*"))
)


def block(path: str, search: str, replace: str) -> str:
    return f"{path}\n```python\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n```\n"


THREE_EDITS = (
    "Typed all three.\n\n"
    + block("calc.py", "def add(a, b):\n", "def add(a: int, b: int) -> int:\n")
    + block("calc.py", "def sub(a, b):\n", "def sub(a: int, b: int) -> int:\n")
    + block("calc.py", "def mul(a, b):\n", "def mul(a: float, b: float) -> float:\n")
)


@pytest.fixture
def calc(repo: Path) -> Path:
    (repo / "calc.py").write_text(CALC)
    return repo / "calc.py"


async def wait_for_screen(pilot: Pilot, kind: type, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not isinstance(pilot.app.screen, kind):
        assert time.monotonic() < deadline, f"no {kind.__name__}; screen is {pilot.app.screen}"
        await pilot.pause(0.02)


def toast_recorder() -> tuple[list[str], Callable[[object], None]]:
    """The notifications' texts, as `run_test(message_hook=...)` sees them posted."""
    toasts: list[str] = []

    def hook(message: object) -> None:
        if isinstance(message, Notify):
            toasts.append(message.notification.message)

    return toasts, hook


async def send_and_review(pilot: Pilot, text: str) -> None:
    """Send `text` (a prompt, or /review) and wait for the review screen it opens."""
    await type_and_send(pilot, text)
    await wait_for_screen(pilot, ReviewScreen)


async def apply_all(pilot: Pilot, text: str) -> None:
    """Send `text`, accept the hunks of the file the review it opens shows, and write them."""
    await send_and_review(pilot, text)
    await pilot.press("Y", "ctrl+s")
    await pilot.pause(0.2)


async def wait_for_requests(server: WireServer, count: int, pilot: Pilot, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while len(server.requests) < count:
        assert time.monotonic() < deadline, f"{len(server.requests)} requests, expected {count}"
        await pilot.pause(0.02)


def last_user_text(server: WireServer) -> str:
    return json.dumps(server.requests[-1].body["messages"][-1]["content"])


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
async def test_accept_two_hunks_reject_one_with_a_comment(
    make_app: MakeApp, wire_server: WireServer, calc: Path, kind: str
) -> None:
    wire_server.script(Reply(THREE_EDITS), Reply("Understood: mul keeps its int types."))
    app = make_app(kind)
    async with app.run_test(size=SIZE) as pilot:
        await send_and_review(pilot, "add type hints to calc.py")
        review = app.screen
        assert isinstance(review, ReviewScreen) and review.conversation
        assert len(review.review.changeset.files[0].hunks) == 3
        await pilot.press("y", "y", "r")
        await wait_for_screen(pilot, CommentScreen)
        await pilot.press(*"mul takes ints too", "enter")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_for_requests(wire_server, 2, pilot)
        await answer_ended(pilot)
        assert any("Wrote calc.py" in n for n in notices(pilot))

    on_disk = calc.read_text()
    assert "def add(a: int, b: int) -> int:" in on_disk
    assert "def sub(a: int, b: int) -> int:" in on_disk
    assert "def mul(a, b):" in on_disk and "float" not in on_disk
    feedback = last_user_text(wire_server)
    assert "REJECTED" in feedback and "mul takes ints too" in feedback
    assert "NOT fully applied" in feedback
    assert "def mul(a: float, b: float) -> float:" in feedback  # the rejected hunk itself


async def test_an_edit_dropped_after_the_retry_is_pointed_out_on_the_review_screen(
    make_app: MakeApp, wire_server: WireServer, calc: Path
) -> None:
    good = block("calc.py", "def add(a, b):\n", "def add(a: int, b: int) -> int:\n")
    wrong = block("calc.py", "def subtract(a, b):\n", "def sub(a: int, b: int) -> int:\n")
    wire_server.script(Reply(good + wrong), Reply("Sorry, I cannot find it."))
    toasts, hook = toast_recorder()
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True, message_hook=hook) as pilot:
        await send_and_review(pilot, "type add and sub")
        await pilot.pause()
        assert len(app.screen.review.changeset.files[0].hunks) == 1
        assert "1 edit could not be placed and is not in this review (see the chat)." in toasts
        await pilot.press("q")
        await pilot.pause()
        assert any("Edit dropped — Edit 2" in notice for notice in notices(pilot))


async def test_ctrl_q_in_the_review_asks_before_discarding_decisions(
    make_app: MakeApp, wire_server: WireServer, calc: Path
) -> None:
    wire_server.script(Reply(THREE_EDITS))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send_and_review(pilot, "add type hints")
        await pilot.press("y", "ctrl+q")
        await wait_for_screen(pilot, ConfirmScreen)
        await pilot.press("y")  # discard: back to the chat, nothing written
        await pilot.pause()
        assert app.is_running and not isinstance(app.screen, (ReviewScreen, ConfirmScreen))
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running
    assert calc.read_text() == CALC


async def test_review_reopens_a_closed_review_with_the_edits_placed_on_the_files_as_they_are_now(
    make_app: MakeApp, wire_server: WireServer, calc: Path
) -> None:
    wire_server.script(Reply(THREE_EDITS), Reply("Thanks."))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send_and_review(pilot, "add type hints")
        await pilot.press("q")
        await pilot.pause()
        assert any("/review reopens it" in n for n in notices(pilot))
        calc.write_text("# edited by hand while the review was closed\n" + CALC)  # shifts every edit
        await send_and_review(pilot, "/review")
        assert len(app.screen.review.changeset.files[0].hunks) == 3
        await pilot.press("Y", "ctrl+s")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ReviewScreen)
        await type_and_send(pilot, "/review")  # applied: nothing left to reopen
        assert any("No closed review to reopen" in n for n in notices(pilot))
        await type_and_send(pilot, "thanks")
        await wait_for_requests(wire_server, 2, pilot)
        await answer_ended(pilot)
    on_disk = calc.read_text()
    assert on_disk.startswith("# edited by hand")
    assert "def add(a: int, b: int) -> int:" in on_disk and "def mul(a: float, b: float) -> float:" in on_disk
    assert "without applying" not in last_user_text(wire_server)  # the reopened review was applied


async def test_a_file_changed_during_the_review_is_refused_then_review_places_the_edits_again(
    make_app: MakeApp, wire_server: WireServer, calc: Path
) -> None:
    wire_server.script(Reply(THREE_EDITS))
    toasts, hook = toast_recorder()
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await send_and_review(pilot, "add type hints")
        calc.write_text(CALC + "# appended by hand during the review\n")
        await pilot.press("Y", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)  # nothing written, the review stays open
        assert any("changed on disk" in t and "/review places the edits" in t for t in toasts), toasts
        assert "# appended by hand" in calc.read_text() and "int" not in calc.read_text()
        await pilot.press("q")
        await wait_for_screen(pilot, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        await apply_all(pilot, "/review")
        assert not isinstance(app.screen, ReviewScreen)
    on_disk = calc.read_text()
    assert on_disk.endswith("# appended by hand during the review\n")
    assert "def sub(a: int, b: int) -> int:" in on_disk


async def test_undo_puts_back_the_files_of_the_last_applied_review_and_tells_the_model(
    make_app: MakeApp, wire_server: WireServer, calc: Path
) -> None:
    new_file = "notes.md\n```markdown\nTyped calc.py.\n```\n"
    wire_server.script(Reply(THREE_EDITS + new_file), Reply("Noted."))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send_and_review(pilot, "add type hints and a note")
        await pilot.press("Y", "J", "Y", "ctrl+s")
        await pilot.pause(0.2)
        assert "int" in calc.read_text() and (calc.parent / "notes.md").exists()
        await type_and_send(pilot, "/undo")
        assert calc.read_text() == CALC and not (calc.parent / "notes.md").exists()
        assert any("Undone: calc.py, notes.md" in n for n in notices(pilot))
        await type_and_send(pilot, "/undo")
        assert any("Nothing to undo" in n for n in notices(pilot))
        await type_and_send(pilot, "what now?")
        await wait_for_requests(wire_server, 2, pilot)
        await answer_ended(pilot)
    sent = last_user_text(wire_server)
    assert "undid the last edits" in sent and "calc.py, notes.md" in sent and "what now?" in sent


async def test_undo_refuses_when_a_written_file_changed_since(
    make_app: MakeApp, wire_server: WireServer, calc: Path
) -> None:
    wire_server.script(Reply(THREE_EDITS))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await apply_all(pilot, "add type hints")
        edited = calc.read_text() + "# the user's own line\n"
        calc.write_text(edited)
        await type_and_send(pilot, "/undo")
        assert any("Cannot undo, nothing was changed: calc.py: changed on disk" in n for n in notices(pilot))
    assert calc.read_text() == edited


async def test_the_command_palette_undoes_applied_edits(
    make_app: MakeApp, wire_server: WireServer, calc: Path
) -> None:
    wire_server.script(Reply(THREE_EDITS))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await apply_all(pilot, "add type hints")
        assert "int" in calc.read_text()
        await pilot.press("ctrl+p", *"Undo the last AI change")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert calc.read_text() == CALC


async def test_an_edit_that_breaks_the_syntax_is_retried_then_flagged_red_on_its_hunk(
    make_app: MakeApp, wire_server: WireServer, calc: Path
) -> None:
    breaking = block("calc.py", "def add(a, b):\n", "def add(a, b:\n")
    wire_server.script(Reply(breaking), Reply("Corrected:\n\n" + breaking))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send_and_review(pilot, "type add")
        assert len(wire_server.requests) == 2  # sent back once, with the error and its line
        assert "calc.py line 1: syntax error" in last_user_text(wire_server)
        await pilot.pause(0.2)
        screen = app.export_screenshot().replace("&#160;", " ")
        assert "✗ line 1: syntax error at " in screen
        await pilot.press("q")
        await pilot.pause()
        assert any("calc.py would not parse after these edits — line 1" in notice for notice in notices(pilot))
    assert calc.read_text() == CALC  # nothing written unless the person accepts it


async def test_slash_test_runs_the_tests_and_sends_a_failure_to_the_model(
    make_app: MakeApp, wire_server: WireServer, calc: Path
) -> None:
    (calc.parent / "test_calc.py").write_text("from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 6\n")
    wire_server.script(Reply("The test expects 6; add is right, the test is wrong."))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+t")  # one key, as /test
        await wait_for_requests(wire_server, 1, pilot)
        await answer_ended(pilot)
        assert any(n.startswith("⚠ Tests failed (exit 1") for n in notices(pilot))
    assert "assert 5 == 6" in last_user_text(wire_server)


async def test_redo_and_the_rewind_screen_after_an_applied_review(
    make_app: MakeApp, wire_server: WireServer, calc: Path
) -> None:
    from textual.widgets import DataTable

    from widgets.rewind_screen import RewindScreen

    wire_server.script(Reply(THREE_EDITS))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await apply_all(pilot, "add type hints")
        typed = calc.read_text()
        await type_and_send(pilot, "/undo")
        assert calc.read_text() == CALC
        await type_and_send(pilot, "/redo")
        assert calc.read_text() == typed and any("Redone: calc.py hold the undone edits again." in n for n in notices(pilot))
        await type_and_send(pilot, "/rewind")
        screen = app.screen
        assert isinstance(screen, RewindScreen)
        table = screen.query_one(DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert [row[:3] for row in rows] == [["3", "just now", "redo of 1"], ["2", "just now", "undo of 1"], ["1", "just now", "edit"]]
        assert rows[2][3:] == ["files", "+3 -3", "calc.py", "add type hints"] and rows[0][3] == "—" and rows[0][6] == ""
        table.move_cursor(row=2)
        await pilot.pause()
        assert "Rewinding to before #1 puts back calc.py" in str(screen.query_one("#effect").render())
        await pilot.press("space")  # the change itself
        assert screen.query_one("#diff").has_class("-open")
        assert "+def add(a: int, b: int) -> int:" in screen.shown_diff
        await pilot.press("enter")
        await pilot.pause()
        assert calc.read_text() == CALC and not isinstance(app.screen, RewindScreen)
        assert any("Rewound: calc.py put back as before change #1" in n for n in notices(pilot))


async def test_an_accepted_review_is_committed_with_the_models_message_through_the_sdk(
    repo: Path, wire_server: WireServer, calc: Path
) -> None:
    import git

    from app.chat import ChatSession
    from app.config import Config
    from app.llm.meter import Meter
    from app.llm.registry import build_router
    from tests.tui.conftest import provider
    from widgets.tui import ExosuitApp

    history = git.Repo(repo)
    history.index.add(["calc.py"])
    history.index.commit("calc")
    config = Config(providers=[provider(wire_server, "openai")])  # [git] auto_commit is on by default
    wire_server.script(Reply(THREE_EDITS), Reply("Type the arithmetic functions"))
    app = ExosuitApp(ChatSession(repo, build_router(config), Meter()), config=config)
    async with app.run_test(size=SIZE) as pilot:
        await apply_all(pilot, "add type hints")
        await answer_ended(pilot)
        head = history.head.commit
        assert any(f"Committed {head.hexsha[:7]} “Type the arithmetic functions” (marked as AI-made)" in n for n in notices(pilot))
    assert head.message == "Type the arithmetic functions\n\nCo-authored-by: exosuit (openai/gpt-4.1-mini) <exosuit@localhost>\n"
    assert "+def add(a: int, b: int) -> int:" in json.dumps(wire_server.requests[-1].body)
    assert " calc.py" not in history.git.status("--porcelain")  # committed, the index along

"""The autonomy slider and the agent in the TUI: keys, mouse, disabled notches, an agent session
with an approved command and a reviewed edit, and the approval dialog. Real SDK, wire server."""

from __future__ import annotations

import time
from pathlib import Path

from textual.pilot import Pilot

from app.autonomy import Level
from app.config import load_config
from tests.tui.conftest import MakeApp
from tests.tui.test_main_screen import answer_ended, notices, type_and_send
from tests.wire_server import Call, Hang, Reply, WireServer
from widgets.approval import CommandApproval
from widgets.autonomy_slider import AutonomySlider
from widgets.chat_pane import ToolStep
from widgets.prompt_input import PromptInput
from widgets.review import ReviewScreen

EDIT = "app/greet.py\n```python\n<<<<<<< SEARCH\ndef greet(name):\n=======\ndef greet(name: str) -> str:\n>>>>>>> REPLACE\n```\n"


async def wait_for(pilot: Pilot, predicate, what: str, timeout: float = 20.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"no {what}; screen is {pilot.app.screen}"
        await pilot.pause(0.02)


async def test_the_slider_moves_with_keys_and_the_mouse_and_refuses_what_cannot_work(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        slider = app.screen.query_one(AutonomySlider)
        assert slider.level == Level.FILES and "Files" in str(slider.render())
        await pilot.press("alt+4")
        assert app.screen.level == slider.level == Level.AGENT
        await pilot.press("ctrl+left")
        assert slider.level == Level.FILES
        await pilot.press("ctrl+left")
        assert slider.level == Level.EDIT
        await pilot.press("ctrl+left")
        assert slider.level == Level.TAB
        assert any("/edit PATH opens a file" in n.message for n in app._notifications)  # Tab with no file open
        await pilot.press("alt+3")
        assert slider.level == Level.FILES
        agent_x = str(slider.render()).index(" Agent ") + 2
        await pilot.click(AutonomySlider, offset=(agent_x + 1, 0))  # + the padding
        assert slider.level == Level.AGENT


async def ask_the_agent(pilot: Pilot[object], text: str) -> None:
    """At Agent level, ask `text` and wait for the first command's approval in the chat."""
    await pilot.press("alt+4")
    await type_and_send(pilot, text)
    await wait_for(pilot, lambda: isinstance(pilot.app.focused, CommandApproval), "the approval in the chat")


async def test_an_agent_session_asks_before_a_command_and_reviews_its_edit(
    make_app: MakeApp, wire_server: WireServer, repo: Path
) -> None:
    wire_server.script(
        Reply(tool_calls=[Call("read_file", {"path": "app/greet.py"}, id="c1")]),
        Reply("Checking the tests.", tool_calls=[Call("run_command", {"command": "touch ran.txt"}, id="c2")]),
        Reply(tool_calls=[Call("propose_edit", {"edits": EDIT}, id="c3")]),
        Reply("Typed greet."),
    )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ask_the_agent(pilot, "type greet")
        assert "$ touch ran.txt" in str(app.focused.query_one("#command").render())
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), "review")
        await pilot.press("Y", "ctrl+s")
        await answer_ended(pilot)
        steps = [s.line for s in app.screen.query(ToolStep)]
        assert steps[0].startswith("✓ read_file app/greet.py — 2 lines")
        assert steps[1].startswith("✓ run_command touch ran.txt — exit 0")
        assert steps[2].startswith("✓ propose_edit") and "Wrote app/greet.py" in steps[2]
        assert any("Agent done in 4 steps." in n for n in notices(pilot))
        first = app.screen.query(ToolStep).first()
        assert first.collapsed and not first.query_one("Contents").display
        await pilot.click(first.query_one("CollapsibleTitle"))  # opens on what the model read
        assert first.query_one("Contents").display and "def greet" in str(first.query_one(".output").render())
    assert (repo / "ran.txt").exists() and "def greet(name: str) -> str:" in (repo / "app" / "greet.py").read_text()


async def test_a_command_rejected_with_a_comment_does_not_run_and_the_model_hears_why(
    make_app: MakeApp, wire_server: WireServer, repo: Path
) -> None:
    wire_server.script(Reply(tool_calls=[Call("run_command", {"command": "rm -rf build"}, id="c1")]), Reply("OK, I will not."))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ask_the_agent(pilot, "clean up")
        assert app.focused.has_class("-destructive")
        await pilot.press("a")  # a destructive command is never allow-listed: nothing happens
        await pilot.press("n", *"keep the build", "enter")
        await answer_ended(pilot)
        assert not app.screen.query(CommandApproval)  # the step's line says what came of it
        assert app.screen.query_one(ToolStep).line.startswith("✗ run_command rm -rf build — the person declined to run it: keep the build")
    assert "the person declined to run it: keep the build" in str(wire_server.requests[-1].body["messages"])


async def test_without_bubblewrap_the_slider_warns_at_agent_level(make_app: MakeApp, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr("widgets.main_screen.sandbox_available", lambda: False)
    app = make_app()
    async with app.run_test(size=(160, 30)) as pilot:
        slider = app.screen.query_one(AutonomySlider)
        assert slider.warning == ""
        await pilot.press("alt+4")
        assert "commands unsandboxed (no bwrap): each one asks" in str(slider.render())
        await pilot.press("alt+3")
        assert slider.warning == ""


async def test_auto_accept_is_switched_from_the_command_palette_and_shown_on_the_slider(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.press("alt+4", "ctrl+p", *"Auto-accept")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.agent.rules.auto_accept_edits
        assert "edits written without review" in str(app.screen.query_one(AutonomySlider).render())


async def test_the_chosen_level_is_remembered_for_the_repository(make_app: MakeApp, repo: Path) -> None:
    from app.state import remembered_level

    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("alt+4")
    assert remembered_level(repo) == "agent"


async def test_always_allows_commands_like_it_from_now_on_and_saves_that_in_the_project(
    make_app: MakeApp, wire_server: WireServer, repo: Path
) -> None:
    (repo / ".exosuit.toml").write_text("# my settings\n[agent]\nmax_steps = 9\n")
    wire_server.script(
        Reply(tool_calls=[Call("run_command", {"command": "touch one.txt"}, id="c1")]),
        Reply(tool_calls=[Call("run_command", {"command": "touch two.txt"}, id="c2")]),
        Reply("Done."),
    )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ask_the_agent(pilot, "touch two files")
        assert "a  always allow touch*" in str(app.focused.query_one(".hint").render())
        await pilot.press("a")
        await answer_ended(pilot)
        assert not app.screen.query(CommandApproval)
        assert [s.line[:27] for s in app.screen.query(ToolStep)] == ["✓ run_command touch one.txt", "✓ run_command touch two.txt"]
        assert any("`touch*` runs without asking from now on (saved in .exosuit.toml" in n for n in notices(pilot))
    assert (repo / ".exosuit.toml").read_text() == '# my settings\n[agent]\nmax_steps = 9\n\n[autonomy]\nallow = ["touch*"]\n'
    assert load_config(repo).autonomy.allow == ["touch*"]


async def test_escape_stops_the_agent_while_its_answer_streams(make_app: MakeApp, wire_server: WireServer) -> None:
    wire_server.script(Reply(tool_calls=[Call("list_files", {}, id="c1")]), Hang())
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("alt+4")
        await type_and_send(pilot, "explore")
        await wait_for(pilot, lambda: len(wire_server.requests) >= 2, "the second request")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not app.screen.conversation.busy, "the agent to stop")
        await pilot.pause()
        assert any("Agent stopped after" in n for n in notices(pilot))


async def test_stopping_the_agent_while_a_command_waits_answers_no_and_runs_nothing(
    make_app: MakeApp, wire_server: WireServer, repo: Path
) -> None:
    wire_server.script(Reply(tool_calls=[Call("run_command", {"command": "touch never.txt"}, id="c1")]), Reply("never asked"))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ask_the_agent(pilot, "touch it")
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: not app.screen.conversation.busy, "the agent to stop")
        assert app.screen.query_one(ToolStep).line.startswith("✗ run_command touch never.txt — not run: the person stopped the agent")
        assert not app.screen.query(CommandApproval) and isinstance(app.focused, PromptInput)
    assert not (repo / "never.txt").exists() and len(wire_server.requests) == 1


async def test_the_levels_and_the_tests_are_in_the_command_palette(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.press("ctrl+p", *"Autonomy: Agent")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.level == Level.AGENT
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert {"Autonomy: Files", "Stop", "Run the tests"} <= set(titles)


async def test_on_its_own_branch_the_agent_leaves_the_files_alone_until_its_whole_change_is_reviewed(
    wire_server: WireServer, repo: Path
) -> None:
    from app.chat import ChatSession
    from app.config import Config, GitConfig
    from app.llm.meter import Meter
    from app.llm.registry import build_router
    from tests.tui.conftest import provider
    from widgets.tui import ExosuitApp

    wire_server.script(Reply(tool_calls=[Call("propose_edit", {"edits": EDIT}, id="c1")]), Reply("Typed greet."))
    config = Config(providers=[provider(wire_server, "openai")], git=GitConfig(auto_commit=False, agent_branch=True))
    app = ExosuitApp(ChatSession(repo, build_router(config), Meter()), Level.AGENT, config)
    before = (repo / "app" / "greet.py").read_text()
    async with app.run_test(size=(120, 40)) as pilot:
        assert "⚠ on its own branch" in str(app.screen.query_one(AutonomySlider).render())
        await type_and_send(pilot, "type greet")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), "the review of the whole change")
        assert (repo / "app" / "greet.py").read_text() == before  # written on the branch only, so far
        await pilot.press("Y", "ctrl+s")
        await answer_ended(pilot)
        assert any("on branch exosuit/agent-1" in n for n in notices(pilot))
        assert any("The agent's work stays on branch exosuit/agent-1." in n for n in notices(pilot))
    assert "def greet(name: str) -> str:" in (repo / "app" / "greet.py").read_text()

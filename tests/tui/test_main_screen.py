"""The main screen driven with Pilot, its providers talking to the local wire server through the
real `openai` / `anthropic` SDKs."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import Markdown

from app.chat import ChatSession
from app.llm.base import ChatRequest, StreamEvent
from app.llm.scripted import ScriptedProvider
from app.llm.meter import Meter
from app.llm.router import Router
from tests.tui.conftest import GREET, MakeApp
from tests.wire_server import Hang, Reply, Status, WireServer
from widgets.answer_view import AnswerView
from widgets.chat_pane import Banner, ChatPane, Notice, UserTurn
from widgets.main_screen import MainScreen
from widgets.model_picker import ModelPicker
from widgets.prompt_input import PromptInput
from widgets.review import ReviewScreen
from widgets.status_bar import StatusBar
from widgets.tui import ExosuitApp


async def type_and_send(pilot: Pilot, text: str) -> None:
    prompt = pilot.app.screen.query_one(PromptInput)
    prompt.text = text
    prompt.move_cursor(prompt.document.end)
    await pilot.press("enter")
    await pilot.pause()


async def answer_ended(pilot: Pilot, timeout: float = 30.0) -> AnswerView:
    """Wait until the newest answer has ended (whatever way) and the conversation loop has gone as
    far as it goes alone (done, or waiting for a review); return the answer."""
    deadline = time.monotonic() + timeout
    main = next(s for s in pilot.app.screen_stack if isinstance(s, MainScreen))
    while True:
        views = main.query(AnswerView)  # none for a moment when an agent step only called tools
        settled = not main.conversation.busy or isinstance(pilot.app.screen, ReviewScreen)
        if views and views.last().status not in ("waiting", "streaming") and settled:
            await pilot.pause()
            return views.last()
        assert time.monotonic() < deadline, f"answer still {views.last().status if views else 'to come'}"
        await pilot.pause(0.02)


def notices(pilot: Pilot) -> list[str]:
    return [str(n.render()) for n in pilot.app.screen.query(Notice)]


def sent_messages(server: WireServer, index: int = -1) -> list[dict]:
    return server.requests[index].body["messages"]


def request_text(server: WireServer, index: int = -1) -> str:
    return json.dumps(server.requests[index].body)


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
async def test_streams_an_answer_through_the_sdk(make_app: MakeApp, wire_server: WireServer, kind: str) -> None:
    wire_server.script(Reply("Use a ", "**dict**", " here.", usage=(1200, 340)))
    app = make_app(kind)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"why?")
        await pilot.press("enter")
        view = await answer_ended(pilot)
        assert view.status == "complete"
        assert view.text == "Use a **dict** here."
        assert view.query_one(Markdown).source == "Use a **dict** here."
        assert [turn.text for turn in app.screen.query(UserTurn)] == ["why?"]
        status = app.screen.query_one(StatusBar)
        assert (status.provider, status.model) == (kind, app.session.router.model)
        assert status.usage.startswith("1.2k↑ 340↓ $")  # both models have a known price
        assert f"{kind}/" in str(view.query_one("#answer-header").render())
        assert "  1.2k↑ 340↓ $" in str(view.query_one("#answer-header").render())
        assert not status.busy
    assert sent_messages(wire_server)[-1]["content"] in ("why?", [{"type": "text", "text": "why?"}])
    assert "SEARCH/REPLACE" in request_text(wire_server)  # the system prompt went along


async def test_failover_is_shown(make_app: MakeApp, wire_server: WireServer) -> None:
    wire_server.script(Status(529, "overloaded"), Reply("from openai"))
    app = make_app("anthropic", "openai")
    toasts: list[str] = []

    def hook(message: object) -> None:
        if isinstance(message, Notify):
            toasts.append(message.notification.message)

    async with app.run_test(notifications=True, message_hook=hook) as pilot:
        await type_and_send(pilot, "hello")
        view = await answer_ended(pilot)
        assert view.status == "complete" and view.text == "from openai"
        assert view.label == "openai/gpt-4.1-mini"
        status = app.screen.query_one(StatusBar)
        assert status.provider == "openai"
        assert "anthropic unavailable" in status.notice and "openai" in status.notice
        assert "anthropic unavailable" in notices(pilot)[0] and "switched to openai" in notices(pilot)[0]
        assert any("anthropic unavailable" in t and "switched to openai" in t for t in toasts)
    assert [r.path for r in wire_server.requests] == ["/v1/messages", "/v1/chat/completions"]


async def test_model_switch_keeps_the_conversation(make_app: MakeApp, wire_server: WireServer) -> None:
    wire_server.script(Reply("The answer is 42."), Reply("Still 42."))
    app = make_app("anthropic", "openai")
    async with app.run_test() as pilot:
        await type_and_send(pilot, "What is the answer?")
        await answer_ended(pilot)
        await type_and_send(pilot, "/model openai/gpt-4o")
        status = app.screen.query_one(StatusBar)
        assert (status.provider, status.model) == ("openai", "gpt-4o")
        await type_and_send(pilot, "Are you sure?")
        view = await answer_ended(pilot)
        assert view.label == "openai/gpt-4o" and view.text == "Still 42."
    assert wire_server.requests[-1].path == "/v1/chat/completions"
    assert wire_server.requests[-1].body["model"] == "gpt-4o"
    turns = [(m["role"], m["content"]) for m in sent_messages(wire_server) if m["role"] != "system"]
    assert turns == [
        ("user", "What is the answer?"),
        ("assistant", "The answer is 42."),
        ("user", "Are you sure?"),
    ]


async def test_model_picker_switches(make_app: MakeApp, wire_server: WireServer) -> None:
    app = make_app("anthropic", "openai")
    async with app.run_test() as pilot:
        await type_and_send(pilot, "/model")
        assert isinstance(app.screen, ModelPicker)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.session.router.name == "openai"
        assert app.screen.query_one(StatusBar).provider == "openai"
        assert "Now using openai/gpt-4.1-mini" in notices(pilot)[-1]


async def test_unknown_model_is_an_inline_error(make_app: MakeApp) -> None:
    app = make_app("openai")
    async with app.run_test() as pilot:
        await type_and_send(pilot, "/model nosuch")
        assert "Cannot switch to nosuch" in notices(pilot)[-1]
        assert app.session.router.name == "openai"


async def test_add_puts_the_file_in_the_next_request(make_app: MakeApp, wire_server: WireServer) -> None:
    wire_server.script(Reply("ok"), Reply("ok"))
    app = make_app()
    async with app.run_test() as pilot:
        await type_and_send(pilot, "/add app/greet.py")
        status = app.screen.query_one(StatusBar)
        assert status.context == ("app/greet.py",) and status.request.files >= len(GREET) // 4
        await type_and_send(pilot, "add type hints")
        await answer_ended(pilot)
        (app.session.repo_root / "app" / "greet.py").write_text("def greet(name: str) -> str: ...\n")
        await type_and_send(pilot, "and now?")
        await answer_ended(pilot)
    first, second = request_text(wire_server, 0), request_text(wire_server, 1)
    assert "app/greet.py" in first and "return \\\"hello \\\" + name" in first
    assert "def greet(name: str) -> str: ..." in second  # read fresh each turn
    assert "do-not-send" not in first + second


async def test_add_refuses_secrets_unless_forced(make_app: MakeApp, wire_server: WireServer) -> None:
    wire_server.script(Reply("ok"))
    app = make_app()
    async with app.run_test() as pilot:
        await type_and_send(pilot, "/add .env")
        assert "/add --force .env" in notices(pilot)[-1]
        await type_and_send(pilot, "/add ../../etc/passwd")
        assert "not allowed" in notices(pilot)[-1]
        assert app.screen.query_one(StatusBar).context == ()
        await type_and_send(pilot, "/add --force .env")
        await type_and_send(pilot, "check it")
        await answer_ended(pilot)
    assert "do-not-send" in request_text(wire_server)


async def test_add_tab_completes_repo_paths(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press(*"/add ap", "tab", "tab")
        assert app.screen.query_one(PromptInput).text == "/add app/greet.py "
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.context.paths == ["app/greet.py"]
        await type_and_send(pilot, "/drop app/greet.py")
        assert app.screen.query_one(StatusBar).context == ()


async def test_an_at_path_in_a_question_tab_completes_and_adds_the_file_before_it_is_sent(
    make_app: MakeApp, wire_server: WireServer
) -> None:
    wire_server.script(Reply("ok"))
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press(*"explain @ap", "tab", "tab")
        prompt = app.screen.query_one(PromptInput)
        assert prompt.text == "explain @app/greet.py " and prompt.has_focus
        await pilot.press(*"and @.env and @property", "enter")
        await answer_ended(pilot)
        assert app.session.context.paths == ["app/greet.py"]
        assert "› Added to the context: app/greet.py" in notices(pilot)
        assert any(".env is named like a secrets file (/add --force .env" in n for n in notices(pilot))
        assert app.screen.query_one(StatusBar).context == ("app/greet.py",)
    sent = request_text(wire_server)
    assert "return \\\"hello \\\" + name" in sent and "do-not-send" not in sent


async def test_broken_stream_is_shown_broken(make_app: MakeApp, wire_server: WireServer) -> None:
    wire_server.script(Reply("partial ", "never seen", drop_after=1))
    app = make_app()
    async with app.run_test() as pilot:
        await type_and_send(pilot, "explain")
        view = await answer_ended(pilot)
        assert view.status == "broken"
        assert view.has_class("-broken")
        error = str(view.query_one("#answer-error").render())
        assert error.startswith("✗ answer incomplete") and "\n" not in error
        assert app.session.turns[-1].status == "broken"
        assert app.screen.query_one(StatusBar).usage.startswith("~")  # spent tokens, estimated


async def test_provider_error_is_one_line(make_app: MakeApp, wire_server: WireServer) -> None:
    wire_server.script(Status(401, "invalid api key\nsecond line"))
    app = make_app()
    async with app.run_test() as pilot:
        await type_and_send(pilot, "hi")
        view = await answer_ended(pilot)
        assert view.status == "failed"
        error = str(view.query_one("#answer-error").render())
        assert error.startswith("✗ no answer:") and "401" in error and "\n" not in error
        assert not view.query(Markdown)


async def test_escape_stops_the_answer(make_app: MakeApp, wire_server: WireServer) -> None:
    wire_server.script(Reply("half an ", "answer", hang_after=1), Reply("fresh"))
    app = make_app()
    async with app.run_test() as pilot:
        await type_and_send(pilot, "long question")
        deadline = time.monotonic() + 30
        while app.screen.query(AnswerView).last().text != "half an ":
            assert time.monotonic() < deadline
            await pilot.pause(0.02)
        await pilot.press("escape")
        view = await answer_ended(pilot)
        assert view.status == "cancelled"
        assert "stopped" in str(view.query_one("#answer-error").render())
        await type_and_send(pilot, "try again")
        assert (await answer_ended(pilot)).text == "fresh"
    earlier = sent_messages(wire_server)[-2]
    assert earlier["role"] == "assistant" and "cut off" in earlier["content"]


async def test_stopped_answer_is_metered_as_an_estimate(make_app: MakeApp, wire_server: WireServer) -> None:
    wire_server.script(Reply("first ", "second ", "third", delay=0.3))
    app = make_app()
    async with app.run_test() as pilot:
        await type_and_send(pilot, "question")
        deadline = time.monotonic() + 30
        while not app.screen.query(AnswerView).last().text:
            assert time.monotonic() < deadline
            await pilot.pause(0.02)
        await pilot.press("escape")
        status = app.screen.query_one(StatusBar)
        while not status.usage.startswith("~"):  # once the answer thread has wound down
            assert time.monotonic() < deadline, status.usage
            await pilot.pause(0.05)
        assert app.session.turns[-1].status == "cancelled"


async def test_clear_help_and_unknown_commands(make_app: MakeApp, wire_server: WireServer) -> None:
    wire_server.script(Reply("first"), Reply("second"))
    app = make_app()
    async with app.run_test() as pilot:
        await type_and_send(pilot, "one")
        await answer_ended(pilot)
        await type_and_send(pilot, "/clear")
        assert not app.screen.query(UserTurn) and app.session.turns == []
        await type_and_send(pilot, "/help")
        help_text = str(app.screen.query(".note").last().render())
        assert "/add" in help_text and "ctrl+q" in help_text
        await type_and_send(pilot, "/frobnicate")
        assert "Unknown command /frobnicate" in notices(pilot)[-1]
        await type_and_send(pilot, "two")
        await answer_ended(pilot)
    roles = [m["role"] for m in sent_messages(wire_server) if m["role"] != "system"]
    assert roles == ["user"]  # the cleared turn is gone


async def test_prompt_history_and_multiline(make_app: MakeApp, wire_server: WireServer) -> None:
    wire_server.default = Reply("ok")
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press(*"line one", "ctrl+j", *"line two", "enter")
        await answer_ended(pilot)
        assert app.screen.query(UserTurn).last().text == "line one\nline two"
        prompt = app.screen.query_one(PromptInput)
        prompt.text = "a draft"
        await pilot.press("up")
        assert prompt.text == "line one\nline two"
        await pilot.press("down")
        assert prompt.text == "a draft"


async def test_prompt_sent_while_streaming_is_kept(make_app: MakeApp, wire_server: WireServer) -> None:
    wire_server.script(Reply("slow ", "answer", delay=0.3))
    app = make_app()
    async with app.run_test() as pilot:
        await type_and_send(pilot, "first")
        await type_and_send(pilot, "second")
        assert app.screen.query_one(PromptInput).text == "second"
        assert "still being written" in notices(pilot)[-1]
        await answer_ended(pilot)
        assert [turn.text for turn in app.screen.query(UserTurn)] == ["first"]


async def test_hung_provider_can_be_stopped_and_app_quits(make_app: MakeApp, wire_server: WireServer) -> None:
    wire_server.script(Hang())
    app = make_app()
    async with app.run_test() as pilot:
        await type_and_send(pilot, "hello?")
        await pilot.press("ctrl+c")
        assert (await answer_ended(pilot)).status == "cancelled"
        await pilot.press("ctrl+q")



class SlowLocalModel(ScriptedProvider):
    """A scripted model that looks like the embedded one and waits before answering."""

    kind = "local"
    notice = "Offline built-in model: its answers are weak."

    def __init__(self) -> None:
        super().__init__("hi", "hi", name="local", model="SmolLM2-135M-Instruct")
        self.release = threading.Event()

    def stream_chat(self, request: ChatRequest) -> Iterator[StreamEvent]:
        self.release.wait(5)
        yield from super().stream_chat(request)

    def abort(self) -> None:
        self.release.set()
        super().abort()


async def test_local_model_shows_loading_on_first_use(repo: Path) -> None:
    local = SlowLocalModel()
    app = ExosuitApp(ChatSession(repo, Router([local]), Meter()))
    async with app.run_test(size=(100, 30)) as pilot:
        banner = str(app.screen.query_one(Banner).render())
        assert "Smoke-test model only" in banner and "answers are weak" in banner
        assert app.screen.query_one(StatusBar).offline
        await type_and_send(pilot, "hello")
        header = str(app.screen.query_one("#answer-header").render())
        assert "loading the offline model" in header
        local.release.set()
        await answer_ended(pilot)
        await type_and_send(pilot, "again")
        assert "loading" not in str(app.screen.query(AnswerView).last().query_one("#answer-header").render())
        await answer_ended(pilot)


async def test_command_palette_switches_model(make_app: MakeApp) -> None:
    app = make_app("anthropic", "openai")
    async with app.run_test() as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"Switch model")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ModelPicker)
        await pilot.press("escape")
        await pilot.pause()
        assert app.session.router.name == "anthropic"


async def test_feedback_turn_is_shown_and_sent(make_app: MakeApp, wire_server: WireServer) -> None:
    wire_server.script(Reply("Understood, keeping the name."))
    app = make_app()
    async with app.run_test() as pilot:
        await app.screen.send("Hunk 1 was rejected: keep the old name.", kind="feedback")
        await answer_ended(pilot)
        turn = app.screen.query_one(UserTurn)
        assert turn.has_class("-feedback")
        assert str(turn.query_one(".title").render()) == "review feedback"
        wire_server.script(Reply("Fixed."))
        await app.screen.send("Edit 2 was not found in app/greet.py.", kind="feedback", title="edit retry")
        await answer_ended(pilot)
        assert str(app.screen.query(UserTurn).last().query_one(".title").render()) == "edit retry"
    assert sent_messages(wire_server, 0)[-1]["content"] == "Hunk 1 was rejected: keep the old name."
    assert sent_messages(wire_server, 1)[-1]["content"] == "Edit 2 was not found in app/greet.py."


async def test_a_wait_shows_its_seconds_and_each_retry(make_app: MakeApp, wire_server: WireServer) -> None:
    """A hung server: the answer's header counts the seconds and says which attempt is running."""
    wire_server.script(Status(503, "busy", headers={"retry-after": "1.2"}), Reply("at last"))
    app = make_app("openai")
    app.session.router.active.retries = 1
    async with app.run_test() as pilot:
        await type_and_send(pilot, "hello")
        view = pilot.app.screen.query(AnswerView).last()
        deadline = time.monotonic() + 10
        while "retrying (2/2)" not in str(view._header()) or "1s" not in str(view._header()):
            assert time.monotonic() < deadline, str(view._header())
            await pilot.pause(0.05)
        assert "retrying (2/2) — server error (503): busy  1s" in str(view._header())
        view = await answer_ended(pilot)
        assert view.status == "complete" and view.text == "at last"


async def test_back_at_the_bottom_the_chat_follows_new_notes_again(make_app: MakeApp) -> None:
    """PageUp x2, PageDown x6 (the last ones at the bottom already), then a note: it is in view."""
    app = make_app("openai")
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.screen.query_one(ChatPane)
        for n in range(60):
            await chat.add_notice(f"note {n}")
        await pilot.pause()
        for key in ["pageup"] * 2 + ["pagedown"] * 6:
            await pilot.press(key)
            await pilot.pause()
        await chat.add_notice("the newest note")
        await pilot.pause()
        assert chat.is_vertical_scroll_end


async def test_escape_closes_the_keys_panel(make_app: MakeApp) -> None:
    app = make_app("openai")
    async with app.run_test() as pilot:
        app.action_show_help_panel()
        await pilot.pause()
        assert app.screen.query("HelpPanel")
        await pilot.press("escape")
        await pilot.pause()
        assert not app.screen.query("HelpPanel")


async def test_a_toast_does_not_cover_the_prompt(make_app: MakeApp) -> None:
    from textual.widgets._toast import Toast

    app = make_app("openai")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        app.notify("Something happened, worth a few words of explanation", timeout=30)
        await pilot.pause(0.3)
        prompt = app.screen.query_one(PromptInput).region
        [toast] = app.screen.query(Toast)
        assert toast.region.bottom <= prompt.y, (toast.region, prompt)


async def test_a_resumed_session_shows_its_history_and_another_can_be_taken_up(repo: Path, wire_server: WireServer) -> None:
    from app.commands.common import keep_session
    from app.config import Config
    from app.conversation import Conversation
    from app.llm.registry import build_router
    from tests.test_conversation import ScriptedReviewer
    from tests.tui.conftest import provider
    from widgets.session_picker import SessionPicker

    config = Config(providers=[provider(wire_server, "openai")])
    wire_server.script(Reply("First answer."), Reply("Second answer."), Reply("Third answer."))
    earlier = ChatSession(repo, build_router(config), Meter())
    keep_session(earlier, config, "files")
    earlier.context.add("app/greet.py")
    for question in ("what is greet?", "and README?"):
        list(Conversation(earlier, ScriptedReviewer()).send(question))
    other = ChatSession(repo, build_router(config), Meter())
    keep_session(other, config, "agent")
    list(Conversation(other, ScriptedReviewer()).send("another session"))

    session = ChatSession(repo, build_router(config), Meter())
    from app import session_log

    notes = keep_session(session, config, "files", session_log.find(repo, earlier.transcript.log.id))
    app = ExosuitApp(session, config=config, notes=notes)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        chat = app.screen.query_one(ChatPane)
        assert [u.text for u in chat.query(UserTurn)] == ["what is greet?", "and README?"]
        assert [v.text for v in chat.query(AnswerView)] == ["First answer.", "Second answer."]
        assert any(n.startswith("› Resumed: 2 turns") for n in notices(pilot))
        assert session.context.paths == ["app/greet.py"]
        await type_and_send(pilot, "/resume")
        await pilot.pause()
        assert isinstance(app.screen, SessionPicker)
        listed = [str(app.screen.query_one("OptionList").get_option_at_index(i).prompt)
                  for i in range(app.screen.query_one("OptionList").option_count)]
        assert len(listed) == 1 and "another session" in listed[0] and "agent" in listed[0]  # not this one
        await pilot.press(*"another", "enter")
        await pilot.pause()
        assert [t.prompt for t in session.turns] == ["another session"] and session.context.paths == []
        assert any("Resumed: 1 turn," in n for n in notices(pilot))


async def test_the_stats_screen_shows_the_logged_reviews(repo: Path) -> None:
    from textual.widgets import DataTable, Sparkline

    from scripts.chat_samples import logged_sessions
    from widgets.stats_screen import StatsScreen

    logged_sessions(repo, days=5)
    app = ExosuitApp(ChatSession(repo, Router([ScriptedProvider()]), Meter()))
    async with app.run_test(size=(140, 45)) as pilot:
        await type_and_send(pilot, "/stats")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        headline = str(screen.query_one("#headline").render())
        assert "sessions in the last 30 days:" in headline and "hunks reviewed" in headline
        table = screen.query_one(DataTable)
        rows = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert rows[0] == "all" and any(r.startswith("model anthropic/") for r in rows) and "level agent" in rows
        assert len(screen.query_one("#seconds", Sparkline).data) == 5  # one a day
        await pilot.press("3")
        assert "all time" in str(screen.query_one("#headline").render())
        await pilot.press("escape")
        assert not isinstance(app.screen, StatsScreen)

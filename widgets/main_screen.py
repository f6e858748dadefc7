"""The main screen: the conversation, the prompt and the status bar, and the slash commands.

A thin screen over the core's `Conversation` loop: each question runs the loop in a thread that
posts every event back to this screen as a `Streamed` message; the handlers feed the chat pane
and the status bar. When the loop needs the person's review it waits while this screen shows
the review screen (`ScreenReviewer`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import Future
import dataclasses
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from threading import Thread
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Static, Tabs

from app.agent.loop import Agent, AgentEnded, Answer, Approval, Spent, ToolFinished, ToolStarted, detect_test_command
from app.autonomy import Level
from app.shell import sandbox_available
from app.state import remember_level
from app.chat import ROOM_SHARE, Answered, ChatSession, CompactError, ContextAdded, ContextWarning, TurnKind
from app.compaction import Compacted
from app.config import Config
from app.context import ContextError, repo_files
from app.conversation import Conversation, LoopEvent, Notice, RangeDrafted, TurnFailed, TurnStarted
from app.edits.apply import ApplyError
from app.edits import textfile
from app.llm.base import Provider, ProviderError, ProviderSwitched, Retrying, TextDelta
from app.completion import Completions
from app.context.nearby import Nearby
from app.llm.catalog import ModelCatalog
from app.llm.meter import estimate_tokens
from widgets import slash
from widgets.answer_view import AnswerView
from widgets.autonomy_slider import WHAT, AutonomySlider
from widgets.approval import CommandApproval
from widgets.chat_pane import Banner, ChatPane, SummaryNote, ToolStep
from widgets.context_screen import ContextScreen
from widgets.editor_pane import EditorPane
from widgets.editor_tabs import EditorTabs
from widgets.instruction_prompt import InstructionPrompt
from widgets.range_review import RangeReview
from widgets.model_picker import ModelPicker
from widgets.overflow_choice import OverflowChoice
from widgets.prompt_input import PromptInput
from widgets.providers import banner_notice, is_offline, loading_text
from widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from app.llm.router import Router
    from app.proposal import Proposal
    from app.review import ReviewResult, WriteAccepted
    from app.workspace import Written


HISTORY = 20
"""Turns of a resumed session drawn in the chat (not one widget per old message: it opens fast)."""
DISK_CHECK = 2.0
"""Seconds between looks at whether the file open in the editor changed on disk."""


class MainScreen(Screen[None]):
    """Chat with the model about the repository."""

    CSS_PATH = "main_screen.tcss"

    BINDINGS = [
        Binding("escape", "cancel", "Stop answer", show=False),
        Binding("ctrl+c", "interrupt", "Stop / clear", show=False, priority=True),
        Binding("pageup", "scroll_chat(-1)", "Scroll up", show=False, priority=True),
        Binding("pagedown", "scroll_chat(1)", "Scroll down", show=False, priority=True),
        *[Binding(f"alt+{level.value}", f"autonomy({level.value})", f"Autonomy: {level.label}", show=False, priority=True)
          for level in Level],
        Binding("ctrl+t", "run_slash('/test')", "Run the tests", show=False, priority=True),
        Binding("ctrl+o", "run_slash('/context')", "Context: files and tokens", show=False, priority=True),
        Binding("ctrl+e", "switch_pane", "Prompt / editor", show=False, priority=True),
        Binding("ctrl+left", "slide(-1)", "Less autonomy", show=False, priority=True),
        Binding("ctrl+right", "slide(1)", "More autonomy", show=False, priority=True),
    ]
    DISABLED_LEVELS: dict[Level, str] = {}
    """Levels that cannot work yet, and why (shown struck through on the slider)."""

    @dataclass
    class Streamed(Message):
        """An event of the conversation loop."""

        event: LoopEvent

    class StreamClosed(Message):
        """The loop's thread is done (a stopped answer's estimated cost is now in the meter)."""

    def __init__(self, session: ChatSession, level: Level = Level.FILES, config: Config | None = None) -> None:
        """`config`: the settings the session was made from, for the agent's rules and budget."""
        super().__init__()
        self.session = session
        from app.llm.registry import role_router

        # Without settings (a test, an embedding) nothing is committed; `exosuit` always has them.
        settings = config or Config(providers=[])
        self.settings = settings
        self.conversation = Conversation(session, ScreenReviewer(self), auto_commit=bool(config and config.git.auto_commit),
                                         commit_router=role_router(settings, "commit"),
                                         edit_router=role_router(settings, "edit"))
        self.agent = Agent.from_config(self.conversation, ScreenApprover(self), settings)
        """Answers at Agent level (its level is the slider's)."""
        self.level = level if level not in self.DISABLED_LEVELS else Level.FILES
        self._view: AnswerView | None = None
        """The answer being written, or the last one."""
        self._steps: dict[str, ToolStep] = {}
        self._approval: CommandApproval | None = None
        """The command waiting for the person's answer, in the chat."""
        self._answered: Future[Answer] | None = None
        """The agent's tool calls under way, by call id."""
        self._used: set[str] = set()
        """Names of the providers that have answered once (the local model loads on first use)."""
        self.completions = Completions(self._completion_router(config), session.meter, nearby=Nearby(session.repo_root))
        """Ghost text for the editor pane at the Tab level."""
        self._log_failure_said = False
        self._tally_logged: dict[str, int] = {}
        """The ghost-text tally as last logged."""
        self._range_review: RangeReview | None = None
        """The selection edit being drafted or decided, over its file's editor."""
        self._held: str | None = None
        """The question held back while the conversation is compacted to make room for it."""
        self._compacted = False
        """Whether the latest compaction came through (the held question then goes)."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="work"):
            with ChatPane():
                yield Banner(self._banner(), classes="-offline" if self.session.router.notice else "")
        yield Static(id="completions", markup=False)
        session = self.session
        completer = slash.Completer(
            lambda: session.context.from_start(repo_files(session.repo_root)), lambda: session.context.paths, self._models
        )
        yield PromptInput(completer, id="prompt")
        yield AutonomySlider(id="autonomy")
        yield StatusBar()

    async def show_history(self, notes: list[str]) -> None:
        """A resumed session: its latest HISTORY turns in the chat (a line counts the older ones,
        which the model has all the same), then what could not be put back."""
        chat, turns = self.query_one(ChatPane), self.session.turns
        if len(turns) > HISTORY:
            await chat.add_notice(f"{len(turns) - HISTORY} earlier turns of this session are not shown; the model has them.")
        for turn in turns[-HISTORY:]:
            if turn.kind != "tool":
                await chat.add_user(turn.prompt, turn.kind)
            view = await chat.start_answer(turn.provider or "(no answer)", "")
            view.append(turn.answer)
            await chat.finish_answer(view, turn.status if turn.status != "streaming" else "broken", turn.error)
        if turns:
            await chat.add_notice(f"Resumed: {len(turns)} turn{'s' * (len(turns) != 1)}, the context files as they are now.")
        for note in notes:
            await chat.add_notice(note, "warning")

    def pick_session(self) -> None:
        """The logged sessions of this repository, to take one up in place of this one."""
        from app import stats
        from widgets.session_picker import SessionPicker

        summaries = [found.summary for found, _ in stats.digests(self.session.repo_root) if found.summary]
        current = self.session.transcript.log.id if self.session.transcript else None
        summaries = [s for s in summaries if s.id != current]
        if not summaries:
            self.notify("No other session logged in this repository yet.")
            return

        async def chosen(path: Path | None) -> None:
            if path is not None:
                await self.take_up(path)

        self.app.push_screen(SessionPicker(summaries), chosen)

    async def take_up(self, path: Path) -> None:
        """Resume the logged session at `path` here: this conversation ends (its log stays), that
        one's turns and context files come back, and its log goes on."""
        if self.conversation.busy:
            self.notify("Wait for the answer (or press esc) before resuming a session.", severity="warning")
            return
        from app.commands.common import keep_session

        self._log_tally()
        if self.session.transcript is not None:
            self.session.transcript.log.close()  # this session's log ends here
        self.conversation.clear()
        self.session.context.clear()
        await self.query_one(ChatPane).clear()
        notes = keep_session(self.session, self.settings, self.level.name.lower(), path)
        await self.show_history(notes)
        self._refresh_status()

    def on_unmount(self) -> None:
        self._log_tally()

    def _log_tally(self) -> None:
        """The ghost text requested, shown and taken since the last time, for exosuit stats (every
        few seconds, so that a crash loses no more)."""
        now = dataclasses.asdict(self.completions.tally)
        delta = {key: value - self._tally_logged.get(key, 0) for key, value in now.items()}
        if any(delta.values()):
            self.session.log_event("tally", **delta)
            self._tally_logged = now

    def on_mount(self) -> None:
        self.set_interval(DISK_CHECK, self._check_disk)
        self.set_interval(DISK_CHECK, self._log_tally)
        slider = self.query_one(AutonomySlider)
        slider.disabled_levels, slider.level = dict(self.DISABLED_LEVELS), self.level
        self._update_slider_warning()
        self._refresh_status()
        self.query_one(PromptInput).focus()

    # -- sending --------------------------------------------------------------------------------

    @on(PromptInput.Submitted)
    async def _submitted(self, event: PromptInput.Submitted) -> None:
        self._show_completions([])
        command = slash.parse(event.text)
        if command is not None:
            await self.run_command(command)
        elif self.conversation.busy:
            event.prompt.text = event.text  # keep what was typed for when the answer is done
            await self.query_one(ChatPane).add_notice(
                "An answer is still being written: wait, or press esc to stop it.", "warning"
            )
        elif self.query(OverflowChoice):
            event.prompt.text = event.text
            self.query_one(OverflowChoice).focus()
        elif not await self._held_for_room(event.text):
            await self.send(event.text)

    async def _held_for_room(self, text: str) -> bool:
        """When the request with the question `text` would nearly fill the model's window, hold
        it back and ask in the chat how to make room (OverflowChoice); whether it was held."""
        session = self.session
        size = session.request_size(agent=self.level == Level.AGENT)
        if not size.window or not size.crowded(estimate_tokens(text)):
            return False
        tokens = size.total + estimate_tokens(text)
        drops = session.largest_files(tokens - int(size.window * ROOM_SHARE))
        conversation = size.conversation if len(session.turns) > 1 else 0
        choice = OverflowChoice(text, tokens, size.window, session.router.model, drops, conversation)
        await self.query_one(ChatPane).add_approval(choice)
        return True

    @on(OverflowChoice.Chosen)
    async def _overflow_chosen(self, event: OverflowChoice.Chosen) -> None:
        question = event.choice_widget.question
        await event.choice_widget.remove()
        prompt = self.query_one(PromptInput)
        prompt.focus()
        if event.choice == "edit":
            prompt.text = question
            prompt.move_cursor(prompt.document.end)
        elif event.choice == "drop":
            for rel in event.choice_widget.drops:
                self.session.context.drop(rel)
            await self.query_one(ChatPane).add_notice(f"Dropped from the context: {', '.join(event.choice_widget.drops)}")
            await self.send(question)
        elif event.choice == "compact":
            self._held = question
            await self._cmd_compact(slash.Command("/compact", [], set()))
        else:
            await self.send(question)

    async def send(self, text: str, kind: TurnKind = "user", title: str | None = None) -> None:
        """Show `text` as a turn and stream the model's answer to it.

        `kind="feedback"` sends text written by the app (the review's feedback, an edit retry),
        shown under `title` (default "review feedback"). Raises RuntimeError while the
        conversation is busy (see `conversation.busy`).
        """
        if self.level == Level.AGENT and kind == "user":
            self.agent.level = Level.AGENT
            events: Iterator[Any] = self.conversation.exclusive(self.agent.run(text))
        else:
            events = self.conversation.send(text, kind, title or "")
        first = next(events)  # the loop's first event, at once: the turn shows before this returns
        await self._streamed(self.Streamed(first))
        self._run(events)

    def _run(self, events: Iterator[LoopEvent]) -> None:
        """Iterate the loop's `events` in a thread, posting each back to this screen."""
        # A daemon thread, not a Textual worker: a provider that hangs must not keep the app from
        # quitting (workers run in the event loop's executor, which is joined at exit).
        Thread(target=self._loop, args=(events,), name="conversation", daemon=True).start()

    def _loop(self, events: Iterator[LoopEvent]) -> None:
        try:
            for event in events:
                self.post_message(self.Streamed(event))
        except Exception as exc:  # a bug must not kill the app: show it on the turn
            self.post_message(self.Streamed(TurnFailed(f"{type(exc).__name__}: {exc}")))
        finally:
            self.post_message(self.StreamClosed())

    @on(Streamed)
    async def _streamed(self, message: Streamed) -> None:
        event, view = message.event, self._view
        chat = self.query_one(ChatPane)
        if isinstance(event, TurnStarted):
            await self._turn_started(event)
            return
        if isinstance(event, Notice):
            await chat.add_notice(event.text, event.severity)
            return
        if isinstance(event, ToolStarted):
            self._steps[event.call_id] = await chat.add_tool_step(event.name, _main_argument(event.arguments))
            return
        if isinstance(event, ToolFinished):
            self._steps.pop(event.call_id).finish(event.summary, event.seconds, event.is_error, event.output)
            return
        if isinstance(event, Spent):
            self.query_one(StatusBar).budget = event.describe()
            return
        if isinstance(event, AgentEnded):
            await self._agent_ended(event)
            return
        if isinstance(event, RangeDrafted):
            if self._range_review is not None:
                self._range_review.draft(event.text)
            return
        if isinstance(event, Compacted):
            self._compacted = True
            await chat.add_summary(SummaryNote(event.summary, event.turns, event.before, event.after))
            return
        if view is None or view.status not in ("waiting", "streaming"):
            return  # the user stopped this answer; the loop is winding down
        if isinstance(event, TurnFailed):
            await chat.finish_answer(view, "broken" if view.text else "failed", event.error)
            self._answer_ended()
        elif isinstance(event, TextDelta):
            if not view.text:
                chat.end_tool_steps(before=view)  # the answer goes on after the agent's tool calls
            view.append(event.text)
        elif isinstance(event, ProviderSwitched):
            self._switched(event, view)
            await chat.add_notice(event.describe(), "warning", before=view)
        elif isinstance(event, Retrying):
            view.waiting = f"retrying ({event.attempt}/{event.attempts}) — {event.reason}"
        elif isinstance(event, ContextWarning):
            self.notify(event.text, severity="warning")
        elif isinstance(event, ContextAdded):
            if event.paths:
                await chat.add_notice(f"Added to the context: {', '.join(event.paths)}", before=view)
            for skipped in event.skipped:
                await chat.add_notice(f"Skipped {skipped}", "warning", before=view)
            self.query_one(StatusBar).context = tuple(self.session.context.paths)
        elif isinstance(event, Answered):
            self._used.add(event.provider.partition("/")[0])
            view.label = event.provider  # the model that answered (not "auto")
            view.usage = event.cost.format() if event.cost else ""
            await chat.finish_answer(view, "complete")
            if not view.text and event.tool_calls:
                await view.remove()  # only tool calls: their steps show what it did
            self._answer_ended()

    async def _turn_started(self, event: TurnStarted) -> None:
        chat = self.query_one(ChatPane)
        if event.kind != "tool":  # a tool turn carries on the agent's answer: no question of its own
            await chat.add_user(event.text, event.kind, event.title or None)
        provider = self.session.router
        self._view = await chat.start_answer(f"{provider.name}/{provider.model}", self._waiting_text(provider.active))
        self.query_one(StatusBar).busy = True

    async def _agent_ended(self, event: AgentEnded) -> None:
        chat = self.query_one(ChatPane)
        chat.end_tool_steps()
        self.query_one(StatusBar).budget = ""
        steps = f"{event.steps} step{'s' * (event.steps != 1)}"
        if event.reason == "budget":
            await chat.add_notice(f"Agent {event.text}; ask again to go on.", "warning")
        elif event.reason == "failed":
            await chat.add_notice(f"Agent stopped: {event.text}", "error")
        elif event.reason == "stopped":
            await chat.add_notice(f"Agent stopped after {steps}; the files are as its last written edit left them.")
        elif event.steps > 1:
            await chat.add_notice(f"Agent done in {steps}.")
        self._answer_ended()

    @on(StreamClosed)
    async def _stream_closed(self) -> None:
        if self._range_review is not None:  # its edit was decided, refused or failed
            await self._range_closed(self._range_review)
        log = self.session.transcript.log if self.session.transcript else None
        if log is not None and log.failed and not self._log_failure_said:
            self._log_failure_said = True
            await self.query_one(ChatPane).add_notice(f"{log.failed}; this session goes on unlogged.", "warning")
        self.query_one(StatusBar).busy = self.session.streaming
        self._refresh_status()
        self._check_disk()  # an edit may have written the file open in the editor
        held, self._held = self._held, None
        if held is not None and self._compacted:
            await self.send(held)  # the room was made: the question goes
        elif held is not None:
            self.query_one(PromptInput).text = held  # not compacted: back to the person

    def _switched(self, event: ProviderSwitched, view: AnswerView) -> None:
        # The event names the new provider: the router's state belongs to the answer thread.
        view.label = event.to_provider
        name, _, model = event.to_provider.partition("/")
        provider = next((p for p in self.session.router.providers if p.name == name), None)
        if provider is not None:
            view.waiting = self._waiting_text(provider)
        self.notify(event.describe(), title="Provider switched", severity="warning", timeout=8)
        status = self.query_one(StatusBar)
        status.notice = f"{event.from_provider} unavailable → {event.to_provider}"
        status.provider, status.model = name, model
        status.offline = provider is not None and is_offline(provider)

    def _answer_ended(self) -> None:
        self.query_one(StatusBar).busy = False
        self._refresh_status()

    # -- review ---------------------------------------------------------------------------------

    async def open_review(self, proposal: Proposal, target: WriteAccepted) -> ReviewResult | None:
        """Show the review screen on a proposal until the person closes it; its result."""
        from widgets.review import ReviewScreen  # git and the diff view load on first review

        closed: asyncio.Future[ReviewResult | None] = asyncio.get_running_loop().create_future()
        self.app.push_screen(ReviewScreen(proposal.changeset, target, conversation=True), closed.set_result)
        if proposal.problems:  # listed in the chat, which the review screen covers
            count = len(proposal.problems)
            dropped = f"{count} edit{'s' * (count != 1)} could not be placed and {'is' if count == 1 else 'are'}"
            self.notify(f"{dropped} not in this review (see the chat).", severity="warning", timeout=10)
        return await closed

    class AskApproval(Message):
        """The agent's thread asks whether to run a command; it waits on `answered`."""

        def __init__(self, request: Approval, answered: Future[Answer]) -> None:
            super().__init__()
            self.request = request
            self.answered = answered

    @on(AskApproval)
    async def _ask_approval(self, message: AskApproval) -> None:
        """Ask in the chat, under the command's step (a message, so it comes after the step)."""
        self._approval = CommandApproval(message.request)
        self._answered = message.answered
        await self.query_one(ChatPane).add_approval(self._approval)

    @on(CommandApproval.Answered)
    async def _approval_answered(self, event: CommandApproval.Answered) -> None:
        if event.approval is not self._approval or self._answered is None:
            return
        answered, self._approval, self._answered = self._answered, None, None
        await event.approval.remove()  # the step's line says what came of it
        self.query_one(PromptInput).focus()
        answered.set_result(event.answer)

    # -- editor ---------------------------------------------------------------------------------

    def _completion_router(self, config: Config | None) -> Router:
        """The providers completions go to (`[roles] complete`, else the chat's): instances of
        their own, so that closing a completion in flight never closes a chat answer streaming
        (without settings, the chat's own)."""
        if config is None or not config.providers:
            return self.session.router
        from app.llm.registry import build_router

        return build_router(config, "complete")

    def open_files(self) -> list[str]:
        """The repo-relative paths of the files open in the editor, in their tabs' order."""
        return [editor.path for editor in self.query(EditorTabs).first().editors] if self.query(EditorTabs) else []

    async def open_editor(self, path: str, line: int | None = None) -> None:
        """Open the repository file `path` (as typed) in a tab of the editor pane, with the cursor
        at the start of `line` (by default the first, or where it was in a tab open already). An
        open file is read again only when it changed on disk (its unsaved edits then go)."""
        chat = self.query_one(ChatPane)
        try:
            rel = self.session.context.locate(path)
            text = textfile.read(self.session.repo_root / rel, rel).text
        except (ContextError, OSError) as exc:
            await chat.add_notice(f"Cannot open {path}: {exc}", "error")
            return
        except textfile.NotTextError as exc:
            await chat.add_notice(f"Not opened: {exc} (the editor shows UTF-8 text only)", "warning")
            return
        if not self.query(EditorTabs):
            await self.query_one("#work").mount(EditorTabs())
        tabs = self.query_one(EditorTabs)
        editor = tabs.find(rel)
        if editor is None:
            editor = EditorPane(rel, text, self.completions)
            editor.ghost = self.level == Level.TAB
            editor.on_key_only = self.completions.router.active.kind == "local"  # seconds per suggestion on a CPU
            editor.disk_stamp = _stamp(self.session.repo_root / rel)
            await tabs.open(editor)
            if editor.read_only:
                self.notify(f"{rel} is large: it opens read-only.", severity="warning")
            line = line or 1
        elif text != editor.saved_text:
            self._read_again(editor, text)
        tabs.show(editor)
        if line is not None:
            editor.move_cursor((max(0, min(line - 1, editor.document.line_count - 1)), 0), center=True)
        if editor.ghost and self.completions.nearby is not None:
            self.completions.nearby.warm()  # so that the first suggestions have the definitions too

    @on(EditorPane.Save)
    async def _save(self, event: EditorPane.Save) -> None:
        editor = event.editor
        if not editor.modified:
            self.notify(f"{editor.path}: nothing to save.")
            return
        text = editor.text
        try:
            self.conversation.workspace.save(editor.path, editor.saved_text, text)
        except ApplyError as error:
            on_disk = self._on_disk(editor.path)
            if on_disk is None or on_disk == editor.saved_text:
                await self.query_one(ChatPane).add_notice(f"Not saved: {error}", "error")
            else:
                self._ask_overwrite(editor, on_disk)
            return
        self._saved(editor, text)

    def _ask_overwrite(self, editor: EditorPane, on_disk: str) -> None:
        """The file changed on disk since the editor read it: the person chooses what stays."""
        from widgets.review_dialogs import ChoiceScreen

        def chosen(key: str | None) -> None:
            if key == "o":
                text = editor.text
                try:
                    self.conversation.workspace.save(editor.path, on_disk, text)
                except ApplyError as error:
                    self.notify(f"Not saved: {error}", severity="error")
                    return
                self._saved(editor, text)
            elif key == "r":
                self._read_again(editor, on_disk)
                self.notify(f"{editor.path} read again: your edits are gone.")

        question = f"{editor.path} changed on disk since the editor read it (the agent, git or another editor)."
        self.app.push_screen(ChoiceScreen("Changed on disk", question, {
            "o": "overwrite it with yours (what is on disk now is kept in a checkpoint)",
            "r": "read it again (your edits go)",
        }), chosen)

    def _on_disk(self, rel: str) -> str | None:
        """The repository file `rel` as it is on disk now (None: gone, or not text)."""
        try:
            return textfile.read(self.session.repo_root / rel, rel).text
        except (OSError, textfile.NotTextError):
            return None

    def _saved(self, editor: EditorPane, text: str) -> None:
        editor.saved_text = text
        editor.disk_stamp = _stamp(self.session.repo_root / editor.path)
        self.query_one(EditorTabs).relabel(editor)
        self.notify(f"Saved {editor.path}.")
        self._refresh_status()

    def _check_disk(self) -> None:
        """Every few seconds: a file open in the editor that changed on disk (the agent, git, another
        editor) is read again when it has no unsaved edits, else the person is told."""
        for editor in self.query(EditorPane):
            stamp = _stamp(self.session.repo_root / editor.path)
            if stamp == editor.disk_stamp:
                continue
            editor.disk_stamp = stamp
            if editor.modified:
                self.notify(f"{editor.path} changed on disk: ctrl+s asks whether to overwrite it or read it again.",
                            severity="warning", timeout=10)
                continue
            text = self._on_disk(editor.path)
            if text is None:
                self.notify(f"{editor.path} is gone or no longer text on disk.", severity="warning")
                continue
            self._read_again(editor, text)
            self.notify(f"{editor.path} changed on disk: read again.")

    def _read_again(self, editor: EditorPane, text: str) -> None:
        """Show `text`, the file as it is on disk now, in `editor` (the cursor where it was)."""
        location = editor.cursor_location
        editor.load_text(text)
        editor.saved_text = text
        editor.disk_stamp = _stamp(self.session.repo_root / editor.path)
        editor.move_cursor(location)
        self.query_one(EditorTabs).relabel(editor)

    async def _range_closed(self, review: RangeReview) -> None:
        """The selection edit is over: its pane goes, and its file's editor takes keys again."""
        self._range_review = None
        editor = self.query_one(EditorTabs).find(review.path) if self.query(EditorTabs) else None
        await review.remove()
        if editor is not None:
            editor.read_only = editor.too_large
            editor.focus()

    @on(RangeReview.Stop)
    def _range_stop(self) -> None:
        self.conversation.cancel()

    @on(EditorPane.EditAsked)
    def _edit_asked(self, event: EditorPane.EditAsked) -> None:
        """ctrl+k at the Edit level: ask what to do with the lines, then have the model do it
        (its change comes to review like any edits)."""
        editor = event.editor
        if self.level != Level.EDIT:
            self.notify("ctrl+k changes the selected lines with the model at the Edit level (alt+2).")
            return
        if editor.modified:
            self.notify(f"Save {editor.path} first (ctrl+s): the model's change is made to the file on disk.",
                        severity="warning")
            return
        if self.conversation.busy:
            self.notify("Wait for the answer (or press esc) before an edit.", severity="warning")
            return
        where = f"{editor.path}:{event.first}-{event.last}" if event.first != event.last else f"{editor.path}:{event.first}"

        async def asked(instruction: str | None) -> None:
            if not instruction:
                return
            self.query_one(StatusBar).busy = True
            self._range_review = RangeReview(editor.path, event.first, event.last, editor.saved_text)
            tabs = self.query_one(EditorTabs)
            await tabs.mount(self._range_review, after=tabs.query_one(Tabs))
            editor.read_only = True  # the lines under review stay as the model was shown them
            reviewer = InlineReviewer(self, self._range_review)
            self._run(self.conversation.edit_range(editor.path, event.first, event.last, instruction, reviewer))

        self.app.push_screen(InstructionPrompt(where), asked)

    @on(EditorTabs.AllClosed)
    def _all_closed(self) -> None:
        self.query_one(PromptInput).focus()

    def action_switch_pane(self) -> None:
        """ctrl+e: between the prompt and the editor pane (its active tab)."""
        editor = self.query_one(EditorTabs).active if self.query(EditorTabs) else None
        if editor is None:
            self.notify("No file open: /edit PATH opens one.")
        elif editor.has_focus:
            self.query_one(PromptInput).focus()
        else:
            editor.focus()

    # -- autonomy -------------------------------------------------------------------------------

    def set_level(self, level: Level) -> None:
        """Move the slider to `level` (from the next question on), unless it cannot work yet."""
        if level in self.DISABLED_LEVELS:
            self.notify(f"{self.DISABLED_LEVELS[level]}.", severity="warning")
            return
        if level == self.level:
            return
        self.level = level
        self.session.log_event("level", level=level.name.lower())
        self.query_one(AutonomySlider).level = level
        for editor in self.query(EditorPane):
            editor.ghost = level == Level.TAB
            if level != Level.TAB:
                editor.action_dismiss()
        remember_level(self.session.repo_root, level.name.lower())
        self._update_slider_warning()
        self._refresh_status()  # the agent's system prompt is another size
        if level == Level.TAB and not self.query(EditorPane):
            self.notify("Tab: ghost text as you type in the editor — /edit PATH opens a file.", title="Autonomy")
            return
        self.notify(f"{level.label}: {WHAT[level]} (from the next question on).", title="Autonomy")

    def _update_slider_warning(self) -> None:
        """At Agent level, the slider says what runs without asking: edits when auto-accepted;
        without bubblewrap, that commands are unsandboxed (each one then asks)."""
        warnings = []
        if self.level == Level.AGENT and self.agent.own_branch:
            warnings.append("on its own branch")
        elif self.level == Level.AGENT and self.agent.rules.auto_accept_edits:
            warnings.append("edits written without review")
        if self.level == Level.AGENT and not sandbox_available():
            warnings.append("commands unsandboxed (no bwrap): each one asks")
        self.query_one(AutonomySlider).warning = " · ".join(warnings)

    def action_toggle_auto_accept(self) -> None:
        """Write the agent's edits without the review, or review each again (command palette)."""
        rules = self.agent.rules
        self.agent.rules = replace(rules, auto_accept_edits=not rules.auto_accept_edits)
        self._update_slider_warning()
        state = "written without review" if self.agent.rules.auto_accept_edits else "reviewed one by one"
        self.notify(f"The agent's edits are {state} from now on.", title="Auto-accept edits")

    def action_autonomy(self, value: int) -> None:
        """alt+1…4: pick a level of the slider."""
        self.set_level(Level(value))

    def action_slide(self, step: int) -> None:
        """ctrl+left / ctrl+right: one level less or more (in the prompt, with text, or in the
        editor: a word left or right, taking the ghost text's next word)."""
        prompt = self.query_one(PromptInput)
        if prompt.text and prompt.has_focus:
            (prompt.action_cursor_word_left if step < 0 else prompt.action_cursor_word_right)()
            return
        editor = self.focused
        if isinstance(editor, EditorPane):  # a word left, or the ghost text's next word
            (editor.action_cursor_word_left if step < 0 else editor.action_accept_word)()
            return
        enabled = [level for level in Level if level not in self.DISABLED_LEVELS]
        index = enabled.index(self.level) + step
        if 0 <= index < len(enabled):
            self.set_level(enabled[index])

    @on(AutonomySlider.Picked)
    def _picked(self, message: AutonomySlider.Picked) -> None:
        self.set_level(message.level)

    # -- keys -----------------------------------------------------------------------------------

    async def action_cancel(self) -> None:
        """Close the Keys panel if it is open; else stop the answer being written (what came so
        far stays, marked as stopped)."""
        if self.query("HelpPanel"):
            self.app.action_hide_help_panel()
            return
        if self.conversation.busy and self.level == Level.AGENT:
            self.agent.stop()  # the stream, or the command running
            if self._approval is not None:
                self._approval.settle(Answer(False))
        if not self.session.streaming or self._view is None:
            if self.conversation.busy:
                self.conversation.cancel()  # the tests running (/test)
            return
        self.conversation.cancel()  # a stopped correction still brings what was placed to review
        await self.query_one(ChatPane).finish_answer(self._view, "cancelled")
        self._answer_ended()

    def action_scroll_chat(self, pages: int) -> None:
        """Scroll the conversation by pages (the prompt keeps the focus)."""
        chat = self.query_one(ChatPane)
        if pages < 0:
            chat.scroll_page_up()
        elif chat.scroll_y + chat.scrollable_content_region.height >= chat.max_scroll_y:
            # Reaching the bottom follows new output again (Textual's page-down at the bottom
            # would stop following it).
            chat.scroll_end(animate=False)
        else:
            chat.scroll_page_down()

    async def action_interrupt(self) -> None:
        """ctrl+c: stop the answer, else clear the prompt, else say how to quit."""
        prompt = self.query_one(PromptInput)
        if self.session.streaming or (self.conversation.busy and self.level == Level.AGENT):
            await self.action_cancel()
        elif prompt.text:
            prompt.clear()
        else:
            self.notify("Press ctrl+q to quit.")

    # -- slash commands -------------------------------------------------------------------------

    async def _still_answering(self, doing: str) -> bool:
        """While the loop runs, say that `doing` must wait for it; returns whether it runs."""
        busy = self.conversation.busy
        if busy:
            await self.query_one(ChatPane).add_notice(f"Wait for the answer (or press esc) before {doing}.", "warning")
        return busy

    async def action_run_slash(self, line: str) -> None:
        await self.run_slash(line)

    async def run_slash(self, line: str) -> None:
        """Carry out a slash command given as text (e.g. from the command palette)."""
        command = slash.parse(line)
        assert command is not None, line
        await self.run_command(command)

    async def run_command(self, command: slash.Command) -> None:
        """Carry out a slash command typed in the prompt."""
        handlers = {
            "/model": self._cmd_model,
            "/add": self._cmd_add,
            "/drop": self._cmd_drop,
            "/clear": self._cmd_clear,
            "/review": self._cmd_review,
            "/undo": self._cmd_undo,
            "/redo": self._cmd_redo,
            "/rewind": self._cmd_rewind,
            "/test": self._cmd_test,
            "/compact": self._cmd_compact,
            "/context": self._cmd_context,
            "/edit": self._cmd_edit,
            "/resume": self._cmd_resume,
            "/stats": self._cmd_stats,
            "/help": self._cmd_help,
        }
        handler = handlers.get(command.name)
        if handler is None:
            await self.query_one(ChatPane).add_notice(
                f"Unknown command {command.name} — /help lists the commands.", "error"
            )
            return
        await handler(command)

    async def _cmd_model(self, command: slash.Command) -> None:
        if not command.args:
            self.action_pick_model()
            return
        await self.switch_model(command.args[0])

    def action_pick_model(self) -> None:
        """Open the model picker (also in the command palette)."""
        router = self.session.router

        async def picked(choice: str | None) -> None:
            if choice:
                await self.switch_model(choice)

        self.app.push_screen(ModelPicker(self.model_catalog, f"{router.name}/{router.model}"), picked)

    def action_pick_complete_model(self) -> None:
        """Pick the ghost text's provider and model (command palette), apart from the chat's."""
        complete = self.completions.router

        async def picked(choice: str | None) -> None:
            if not choice:
                return
            name, _, model = choice.partition("/")
            provider = next((p for p in self.session.router.providers if p.name == name), None)
            if provider is None or provider.config is None:
                self.notify(f"{name} is not a configured provider.", severity="error")
                return
            from app.config import Config
            from app.llm.registry import build_router

            self.completions.use(build_router(Config(providers=[replace(provider.config, model=model or provider.model)])))
            self._refresh_status()
            self.notify(f"Ghost text from {choice} from now on.", title="Tab model")

        self.app.push_screen(ModelPicker(self.model_catalog, f"{complete.name}/{complete.model}"), picked)

    async def switch_model(self, spec: str) -> None:
        """Switch to "provider[/model]" for the next turns; the conversation is kept."""
        if await self._still_answering("switching models"):
            return
        chat = self.query_one(ChatPane)
        provider, _, model = spec.partition("/")
        try:
            self.session.switch(provider, model or None)
        except ProviderError as exc:
            await chat.add_notice(f"Cannot switch to {spec}: {exc}", "error")
            return
        router = self.session.router
        self.query_one(StatusBar).notice = ""
        await chat.add_notice(f"Now using {router.name}/{router.model}; the conversation continues.")
        if router.notice:
            await chat.add_notice(router.notice, "warning")
        self._refresh_status()

    async def _cmd_add(self, command: slash.Command) -> None:
        chat = self.query_one(ChatPane)
        if not command.args:
            await chat.add_notice("Usage: /add PATH (a repo file, directory or glob)", "error")
            return
        force = "--force" in command.flags
        for path in command.args:
            try:
                added = self.session.context.add(path, force=force)
            except ContextError as exc:
                await chat.add_notice(str(exc), "error")
                continue
            if added.paths:
                await chat.add_notice(f"Added to the context: {', '.join(added.paths)}")
            elif not added.skipped:
                await chat.add_notice(f"{path} is already in the context.")
            for skipped in added.skipped:
                await chat.add_notice(f"Skipped {skipped}", "warning")
        self.session.record()  # the context files a resume brings back
        self._refresh_status()

    async def _cmd_drop(self, command: slash.Command) -> None:
        context = self.session.context
        chat = self.query_one(ChatPane)
        if not command.args:
            dropped = context.paths
            context.clear()
        else:
            dropped = [p for path in command.args for p in context.drop(path)]
        if dropped:
            await chat.add_notice(f"Dropped from the context: {', '.join(dropped)}")
        else:
            await chat.add_notice("Nothing to drop: " + (" ".join(command.args) or "the context is empty"))
        self.session.record()
        self._refresh_status()

    async def _cmd_resume(self, command: slash.Command) -> None:
        self.pick_session()

    async def _cmd_stats(self, command: slash.Command) -> None:
        self.show_stats()

    def show_stats(self) -> None:
        """The review analytics of this repository's logged sessions (the Stats screen)."""
        from app import stats
        from widgets.stats_screen import StatsScreen

        root = self.session.repo_root

        def compute(since: float) -> stats.Stats:
            return stats.compute(stats.digests(root), since)

        self.app.push_screen(StatsScreen(compute, root.name))

    async def _cmd_clear(self, command: slash.Command) -> None:
        if self.session.streaming:
            await self.action_cancel()
        self.conversation.clear()
        chat = self.query_one(ChatPane)
        await chat.clear()
        await chat.add_notice("Conversation cleared; the context files stay.")
        self._refresh_status()

    async def _cmd_review(self, command: slash.Command) -> None:
        chat = self.query_one(ChatPane)
        if await self._still_answering("reviewing"):
            return
        if self.conversation.reopenable is None:
            await chat.add_notice("No closed review to reopen: /review reopens one closed without writing.", "warning")
        else:
            self._run(self.conversation.reopen())

    async def _cmd_undo(self, command: slash.Command) -> None:
        await self._take_back("undo", self.conversation.undo, "Undone: {} put back as before those edits (/redo writes them again).")

    async def _cmd_redo(self, command: slash.Command) -> None:
        await self._take_back("redo", self.conversation.redo, "Redone: {} hold the undone edits again.")

    async def _cmd_rewind(self, command: slash.Command) -> None:
        from widgets.rewind_screen import RewindScreen  # git loads on first use

        if await self._still_answering("rewinding"):
            return

        async def picked(number: int | None) -> None:
            if number is not None:
                await self._take_back("rewind", lambda: self.conversation.rewind(number),
                                      f"Rewound: {{}} put back as before change #{number} (/undo brings the present back).")

        self.app.push_screen(RewindScreen(self.conversation.workspace), picked)

    async def _take_back(self, doing: str, write: Callable[[], Written], done: str) -> None:
        """Undo, redo or rewind through the conversation (which tells the model), and say what
        came of it (`done`, with the paths in its `{}`)."""
        chat = self.query_one(ChatPane)
        if await self._still_answering(f"{doing}ing"):
            return
        try:
            written = write()
        except ApplyError as error:
            if error.problems == [f"nothing to {doing}"]:
                await chat.add_notice(f"Nothing to {doing}: no AI change recorded here is left to {doing}.", "warning")
            else:
                await chat.add_notice(f"Cannot {doing}, nothing was changed: {error}", "error")
            return
        note = f" Git: {written.note}." if written.note else ""
        await chat.add_notice(done.format(", ".join(written.paths) or "no file") + note)

    async def _cmd_test(self, command: slash.Command) -> None:
        if await self._still_answering("running the tests"):
            return
        test_command = self.agent.test_command or detect_test_command(self.session.repo_root)
        if not test_command:
            await self.query_one(ChatPane).add_notice(
                "No test command found: set test_command under [agent] in .exosuit.toml.", "error"
            )
            return
        self.query_one(StatusBar).busy = True
        self._run(self.conversation.test(test_command))

    async def _cmd_compact(self, command: slash.Command) -> None:
        chat = self.query_one(ChatPane)
        if command.args == ["undo"]:
            try:
                count = self.session.uncompact()
            except CompactError as exc:
                await chat.add_notice(f"Cannot undo the compaction: {exc}", "warning")
                return
            for note in self.query(SummaryNote):
                note.undone()
            await chat.add_notice(f"Put back the {count} turn{'s' * (count != 1)} the summary stood in for.")
            self._refresh_status()
            return
        if command.args:
            await chat.add_notice("Usage: /compact (summarise the older turns) or /compact undo", "error")
            return
        if await self._still_answering("compacting"):
            return
        self._compacted = False
        self.query_one(StatusBar).busy = True
        self._run(self.conversation.compact())

    async def _cmd_context(self, command: slash.Command) -> None:
        session = self.session

        async def closed(choice: str | None) -> None:
            self._refresh_status()
            if choice == "compact":
                await self._cmd_compact(slash.Command("/compact", [], set()))

        files = session.context.from_start(repo_files(session.repo_root))
        self.app.push_screen(ContextScreen(session, files, agent=self.level == Level.AGENT), closed)

    async def _cmd_edit(self, command: slash.Command) -> None:
        if len(command.args) != 1:
            await self.query_one(ChatPane).add_notice("Usage: /edit PATH[:LINE] (a repo file)", "error")
            return
        await self.open_editor(*slash.path_and_line(command.args[0]))

    async def _cmd_help(self, command: slash.Command) -> None:
        width = max(map(len, [*slash.COMMANDS, *slash.KEYS])) + 3
        lines: list[Content] = []
        for title, entries in (("Commands", slash.COMMANDS), ("Keys", slash.KEYS)):
            lines.append(Content.styled(title, "bold"))
            lines += [
                Content.assemble(("  " + name.ljust(width), "$text-accent"), text) for name, text in entries.items()
            ]
        await self.query_one(ChatPane).add_note(Content("\n").join(lines))

    # -- completion -----------------------------------------------------------------------------

    @on(PromptInput.Completions)
    def _completions(self, event: PromptInput.Completions) -> None:
        self._show_completions(event.options)

    def _show_completions(self, options: list[str]) -> None:
        hint = self.query_one("#completions", Static)
        hint.update("   ".join(options[:40]) + (" …" if len(options) > 40 else ""))
        hint.display = bool(options)

    @cached_property
    def model_catalog(self) -> ModelCatalog:
        """The configured models and, once the picker asked, what the servers offer (for the session)."""
        session = self.session
        return ModelCatalog(session.router.providers, lambda: session.router.active if session.streaming else None)

    def _models(self) -> list[str]:
        return self.model_catalog.choices()

    # -- status ---------------------------------------------------------------------------------

    def _waiting_text(self, provider: Provider) -> str:
        return loading_text(provider, provider.name not in self._used) or "thinking…"

    def _refresh_status(self) -> None:
        router = self.session.router
        status = self.query_one(StatusBar)
        status.provider = router.name
        status.model = router.model
        status.offline = is_offline(router.active)
        status.usage = self.session.meter.format()
        status.context = tuple(self.session.context.paths)
        status.request = self.session.request_size(agent=self.level == Level.AGENT)
        complete = self.completions.router
        status.complete_model = complete.model if (complete.name, complete.model) != (router.name, router.model) else ""
        if complete.active.kind == "local" and self.level == Level.TAB:
            status.complete_model = f"{complete.model} on alt+\\ (slow)"

    def _banner(self) -> Content:
        welcome = Content.from_markup(
            "[b $text-primary]Exosuit[/] in [b]$repo[/] — the model proposes, you review every change.\n"
            "[dim]Ask a question and press [b]enter[/]. [b]/add PATH[/] shows the model a file, "
            "[b]/model[/] switches model, [b]/help[/] lists everything.[/dim]",
            repo=self.session.repo_root.name,
        )
        notice = banner_notice(self.session.router)
        return Content.assemble(welcome, "\n\n", notice) if notice else welcome


class ScreenReviewer:
    """The conversation loop's `Reviewer` in the TUI: the loop's thread waits while the main
    screen shows the review screen."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    def review(self, proposal: Proposal, target: WriteAccepted) -> ReviewResult | None:
        return self.screen.app.call_from_thread(self.screen.open_review, proposal, target)


class InlineReviewer:
    """The `Reviewer` of a selection edit: the loop's thread waits while `widget`, over the
    file's editor, has the person decide on the range's hunks."""

    def __init__(self, screen: MainScreen, widget: RangeReview) -> None:
        self.screen, self.widget = screen, widget

    def review(self, proposal: Proposal, target: WriteAccepted) -> ReviewResult | None:
        return self.screen.app.call_from_thread(self.widget.decide, proposal.changeset, target)


class ScreenApprover:
    """The agent's `Approver` in the TUI: its thread waits while the main screen asks the person."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    def approve(self, request: Approval) -> Answer:
        answered: Future[Answer] = Future()
        self.screen.post_message(MainScreen.AskApproval(request, answered))
        return answered.result()


def _stamp(path: Path) -> tuple[int, int] | None:
    """A file's (mtime in ns, size), None when it is gone: what tells a change on disk."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _main_argument(arguments: dict[str, Any]) -> str:
    """The argument that says what a tool call is about (a path, a command, a pattern), shortened."""
    value = next((arguments[k] for k in ("command", "path", "pattern") if arguments.get(k)), "")
    text = str(value).replace("\n", " ")
    return text if len(text) <= 80 else text[:79] + "…"

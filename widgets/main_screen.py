"""The main screen: the conversation, the prompt and the status bar, and the slash commands.

Answers stream in a thread that iterates `ChatSession.stream_turn()` and posts each event
back to this screen as a `Streamed` message; the handlers feed the chat pane and the status bar.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from threading import Thread
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

import prompts
from app.chat import ChatEvent, ChatSession, ContextWarning, TurnKind
from app.context import ContextError, repo_files
from app.edits.apply import ApplyError, apply_changeset
from app.llm.base import Done, Provider, ProviderError, ProviderSwitched, Retrying, TextDelta
from app.llm.catalog import ModelCatalog
from app.proposal import Proposal, propose
from widgets import slash
from widgets.answer_view import AnswerView
from widgets.chat_pane import Banner, ChatPane
from widgets.model_picker import ModelPicker
from widgets.prompt_input import PromptInput
from widgets.providers import banner_notice, is_offline, loading_text
from widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from app.review import ReviewResult


class MainScreen(Screen[None]):
    """Chat with the model about the repository."""

    CSS_PATH = "main_screen.tcss"

    BINDINGS = [
        Binding("escape", "cancel", "Stop answer", show=False),
        Binding("ctrl+c", "interrupt", "Stop / clear", show=False, priority=True),
        Binding("pageup", "scroll_chat(-1)", "Scroll up", show=False, priority=True),
        Binding("pagedown", "scroll_chat(1)", "Scroll down", show=False, priority=True),
    ]

    @dataclass
    class Streamed(Message):
        """An event of the answer streaming into `view`."""

        view: AnswerView
        event: ChatEvent

    @dataclass
    class StreamFailed(Message):
        """The answer streaming into `view` ended with an error (one line)."""

        view: AnswerView
        error: str

    class StreamClosed(Message):
        """The answer thread is done (a stopped answer's estimated cost is now in the meter)."""

    def __init__(self, session: ChatSession) -> None:
        super().__init__()
        self.session = session
        self._view: AnswerView | None = None
        self._used: set[str] = set()
        """Names of the providers that have answered once (the local model loads on first use)."""
        self._retrying: Proposal | None = None
        """A proposal whose refused edits were sent back to the model; its answer completes it."""
        self._reopenable: Proposal | None = None
        """The latest proposal whose review was closed without writing anything (/review reopens it)."""
        self._undoable: list[ReviewResult] = []
        """Reviews that wrote files, oldest first (/undo puts back the newest's files)."""

    def compose(self) -> ComposeResult:
        with ChatPane():
            yield Banner(self._banner(), classes="-offline" if self.session.router.notice else "")
        yield Static(id="completions", markup=False)
        session = self.session
        completer = slash.Completer(
            lambda: session.context.from_start(repo_files(session.repo_root)), lambda: session.context.paths, self._models
        )
        yield PromptInput(completer, id="prompt")
        yield StatusBar()

    def on_mount(self) -> None:
        self._refresh_status()
        self.query_one(PromptInput).focus()

    # -- sending --------------------------------------------------------------------------------

    @on(PromptInput.Submitted)
    async def _submitted(self, event: PromptInput.Submitted) -> None:
        self._show_completions([])
        command = slash.parse(event.text)
        if command is not None:
            await self.run_command(command)
        elif self.session.streaming:
            event.prompt.text = event.text  # keep what was typed for when the answer is done
            await self.query_one(ChatPane).add_notice(
                "An answer is still being written: wait, or press esc to stop it.", "warning"
            )
        else:
            await self.send(event.text)

    async def send(self, text: str, kind: TurnKind = "user", title: str | None = None) -> None:
        """Show `text` as a turn and stream the model's answer to it.

        `kind="feedback"` sends text written by the app (the review's feedback, an edit retry),
        shown under `title` (default "review feedback"). Raises RuntimeError while another answer
        streams (see `session.streaming`).
        """
        if self.session.streaming:
            raise RuntimeError("an answer is still streaming")
        chat = self.query_one(ChatPane)
        await chat.add_user(text, kind, title)
        provider = self.session.router
        waiting = self._waiting_text(provider.active)
        self._view = await chat.start_answer(f"{provider.name}/{provider.model}", waiting)
        self.query_one(StatusBar).busy = True
        # A daemon thread, not a Textual worker: a provider that hangs must not keep the app from
        # quitting (workers run in the event loop's executor, which is joined at exit).
        Thread(target=self._stream, args=(text, kind, self._view), name="answer", daemon=True).start()

    def _stream(self, text: str, kind: TurnKind, view: AnswerView) -> None:
        """Iterate the turn in the answer thread, posting every event back to the screen."""
        try:
            for event in self.session.stream_turn(text, kind=kind):
                self.post_message(self.Streamed(view, event))
        except ProviderError as exc:
            self.post_message(self.StreamFailed(view, str(exc)))
        except Exception as exc:  # a bug must not kill the app: show it on the turn
            self.post_message(self.StreamFailed(view, f"{type(exc).__name__}: {exc}"))
        finally:
            self.post_message(self.StreamClosed())

    @on(Streamed)
    async def _streamed(self, message: Streamed) -> None:
        event, view = message.event, message.view
        if view.status not in ("waiting", "streaming"):
            return  # the user stopped this answer; the worker is winding down
        chat = self.query_one(ChatPane)
        if isinstance(event, TextDelta):
            view.append(event.text)
        elif isinstance(event, ProviderSwitched):
            self._switched(event, view)
            await chat.add_notice(event.describe(), "warning", before=view)
        elif isinstance(event, Retrying):
            view.waiting = f"retrying ({event.attempt}/{event.attempts}) — {event.reason}"
        elif isinstance(event, ContextWarning):
            self.notify(event.text, severity="warning")
        elif isinstance(event, Done):
            self._used.add(self.session.router.name)
            view.label = self.session.turns[-1].provider  # the model that answered (not "auto")
            cost = self.session.turns[-1].cost
            view.usage = cost.format() if cost else ""
            await chat.finish_answer(view, "complete")
            self._answer_ended()

    @on(StreamFailed)
    async def _stream_failed(self, message: StreamFailed) -> None:
        if message.view.status not in ("waiting", "streaming"):
            return
        status = "broken" if message.view.text else "failed"
        await self.query_one(ChatPane).finish_answer(message.view, status, message.error)
        self._answer_ended()
        await self._give_up_retry()

    @on(StreamClosed)
    def _stream_closed(self) -> None:
        self._refresh_status()

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

    # -- edits and their review -----------------------------------------------------------------

    @on(ChatPane.AnswerComplete)
    async def _answer_complete(self, message: ChatPane.AnswerComplete) -> None:
        """Review the edits in a finished answer, after one automatic retry of refused ones."""
        retry_of, self._retrying = self._retrying, None
        proposal = propose(self.session.repo_root, message.text, retry_of)
        if proposal is None:
            return
        if proposal.needs_retry:
            self._retrying = proposal
            await self.send(proposal.retry_message(), "feedback", f"{proposal.retry_title()} — asking the model to correct")
        else:
            await self.review(proposal)

    async def _give_up_retry(self) -> None:
        """The answer to an edit retry did not complete: review what was placed before it."""
        proposal, self._retrying = self._retrying, None
        if proposal is not None:
            await self.review(replace(proposal, retried=True))

    async def review(self, proposal: Proposal) -> None:
        """Open the review screen on a proposal; its outcome goes back to the model."""
        self._reopenable = None
        chat = self.query_one(ChatPane)
        for problem in proposal.problems:
            await chat.add_notice(f"Edit dropped — {problem.summary}", "error")
        for change in proposal.broken:
            await chat.add_notice(f"{change.path} would not parse after these edits — line {change.flag[0]}: {change.flag[1]} (flagged in the review)", "error")
        if not proposal.changeset.files:
            return
        from widgets.review import ReviewScreen  # git and the diff view load on first review

        async def reviewed(result: ReviewResult | None) -> None:
            await self._reviewed(proposal, result)

        screen = ReviewScreen(proposal.changeset, self.session.repo_root, conversation=True)
        self.app.push_screen(screen, reviewed)
        if proposal.problems:  # listed in the chat, which the review screen covers
            count = len(proposal.problems)
            dropped = f"{count} edit{'s' * (count != 1)} could not be placed and {'is' if count == 1 else 'are'}"
            self.notify(f"{dropped} not in this review (see the chat).", severity="warning", timeout=10)

    async def _reviewed(self, proposal: Proposal, result: ReviewResult | None) -> None:
        chat = self.query_one(ChatPane)
        if result is None or not result.applied:
            self._reopenable = proposal
            self.session.pending_note = prompts.load("review_closed")
            await chat.add_notice(
                "Review closed: nothing written. /review reopens it; otherwise the model is told"
                " with your next message."
            )
            return
        lines = result.summary().splitlines()
        if result.written or result.deleted:
            self._undoable.append(result)
            lines[0] += "  (/undo puts it back)"
        for line in lines:
            await chat.add_notice(line)
        refusals = proposal.refusals_note()
        feedback = "\n\n".join(t for t in (result.feedback_for_model(), refusals) if t)
        if feedback and (result.left() or refusals):
            await self.send(feedback, "feedback", "review feedback")
        elif feedback:  # all accepted, some rewritten: the model learns it with the next message
            self.session.pending_note = feedback

    # -- keys -----------------------------------------------------------------------------------

    async def action_cancel(self) -> None:
        """Close the Keys panel if it is open; else stop the answer being written (what came so
        far stays, marked as stopped)."""
        if self.query("HelpPanel"):
            self.app.action_hide_help_panel()
            return
        if not self.session.streaming or self._view is None:
            return
        self.session.cancel()
        await self.query_one(ChatPane).finish_answer(self._view, "cancelled")
        self._answer_ended()
        await self._give_up_retry()

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
        if self.session.streaming:
            await self.action_cancel()
        elif prompt.text:
            prompt.clear()
        else:
            self.notify("Press ctrl+q to quit.")

    # -- slash commands -------------------------------------------------------------------------

    async def _still_answering(self, doing: str) -> bool:
        """While an answer streams, say that `doing` must wait for it; returns whether it streams."""
        if self.session.streaming:
            await self.query_one(ChatPane).add_notice(f"Wait for the answer (or press esc) before {doing}.", "warning")
        return self.session.streaming

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
        self._refresh_status()

    async def _cmd_clear(self, command: slash.Command) -> None:
        if self.session.streaming:
            await self.action_cancel()
        self.session.clear()
        self._reopenable = None
        chat = self.query_one(ChatPane)
        await chat.clear()
        await chat.add_notice("Conversation cleared; the context files stay.")
        self._refresh_status()

    async def _cmd_review(self, command: slash.Command) -> None:
        chat = self.query_one(ChatPane)
        if await self._still_answering("reviewing"):
            return
        if self._reopenable is None:
            await chat.add_notice("No closed review to reopen: /review reopens one closed without writing.", "warning")
        else:
            self.session.pending_note = ""  # the review is open again: its outcome is what the model hears
            await self.review(self._reopenable.placed_again(self.session.repo_root))

    async def _cmd_undo(self, command: slash.Command) -> None:
        chat = self.query_one(ChatPane)
        if await self._still_answering("undoing"):
            return
        if not self._undoable:
            message = "Nothing to undo: /undo puts back the files of the last review you applied."
            await chat.add_notice(message, "warning")
            return
        try:
            undone = apply_changeset(self.session.repo_root, self._undoable[-1].undo_changeset())
        except ApplyError as error:
            await chat.add_notice(f"Cannot undo, nothing was changed: {error}", "error")
            return
        self._undoable.pop()
        files = sorted(undone.written + undone.deleted)
        await chat.add_notice(f"Undone: {', '.join(files)} put back as before those edits.")
        note = prompts.load("edits_undone", files=", ".join(files))
        self.session.pending_note = "\n\n".join(n for n in (self.session.pending_note, note) if n)

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
        status.context_tokens = self.session.context.total_bytes() // 4  # about 4 bytes a token

    def _banner(self) -> Content:
        welcome = Content.from_markup(
            "[b $text-primary]Exosuit[/] in [b]$repo[/] — the model proposes, you review every change.\n"
            "[dim]Ask a question and press [b]enter[/]. [b]/add PATH[/] shows the model a file, "
            "[b]/model[/] switches model, [b]/help[/] lists everything.[/dim]",
            repo=self.session.repo_root.name,
        )
        notice = banner_notice(self.session.router)
        return Content.assemble(welcome, "\n\n", notice) if notice else welcome

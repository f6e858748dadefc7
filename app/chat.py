"""A chat session: the conversation's turns, its context files, and streaming one turn at a time.

`ChatSession.stream_turn()` is a plain iterator (the TUI runs it in a background thread): it sends the
conversation, the system prompt and the context block through the router, yields the provider's
events as they come, records usage in the meter and stores the finished answer. A turn that did not
finish (the stream broke, the provider failed, the user cancelled) is kept as such: the model sees
its partial text marked as cut off, never as a normal answer.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import prompts
from app import compaction, instructions
from app.context import ContextFiles, changes_block, context_block, tokens_by_file
from app.edits.paths import repo_files
from app.instructions import Style
from app.llm.base import (
    ChatRequest,
    Done,
    Message,
    ProviderError,
    ProviderSwitched,
    Retrying,
    StreamBroken,
    TextDelta,
    ToolCall,
    ToolResult,
    ToolSpec,
    Usage,
)
from app.llm.meter import Meter, RequestCost, estimate_tokens, find_context_window
from app.session_log import REDACTED

if TYPE_CHECKING:
    from app.agent.text_protocol import TextProtocol
    from app.config import Config
    from app.llm.router import Router
    from app.transcript import Transcript

TurnKind = Literal["user", "feedback", "tool"]
"""`feedback` turns are written by the app (e.g. the review's rejected hunks), not typed; a `tool`
turn carries on after the previous turn's tool calls were answered, with no question of its own."""

TurnStatus = Literal["streaming", "complete", "broken", "failed", "cancelled"]

OVERFLOW_SHARE = 0.9
"""A request from this share of the model's window on is warned of: it may be refused."""
ROOM_SHARE = 0.75
"""Making room (dropping files) aims below this share of the window."""


@dataclass(frozen=True)
class ContextWarning:
    """A context file was left out of this turn's request (gone, unreadable, or now a secret)."""

    text: str


class CompactError(Exception):
    """The conversation cannot be compacted (or uncompacted) now; the message is one line."""


@dataclass(frozen=True)
class ContextAdded:
    """The question named files as `@path`: these were added to the context before it was sent,
    these skipped (with why)."""

    paths: tuple[str, ...]
    skipped: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """What to tell the person, one line each."""
        added = [f"Added to the context: {', '.join(self.paths)}"] if self.paths else []
        return added + [f"Skipped {skipped}" for skipped in self.skipped]


@dataclass(frozen=True)
class Answered:
    """The turn's answer is complete (right after its Done): who gave it and what it cost, as
    values, so a reader in another thread need not look at the session, which has moved on."""

    provider: str
    cost: RequestCost | None
    tool_calls: int = 0


ChatEvent = TextDelta | Done | Answered | ProviderSwitched | Retrying | ContextWarning | ContextAdded


@dataclass(frozen=True)
class RequestSize:
    """About how many tokens the next request takes, by part, and the window it must fit."""

    system: int
    map: int
    files: int
    conversation: int
    window: int | None
    """The active model's context window (prompt and answer together), when known."""

    @property
    def total(self) -> int:
        return self.system + self.map + self.files + self.conversation

    def crowded(self, question: int = 0) -> bool:
        """Whether with a question of `question` tokens the request reaches OVERFLOW_SHARE of the
        window (never when the window is not known)."""
        return bool(self.window) and self.total + question >= (self.window or 0) * OVERFLOW_SHARE


@dataclass
class Turn:
    """One question and its answer, as far as it got."""

    prompt: str
    kind: TurnKind = "user"
    answer: str = ""
    status: TurnStatus = "streaming"
    error: str = ""
    """One line saying why the answer is not complete."""
    note: str = ""
    """Said to the model before `prompt` but not shown as typed (e.g. a review closed unapplied)."""
    summary: str = ""
    """The earlier turns, summarised (`ChatSession.compact`): said to the model before anything else."""
    changed: dict[str, str] = field(default_factory=dict)
    """Context files added or changed since the model last saw them (path -> text), given to it
    with this question, so that the request's earlier part stays as it was (see `ChatSession`)."""
    provider: str = ""
    """"name/model" that produced the answer."""
    cost: RequestCost | None = None
    """What the request cost (estimated for an answer that was cut off)."""
    tool_calls: list[ToolCall] = field(default_factory=list)
    """The tools the complete answer asked to run, in its order."""
    tool_results: list[ToolResult] = field(default_factory=list)
    """What was answered to those calls (a call with none is told it was not run)."""
    protocol: TextProtocol | None = None
    """How the calls were written, when in the answer's text (a server without tool calling)."""

    @property
    def seen(self) -> bool:
        """Whether the model sees this turn on later requests (one that failed without text it does not)."""
        return self.status in ("complete", "streaming") or bool(self.answer)

    def as_messages(self) -> list[Message]:
        """The turn as the model sees it on later requests."""
        if not self.seen:
            return []  # nothing came back: the question goes unanswered, the user will re-ask
        said = "\n\n".join(t for t in (self.summary, changes_block(self.changed), self.note, self.prompt) if t)
        question = [Message("user", said)] if said or self.kind != "tool" else []
        if self.status == "complete" and self.tool_calls and self.protocol:
            results = self.protocol.results(self.tool_calls, self._answered_calls())
            return [*question, Message("assistant", self.answer), Message("user", results)]
        if self.status == "complete" and self.tool_calls:
            answer = Message("assistant", self.answer, tool_calls=list(self.tool_calls))
            return [*question, answer, Message("user", "", tool_results=self._answered_calls())]
        if self.status == "complete":
            return [*question, Message("assistant", self.answer)]
        if self.status == "streaming":
            return question
        why = "the user stopped it" if self.status == "cancelled" else self.error
        cut = f"[This answer was cut off before it was complete ({why}). It is not a finished answer.]"
        return [*question, Message("assistant", f"{self.answer}\n\n{cut}")]


    def _answered_calls(self) -> list[ToolResult]:
        """A result for every call: its own, else that it was not run (an API refuses a call left
        unanswered)."""
        results = {r.call_id: r for r in self.tool_results}
        unrun = "not run: no tool was offered with this request"
        return [results.get(c.id) or ToolResult(c.id, unrun, is_error=True) for c in self.tool_calls]


def _said(message: Message) -> str:
    """All a message says, its tool calls and results included (for counting its tokens)."""
    calls = "".join(f"{c.name}{json.dumps(c.arguments)}" for c in message.tool_calls)
    return message.content + calls + "".join(r.content for r in message.tool_results)


class ChatSession:
    """The conversation with the model in one repository."""

    def __init__(self, repo_root: Path, router: Router, meter: Meter, start: str = "", *, map_tokens: int = 0) -> None:
        """`start`: where the person works, relative to the root (see ContextFiles.start);
        `map_tokens`: how long the repo map sent ahead of the context files may be (0: none)."""
        self.repo_root = repo_root.resolve()
        self.router = router
        self.meter = meter
        self.context = ContextFiles(self.repo_root, start)
        self.turns: list[Turn] = []
        self.pending_note = ""
        """Told to the model with the next turn (then cleared), e.g. that a review wrote nothing."""
        self._lock = threading.Lock()
        self._repo_files: list[str] | None = None
        self._base: dict[str, str] | None = None
        """The context block's files as they were when it was made (None: not made yet)."""
        self.map_tokens = map_tokens
        self._map = ""
        """The repo map, made with the context block (ranked for its files) and kept with it."""
        self._compacted: tuple[list[Turn], Turn, str] | None = None
        """What the last compaction took away (`uncompact`): the turns summarised, the turn that
        carries the summary and what it carried before."""
        self._compacting = False
        self._aside: tuple[Router, threading.Event] | None = None
        """The router of the request asked aside now (`stream_aside`), if any, and the event
        `cancel` sets to stop it."""
        self.transcript: Transcript | None = None
        """Where the conversation is logged at each turn boundary (app/session_log.py), if anywhere."""

    @classmethod
    def from_config(cls, repo_root: Path, config: Config, start: str = "") -> ChatSession:
        """The session `config` describes: its providers in failover order, its prices, its map
        budget and its deny-list (set for the whole process: tools and commands honour it too)."""
        from app.context import secrets
        from app.llm.registry import build_router

        secrets.configure(config.context.secret_files, config.context.not_secret_files)
        return cls(repo_root, build_router(config), Meter(config.prices), start, map_tokens=config.context.map_tokens)

    @property
    def streaming(self) -> bool:
        """Whether a turn is being answered now."""
        return bool(self.turns) and self.turns[-1].status == "streaming"

    @property
    def style(self) -> Style:
        """What the system prompt asks of the active model (edit format, full or compact)."""
        return instructions.choose(self.router.active.config, self.router.model)

    def system_prompt(self, *, agent: bool = False, protocol: TextProtocol | None = None) -> str:
        """The system prompt for the active model: how to answer and how to write edits (the
        agent's, which works through tools, when `agent`, calling them as `protocol` says when
        given), and the project's own instructions (AGENTS.md and the like)."""
        if not self.context.paths and self._repo_files is None:
            self._repo_files = repo_files(self.repo_root)
        example = instructions.example_path(self.context.paths, self._repo_files or [])
        project = instructions.project_instructions(self.repo_root)
        tools = protocol.instructions(example) if protocol else ""
        return instructions.system_prompt(self.repo_root.name, self.style, example, agent=agent, tools=tools, project=project)

    def messages(self) -> list[Message]:
        """The conversation as sent to the model."""
        return [message for turn in self.turns for message in turn.as_messages()]

    def stream_turn(
        self, user_text: str, *, kind: TurnKind = "user", tools: tuple[ToolSpec, ...] = (),
        protocol: TextProtocol | None = None,
    ) -> Iterator[ChatEvent]:
        """Ask the model (offering it `tools`, in the system prompt as `protocol` says when given,
        else natively); yield its events (TextDelta…, Done, then Answered), ContextWarnings, and
        first, for a question naming files as `@path`, the ContextAdded of adding them.

        Raises ProviderError when the answer fails (the turn is kept as broken or failed). When
        `cancel()` is called the request is closed, the iterator stops and the turn is kept as
        cancelled.
        """
        with self._lock:
            if self.streaming:
                raise RuntimeError("a turn is already streaming")
            turn = Turn(user_text, kind, note=self.pending_note, protocol=protocol)
            self.pending_note = ""
            self.turns.append(turn)
        self.record()  # the question is in the log before the answer starts: a crash keeps it
        stream: Iterator[ChatEvent] = iter(())
        sent = ""
        try:
            if kind == "user":
                added = self.context.add_mentioned(user_text)
                if added.paths or added.skipped:
                    yield ContextAdded(tuple(added.paths), tuple(added.skipped))
            snapshot = self.context.read()
            for warning in snapshot.warnings:
                yield ContextWarning(warning)
            turn.changed = self._changed(snapshot.files)
            context = self._map + context_block(self._base or {})
            messages, system = self.messages(), self.system_prompt(agent=bool(tools), protocol=protocol)
            sent = system + context + "".join(map(_said, messages))
            if warning := self._overflow_warning(estimate_tokens(sent)):
                yield ContextWarning(warning)
            stream = self.router.stream_chat(ChatRequest(messages, system, context, () if protocol else tools))
            for event in stream:
                if turn.status != "streaming":
                    return  # cancelled
                if isinstance(event, TextDelta):
                    turn.answer += event.text
                elif isinstance(event, Done):
                    turn.provider = f"{self.router.name}/{self.router.model}"
                    turn.cost = self.meter.record(self.router.name, self.router.model, event.usage)
                    if protocol:
                        turn.tool_calls, turn.answer = protocol.parse(turn.answer)
                    else:
                        turn.tool_calls = list(event.tool_calls)
                    turn.status = "complete"
                yield event
            if turn.status == "complete":
                yield Answered(turn.provider, turn.cost, len(turn.tool_calls))
            if turn.status == "streaming":
                raise StreamBroken(f"{self.router.name}: the stream ended without finishing")
        except Exception as exc:
            if turn.status == "cancelled":
                return  # the stop closed the connection: that is what ended the request
            if isinstance(exc, ProviderError):
                self._end(turn, "broken" if isinstance(exc, StreamBroken) else "failed", str(exc))
            else:
                self._end(turn, "failed", f"{type(exc).__name__}: {exc}")
            raise
        finally:
            self._end(turn, "cancelled", "cancelled")  # no-op unless the caller stopped iterating
            close = getattr(stream, "close", None)
            if close is not None:
                close()
            if turn.cost is None and (turn.answer or turn.status == "cancelled"):  # spent all the same
                usage = Usage(estimate_tokens(sent), estimate_tokens(turn.answer), estimated=True)
                turn.cost = self.meter.record(self.router.name, self.router.model, usage)
            self.record()

    def record(self) -> None:
        """A turn boundary: what changed in the conversation goes to the session log, if any."""
        if self.transcript is not None:
            self.transcript.record(self)

    def log_event(self, kind: str, **fields: object) -> None:
        """One event for the session log, if there is one (a review's decisions, a level change)."""
        if self.transcript is not None:
            self.transcript.log.append(kind, **fields)

    def snapshot(self) -> tuple[list[Turn], list[str], tuple[dict[str, str] | None, str]]:
        """The turns, the context files and the context block's files and map, as they are now."""
        with self._lock:
            base = dict(self._base) if self._base is not None else None
            return list(self.turns), list(self.context.paths), (base, self._map)

    def resumed(self, turns: list[Turn], base: tuple[dict[str, str] | None, str]) -> None:
        """Take up a logged conversation (app/transcript.py): its turns, and the context block it
        was given unless a file of it was not logged (a secret: the block is made anew). A turn
        the log left answering is kept as broken off."""
        for turn in turns:
            if turn.status == "streaming":
                turn.status, turn.error = "broken", "the session ended before the answer did"
        with self._lock:
            self.turns = turns
            files, self._map = base
            self._base = None if files is None or REDACTED in files.values() else files

    def _changed(self, files: dict[str, str]) -> dict[str, str]:
        """The files (read now) the model has not seen as they are: to give with this turn.

        A request is laid out for the servers' prompt caches, which reuse the longest unchanged
        start: the system prompt, the context block as the files were when it was made, the
        conversation (each turn with the files that had changed by then), the new question. So
        an applied edit costs the model one file's tokens, not a rereading of everything after
        the context. A file that left the context (dropped, gone, turned secret) makes the block
        anew from the files as they are, and the copies in earlier turns are taken out.
        """
        unseen = self._unseen(files, self.turns[:-1])
        if unseen is None:
            self._base = dict(files)
            self._map = self._repo_map(tuple(files))
            for turn in self.turns:
                turn.changed = {}
            return {}
        return unseen

    def _unseen(self, files: dict[str, str], turns: list[Turn]) -> dict[str, str] | None:
        """The files the model has not seen as they are after `turns`; None when the context
        block must be made anew (not made yet, or a file of it left the context)."""
        seen = dict(self._base or {})
        for turn in turns:
            if turn.seen:
                seen.update(turn.changed)
        if self._base is None or any(rel not in files for rel in seen):
            return None
        return {rel: text for rel, text in files.items() if seen.get(rel) != text}

    def request_size(self, *, agent: bool = False) -> RequestSize:
        """The next request's size (before its question), as `stream_turn` would lay it out: the
        repo map counts once made (with the first request), the files as they are now."""
        files = self.context.read().files
        unseen = self._unseen(files, self.turns)
        block = context_block(files) if unseen is None else context_block(self._base or {}) + changes_block(unseen)
        return RequestSize(estimate_tokens(self.system_prompt(agent=agent)), estimate_tokens(self._map),
                           estimate_tokens(block), self._conversation_tokens(), self._window())

    def file_tokens(self) -> dict[str, int]:
        """About how many tokens each context file takes, as it is now, in the order added."""
        return tokens_by_file(self.context.read().files)

    def largest_files(self, tokens: int) -> dict[str, int]:
        """The fewest of the largest context files whose leaving takes at least `tokens` off the
        next request (all of them when even that is not enough), largest first, with their tokens."""
        chosen: dict[str, int] = {}
        for rel, size in sorted(self.file_tokens().items(), key=lambda item: (-item[1], item[0])):
            if sum(chosen.values()) >= tokens:
                break
            chosen[rel] = size
        return chosen

    def _repo_map(self, focus: tuple[str, ...]) -> str:
        """The repo map block ranked for the context files `focus` and the identifiers the person
        has named so far ("" when off or empty)."""
        if self.map_tokens <= 0:
            return ""
        from app.context import repo_map

        said = "\n".join(turn.prompt for turn in self.turns if turn.kind == "user")
        mentioned = repo_map.mentioned_names(said)
        text = repo_map.build(self.repo_root, tokens=self.map_tokens, focus=focus, mentioned=mentioned).text
        return prompts.load("repo_map", map=text) if text else ""

    def _window(self) -> int | None:
        """The active model's context window: configured or learned from an earlier refusal,
        else the price table's."""
        return self.router.active.context_window or find_context_window(self.router.model, self.meter.prices)

    def _overflow_warning(self, tokens: int) -> str:
        """A warning when a request of about `tokens` may not fit the active model's window, else ""."""
        window = self._window()
        if not window or tokens < window * OVERFLOW_SHARE:
            return ""
        return (
            f"this request is about {tokens:,} tokens and {self.router.name}/{self.router.model} holds "
            f"{window:,} (prompt and answer together): it may be refused — /drop files or /compact the conversation"
        )

    def compact(self) -> compaction.Compacted:
        """Have the model summarise the older turns and let the summary stand in for them (said
        ahead of the first turn kept), so that the next requests fit the window; the newest
        turns stay as they are (see `compaction.split`). `uncompact` puts them back.

        Raises CompactError when there is nothing older to summarise, ProviderError when the
        summary fails or is stopped (`cancel`): the conversation is then left as it was.
        """
        with self._lock:
            if self.streaming or self._compacting:
                raise CompactError("wait for the answer to end before compacting")
            index = compaction.split(self.turns)
            older, kept = self.turns[:index], self.turns[index:]
            carrier = next((turn for turn in kept if turn.seen), None)
            if carrier is None or not any(turn.seen for turn in older):
                raise CompactError("nothing to compact yet: the conversation is only its latest turn")
            self._compacting = True
        before = self._conversation_tokens()
        try:
            summary = self.ask_aside(compaction.request(older), max_tokens=1024, what="the summary")
        finally:
            self._compacting = False
        with self._lock:
            self._compacted = (older, carrier, carrier.summary)
            carrier.summary = compaction.summary_note(summary)
            del self.turns[:index]
            self._base = None  # the context block is made anew, the files as they are
        return compaction.Compacted(summary.strip(), index, before, self._conversation_tokens())

    def ask_aside(self, question: str, *, max_tokens: int, what: str = "the answer", router: Router | None = None) -> str:
        """Ask the model (of `router`, else the chat's) `question` outside the conversation (no
        system prompt, no context, no turn kept): a summary, a commit message. Metered like a turn;
        raises ProviderError when it fails, is stopped (`cancel`) or comes back empty (`what`
        names it then)."""
        return "".join(self.stream_aside(question, max_tokens=max_tokens, what=what, router=router))

    def stream_aside(self, question: str, *, max_tokens: int, what: str = "the answer",
                     router: Router | None = None) -> Iterator[str]:
        """`ask_aside`'s answer a piece at a time, as it streams (raising as it does, at the end);
        `cancel` stops it."""
        router = router or self.router
        text, usage, stopped = "", None, threading.Event()
        with self._lock:
            self._aside = (router, stopped)
        try:
            for event in router.stream_chat(ChatRequest([Message("user", question)], max_tokens=max_tokens)):
                if isinstance(event, TextDelta):
                    text += event.text
                    yield event.text
                elif isinstance(event, Done):
                    usage = event.usage
        except ProviderError:
            if not stopped.is_set():  # else the connection closed by `cancel` broke it: stopped
                raise
        finally:
            with self._lock:
                self._aside = None
            if usage or text:  # a refused request cost nothing
                spent = usage or Usage(estimate_tokens(question), estimate_tokens(text), estimated=True)
                self.meter.record(router.name, router.model, spent)
        if usage is None or not text.strip():
            why = "was stopped" if usage is None else "came back empty"
            raise ProviderError(f"{router.name}: {what} {why}", retryable=False)

    def uncompact(self) -> int:
        """Put back the turns the last compaction summarised (the summary goes); how many.
        Raises CompactError when there is no compaction to undo."""
        with self._lock:
            if self._compacted is None or self.streaming:
                raise CompactError("no compaction to undo" if self._compacted is None else "wait for the answer to end")
            older, carrier, summary = self._compacted
            self._compacted = None
            carrier.summary = summary
            self.turns[:0] = older
            self._base = None
        self.record()
        return len(older)

    def _conversation_tokens(self) -> int:
        return estimate_tokens("".join(map(_said, self.messages())))

    def cancel(self) -> None:
        """Stop the turn being answered, or what is asked aside (a summary, a selection edit), from
        any thread: its request is closed at once (no retry follows) and a partial answer is kept
        as cancelled."""
        with self._lock:
            if self.streaming:
                self._end(self.turns[-1], "cancelled", "cancelled")
                self.router.abort()
            elif self._aside is not None:
                router, stopped = self._aside
                stopped.set()
                router.abort()

    def retract(self) -> None:
        """Forget the last turn, to ask it again another way (its note goes with the next turn)."""
        with self._lock:
            if self.turns and not self.streaming:
                self.pending_note = self.turns.pop().note
        self.record()

    def clear(self) -> None:
        """Forget the conversation (the context files stay)."""
        self.cancel()
        self.turns.clear()
        self.pending_note = ""
        self._base = None
        self._compacted = None
        self.record()

    def switch(self, provider: str, model: str | None = None) -> None:
        """Use another configured provider (and model) from the next turn on; the conversation stays."""
        self.router.use(provider, model)

    @staticmethod
    def _end(turn: Turn, status: TurnStatus, error: str) -> None:
        if turn.status == "streaming":
            turn.status = status
            turn.error = error

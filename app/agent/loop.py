"""The agent loop: ask the model with the tools, check and run each call it makes, answer it, and
ask again, until it answers without a call, the budget runs out, or the person stops it.

Every call passes the autonomy policy (`app.autonomy.check`) before anything runs; what it
denies goes back to the model as a refusal. Edits are placed by the edit engine and written only
through the person's review (or auto-accepted, when they chose so) and the workspace's gate;
commands run in the sandbox after the person's approval (or the allow-list). Like the
conversation loop, it yields plain events and asks the person through interfaces it is given.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol

from app import shell
from app.agent.tools import REPO_TOOLS, TOOLS, Call, ToolError, check_call
from app.autonomy import Action, Decision, Level, Rules, check
from app.config import Config
from app.conversation import Conversation, LoopEvent, TurnFailed, TurnStarted, review_notices
from app.llm.base import ProviderError, ToolCall, ToolResult
from app.proposal import Proposal, propose


@dataclass(frozen=True)
class Budget:
    """How far the agent may go on one instruction before it stops and says so."""

    max_steps: int = 30
    """Model requests."""
    max_cost: float | None = None
    """Dollars, as the meter counts them (requests of unknown price count nothing)."""
    max_seconds: float | None = None


@dataclass(frozen=True)
class ToolStarted:
    call_id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ToolFinished:
    call_id: str
    name: str
    summary: str
    """The result's first line."""
    seconds: float
    is_error: bool


@dataclass(frozen=True)
class Spent:
    """How much of the budget the agent has used, after each step."""

    steps: int
    max_steps: int
    cost: float
    max_cost: float | None
    seconds: float
    max_seconds: float | None

    def exhausted(self) -> str:
        """Why the budget allows no further step, or "" while it does."""
        if self.steps >= self.max_steps:
            return f"stopped after {self.steps} steps (max_steps)"
        if self.max_cost is not None and self.cost >= self.max_cost:
            return f"stopped at ${self.cost:.2f} (max_cost ${self.max_cost:.2f})"
        if self.max_seconds is not None and self.seconds >= self.max_seconds:
            return f"stopped after {self.seconds:.0f}s (max_seconds)"
        return ""

    def describe(self) -> str:
        """E.g. "step 3/30 · $0.02/$2.00 · 41s"."""
        parts = [f"step {self.steps}/{self.max_steps}"]
        parts.append(f"${self.cost:.2f}" + (f"/${self.max_cost:.2f}" if self.max_cost is not None else ""))
        parts.append(f"{self.seconds:.0f}s" + (f"/{self.max_seconds:.0f}s" if self.max_seconds is not None else ""))
        return " · ".join(parts)


@dataclass(frozen=True)
class AgentEnded:
    reason: Literal["done", "budget", "stopped", "failed"]
    text: str
    """The model's last answer, or why it stopped."""
    steps: int


AgentEvent = LoopEvent | ToolStarted | ToolFinished | Spent | AgentEnded


@dataclass(frozen=True)
class Approval:
    """A command waiting for the person's yes."""

    command: str
    directory: str
    sandboxed: bool
    reason: str
    destructive: bool


@dataclass(frozen=True)
class Answer:
    yes: bool
    always: bool = False
    """Run commands like this one without asking, from now on (allow-listed)."""
    comment: str = ""
    """For a no: what the model should do instead."""


class Approver(Protocol):
    def approve(self, request: Approval) -> Answer:
        """Ask the person whether to run a command."""
        ...


@dataclass
class Agent:
    """One agent over a conversation (its session, reviewer and workspace)."""

    conversation: Conversation
    approver: Approver
    level: Level = Level.AGENT
    rules: Rules = field(default_factory=Rules)
    budget: Budget = field(default_factory=Budget)
    test_command: str | None = None
    """The project's test command (unset: detected, see `detect_test_command`)."""
    stopping: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def from_config(cls, conversation: Conversation, approver: Approver, config: Config) -> Agent:
        """An agent with the settings' `[autonomy]` rules and `[agent]` budget and test command."""
        autonomy, agent = config.autonomy, config.agent
        return cls(
            conversation, approver,
            rules=Rules(auto_accept_edits=autonomy.auto_accept_edits, allow=tuple(autonomy.allow)),
            budget=Budget(agent.max_steps, agent.max_cost, agent.max_seconds), test_command=agent.test_command,
        )

    def run(self, instruction: str) -> Iterator[AgentEvent]:
        """Carry out `instruction`; its events, ending with one AgentEnded."""
        session, root = self.conversation.session, self.conversation.session.repo_root
        if not session.router.supports_tools:
            yield AgentEnded("failed", f"{session.router.name}/{session.router.model} is used without tools here; "
                             "the agent needs a model and server that take tool calls", 0)
            return
        self.stopping.clear()
        started, cost = time.monotonic(), session.meter.cost or 0.0
        self.rules = replace(self.rules, sandboxed=self.rules.sandboxed and shell.sandbox_available())
        text, kind, steps = instruction, "user", 0
        while not self.stopping.is_set():
            if over := self._spent(steps, started, cost).exhausted():
                yield AgentEnded("budget", over, steps)
                return
            yield TurnStarted(text, kind)  # a "tool" turn carries on the answer: no question shown
            try:
                yield from session.stream_turn(text, kind=kind, tools=TOOLS)
            except ProviderError as exc:
                yield TurnFailed(str(exc))
                yield AgentEnded("failed", str(exc), steps)
                return
            turn = session.turns[-1]
            steps += 1
            yield self._spent(steps, started, cost)
            if turn.status != "complete":
                break
            if not turn.tool_calls:
                yield AgentEnded("done", turn.answer, steps)
                return
            for call in turn.tool_calls:
                result = yield from self._run(call, root)
                turn.tool_results.append(result)
            text, kind = "", "tool"
        yield AgentEnded("stopped", "stopped by the person", steps)

    def stop(self) -> None:
        """Stop at once, from any thread: the answer streaming, the command running."""
        self.stopping.set()
        self.conversation.cancel()

    def _spent(self, steps: int, started: float, cost: float) -> Spent:
        """The budget used since the run began at `started` with the meter at `cost`."""
        used = (self.conversation.session.meter.cost or 0.0) - cost
        budget = self.budget
        return Spent(steps, budget.max_steps, used, budget.max_cost, time.monotonic() - started, budget.max_seconds)

    def _run(self, call: ToolCall, root: Path) -> Iterator[AgentEvent]:
        """Check and run one call; its ToolResult (the generator's return value)."""
        started = time.monotonic()
        yield ToolStarted(call.id, call.name, call.arguments)
        try:
            if self.stopping.is_set():
                raise ToolError("not run: the person stopped the agent")
            text = yield from self._dispatch(check_call(call), root)
            error = False
        except ToolError as exc:
            text, error = str(exc), True
        yield ToolFinished(call.id, call.name, _summary(call.name, text, error), time.monotonic() - started, error)
        return ToolResult(call.id, text, error)

    def _dispatch(self, call: Call, root: Path) -> Iterator[AgentEvent]:
        if call.name in REPO_TOOLS:
            self._allowed(Action("read", call.arguments.get("path", "") or ""))
            return REPO_TOOLS[call.name](root, call)
        if call.name == "propose_edit":
            return (yield from self._propose(call.text("edits"), root))
        command = call.text("command") if call.name == "run_command" else self.test_command or detect_test_command(root)
        if not command:
            raise ToolError("run_tests: no test command is set (test_command) and none was found")
        timeout = call.number("timeout") if call.name == "run_command" else None
        return self._command(command, root, timeout or shell.DEFAULT_TIMEOUT)

    def _allowed(self, action: Action) -> Decision:
        """The policy's decision for `action` (allow or ask); a denial is a ToolError."""
        decision = check(self.level, action, self.rules)
        if decision.verdict == "deny":
            raise ToolError(f"refused: {decision.reason}")
        return decision

    def _propose(self, edits: str, root: Path) -> Iterator[AgentEvent]:
        from app.review import Review, WriteAccepted  # git loads on the first edit

        proposal = propose(root, edits)
        if proposal is None:
            raise ToolError("propose_edit: no edit blocks found in `edits` (SEARCH/REPLACE blocks, diffs or whole files, each with its path)")
        context = set(self.conversation.session.context.paths)
        verdicts = {self._allowed(Action("propose_edit", f.path, in_context=f.path in context)).verdict
                    for f in proposal.changeset.files}
        yield from review_notices(proposal)
        if not proposal.changeset.files:
            raise ToolError("nothing could be placed:\n\n" + "\n\n".join(p.message for p in proposal.problems))
        target = WriteAccepted(self.conversation.workspace)
        if verdicts == {"allow"}:
            result = target.write(Review(proposal.changeset).accept_all())
        else:
            result = self.conversation.reviewer.review(proposal, target)
        if result is None or not result.applied:
            raise ToolError("the person closed the review without writing anything: ask what they want instead")
        summary = target.summary(result)
        parts = [summary, result.feedback_for_model() or "", _refusals(proposal)]
        return "\n\n".join(p for p in parts if p)

    def _command(self, command: str, root: Path, timeout: float) -> str:
        decision = self._allowed(Action("run_command", command=command))
        if decision.verdict == "ask":
            answer = self.approver.approve(Approval(command, root.name, self.rules.sandboxed, decision.reason, decision.destructive))
            if not answer.yes:
                raise ToolError("the person declined to run it" + (f": {answer.comment}" if answer.comment else ""))
            if answer.always and not decision.destructive:
                self.rules = replace(self.rules, allow=[*self.rules.allow, command])
        result = shell.run_command(root, command, timeout=timeout, stop=self.stopping, sandbox=self.rules.sandboxed)
        return f"{result.summary()}\n\n{result.output}" if result.output else result.summary()


def _summary(name: str, text: str, error: bool) -> str:
    """A tool result in a few words, for the person watching (the model gets all of it)."""
    first = text.partition("\n")[0]
    if error or name == "propose_edit":
        return first[:200]
    if name == "read_file":
        return f"{len(text.splitlines())} lines"
    if name in ("search", "list_files"):
        found = [] if text in ("no matches", "no files match") else [r for r in text.splitlines() if not r.startswith("[")]
        nouns = ("match", "matches") if name == "search" else ("file", "files")
        return f"{len(found)} {nouns[len(found) != 1]}"
    return first.rpartition(": ")[2]  # a command: how it ended


def _refusals(proposal: Proposal) -> str:
    return "\n\n".join(p.message for p in proposal.problems)


def detect_test_command(root: Path) -> str | None:
    """The usual test command for the project at `root`, or None."""
    if (root / "Cargo.toml").is_file():
        return "cargo test"
    if (root / "go.mod").is_file():
        return "go test ./..."
    package = root / "package.json"
    if package.is_file() and '"test"' in package.read_text(errors="replace"):
        return "npm test"
    if any((root / name).exists() for name in ("pyproject.toml", "setup.cfg", "pytest.ini", "tox.ini", "tests")) or any(root.glob("test_*.py")):
        return "python -m pytest -q"
    return None

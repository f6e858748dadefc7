"""The agent loop: ask the model with the tools, check and run each call it makes, answer it, and
ask again, until it answers without a call, the budget runs out, or the person stops it. A
model served without tool calling gets the same tools as text (`text_protocol`).

Every call passes the autonomy policy (`app.autonomy.check`) before anything runs; what it
denies goes back to the model as a refusal. Edits are placed by the edit engine and written only
through the person's review (or auto-accepted, when they chose so) and the workspace's gate;
commands run in the sandbox after the person's approval (or the allow-list). Like the
conversation loop, it yields plain events and asks the person through interfaces it is given.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from app import shell
from app.agent.text_protocol import TextProtocol
from app.agent.tools import REPO_TOOLS, TOOLS, Call, ToolError, check_call
from app.autonomy import Action, Decision, Level, Rules, allow_pattern, check
from app.chat import CompactError
from app.config import Config, ConfigError, allow_in_project
from app.conversation import Conversation, LoopEvent, Notice, TurnFailed, TurnStarted, review_notices, tests_failed
from app.llm.base import ProviderError, ToolCall, ToolResult
from app.llm.meter import estimate_tokens
from app.proposal import Proposal, propose
from app.workspace import Workspace

if TYPE_CHECKING:
    from app.git.agent_branch import AgentBranch


MAX_TEST_CHECKS = 3
"""Times a run sends failing tests back to the model before it ends saying they still fail."""
MAX_REPEATS = 3
"""Times in a row the model may make one call with one result before the run ends: it is going round."""


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
    output: str = ""
    """All of what the model was answered."""


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
    pattern: str = ""
    """What "always" would allow from now on ("" when it cannot be allow-listed)."""


@dataclass(frozen=True)
class Answer:
    yes: bool
    always: bool = False
    """Run commands matching the request's `pattern` without asking from now on (saved in the
    project's allow-list)."""
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
    untested: bool = False
    """Edits were written since the tests last passed (the run checks them before it ends)."""
    tested: shell.CommandResult | None = None
    """The tests' latest run in this run."""
    answered: list[tuple[str, str, str]] = field(default_factory=list)
    """The calls of this run, in order, with their results (name, arguments, result): the model
    is told when it repeats one, and stopped when it makes one MAX_REPEATS times in a row."""
    own_branch: bool = False
    """Work in a worktree on a branch of its own (`[git] agent_branch`)."""
    worktree: Workspace | None = None
    """While it works on its own branch: where its edits are written, unreviewed."""

    @classmethod
    def from_config(cls, conversation: Conversation, approver: Approver, config: Config) -> Agent:
        """An agent with the settings' `[autonomy]` rules and `[agent]` budget and test command."""
        autonomy, agent = config.autonomy, config.agent
        return cls(
            conversation, approver,
            rules=Rules(auto_accept_edits=autonomy.auto_accept_edits, allow=tuple(autonomy.allow)),
            budget=Budget(agent.max_steps, agent.max_cost, agent.max_seconds), test_command=agent.test_command,
            own_branch=config.git.agent_branch,
        )

    def run(self, instruction: str) -> Iterator[AgentEvent]:
        """Carry out `instruction`; its events, ending with one AgentEnded. With `own_branch`, in
        a worktree of its own, whose whole diff the person then reviews (see app/git/agent_branch.py)."""
        session = self.conversation.session
        if not self.own_branch:
            yield from self._steps(instruction, session.repo_root)
            return
        from app.git.agent_branch import AgentBranch

        try:
            branch = AgentBranch.start(session.repo_root)
        except Exception as exc:  # noqa: BLE001 - git's many ways to fail end the run with one line
            yield AgentEnded("failed", f"cannot make the agent's worktree: {str(exc).strip().splitlines()[-1]}", 0)
            return
        yield Notice(f"The agent works in a worktree of its own, on branch {branch.branch}: "
                     "what it changes comes to your review when it ends.")
        self.worktree = Workspace(branch.path, recorded=False)
        ended = AgentEnded("stopped", "stopped by the person", 0)
        try:
            with session.context.rooted(branch.path):
                for event in self._steps(instruction, branch.path):
                    if isinstance(event, AgentEnded):
                        ended = event
                    else:
                        yield event
            yield from self._land(branch)
        finally:
            self.worktree = None
            kept = branch.finish()
        yield Notice(f"The agent's work stays on branch {kept}.")
        yield ended

    def _land(self, branch: AgentBranch) -> Iterator[AgentEvent]:
        """Bring what the agent changed in its worktree to the person's review; the accepted
        hunks are written to their files (and committed, when that is on)."""
        from app.review import WriteAccepted

        proposal = Proposal([], branch.changeset(), [])
        if not proposal.changeset.files:
            yield Notice("The agent changed no file.")
            return
        yield Notice(f"The agent's whole change: {len(proposal.changeset.files)} file(s) to review.")
        target = WriteAccepted(self.conversation.workspace)
        result = self.conversation.review(proposal, target)
        if result is None or not result.applied:
            yield Notice("Review closed: none of the agent's work was written to your files.")
            return
        for line in target.summary(result).splitlines():
            yield Notice(line)
        yield from self.conversation.commit(result.checkpoint)

    def _steps(self, instruction: str, root: Path) -> Iterator[AgentEvent]:
        """The run's steps, its tools working in `root`."""
        session = self.conversation.session
        self.stopping.clear()
        started, cost = time.monotonic(), session.meter.cost or 0.0
        self.rules = replace(self.rules, sandboxed=self.rules.sandboxed and shell.sandbox_available())
        self.untested, self.tested = False, None
        self.answered.clear()
        text, kind, title, steps, checks = instruction, "user", "", 0, 0
        self.conversation.instructed(instruction, self.level.name.lower())
        while not self.stopping.is_set():
            if over := self._spent(steps, started, cost).exhausted():
                yield AgentEnded("budget", over, steps)
                return
            if kind != "user" and session.request_size(agent=True).crowded(estimate_tokens(text)):
                yield from self._make_room()
            yield TurnStarted(text, kind, title)  # a "tool" turn carries on the answer: no question shown
            protocol = None if session.router.supports_tools else TextProtocol(TOOLS)
            try:
                yield from session.stream_turn(text, kind=kind, tools=TOOLS, protocol=protocol)
            except ProviderError as exc:
                yield TurnFailed(str(exc))
                yield AgentEnded("failed", str(exc), steps)
                return
            turn = session.turns[-1]
            steps += 1
            yield self._spent(steps, started, cost)
            if turn.status != "complete":
                break
            if protocol is None and not turn.tool_calls and not session.router.supports_tools:
                session.retract()  # the server refused the tools: the question goes again, with them as text
                yield Notice(f"{session.router.name} takes no tool calls: asking again with the tools described as text", "warning")
                continue
            if turn.tool_calls:
                for call in turn.tool_calls:
                    result = yield from self._run(call, root)
                    turn.tool_results.append(result)
                if len(self.answered) >= MAX_REPEATS and len(set(self.answered[-MAX_REPEATS:])) == 1:
                    yield AgentEnded("failed", f"stopped: the model made the same call {MAX_REPEATS} times in a row and got the same result", steps)
                    return
                text, kind, title = "", "tool", ""
                continue
            if not (self.untested and (self.test_command or detect_test_command(root))):
                yield AgentEnded("done", turn.answer, steps)
                return
            if checks == MAX_TEST_CHECKS:
                yield AgentEnded("failed", f"the tests still fail after {checks} rounds of fixes ({self.tested.ending if self.tested else 'not run'})", steps)
                return
            checks += 1
            feedback = yield from self._check(root)
            if not feedback:
                yield AgentEnded("done", turn.answer, steps)
                return
            text, kind, title = feedback, "feedback", "tests failed"
        yield AgentEnded("stopped", "stopped by the person", steps)

    def _make_room(self) -> Iterator[AgentEvent]:
        """The next request would nearly fill the window: compact the conversation first (the
        summary is shown as any compaction's; a failure is told and the run goes on)."""
        yield Notice("The context window is nearly full: compacting the conversation before the next step", "warning")
        try:
            yield self.conversation.session.compact()
        except (CompactError, ProviderError) as exc:
            yield Notice(f"Not compacted: {exc}", "warning")

    def _check(self, root: Path) -> Iterator[AgentEvent]:
        """Run the tests after edits the model left untested; what to tell it when they fail
        (the generator's return value), else "" (they passed, or did not run)."""
        yield Notice("Checking the edits: running the tests")
        result = yield from self._run(ToolCall("check", "run_tests", {}), root)
        if result.is_error or not self.untested or self.tested is None or self.tested.stopped:
            return ""
        return tests_failed(self.tested)

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
        yield ToolFinished(call.id, call.name, _summary(call.name, text, error), time.monotonic() - started, error, text)
        key = (call.name, json.dumps(call.arguments, sort_keys=True), text)
        if key in self.answered:  # a model going round in circles
            text += "\n\n[You made this same call before and got this same result: do something else, or answer.]"
        self.answered.append(key)
        return ToolResult(call.id, text, error)

    def _dispatch(self, call: Call, root: Path) -> Iterator[AgentEvent]:
        if call.name in REPO_TOOLS:
            self._allowed(Action("read", call.arguments.get("path", "") or ""))
            return REPO_TOOLS[call.name](root, call)
        if call.name == "propose_edit":
            return (yield from self._propose(call.text("edits"), root))
        if call.name == "run_command":
            result = yield from self._command(call.text("command"), root, call.number("timeout") or shell.DEFAULT_TIMEOUT)
        elif command := self.test_command or detect_test_command(root):
            result = self.tested = yield from self._command(command, root, shell.DEFAULT_TIMEOUT)
            self.untested = result.exit_code != 0
        else:
            raise ToolError("run_tests: no test command is set (test_command) and none was found")
        return f"{result.summary()}\n\n{result.output}" if result.output else result.summary()

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
        target = WriteAccepted(self.worktree or self.conversation.workspace)
        if verdicts == {"allow"} or self.worktree is not None:  # on its own branch, reviewed when it ends
            result = target.write(Review(proposal.changeset).accept_all())
        else:
            result = self.conversation.review(proposal, target)
        if result is None or not result.applied:
            raise ToolError("the person closed the review without writing anything: ask what they want instead")
        self.untested = self.untested or bool(result.written or result.deleted)
        if self.worktree is None:
            yield from self.conversation.commit(result.checkpoint)
        summary = target.summary(result)
        parts = [summary, result.feedback_for_model() or "", _refusals(proposal)]
        return "\n\n".join(p for p in parts if p)

    def _command(self, command: str, root: Path, timeout: float) -> Iterator[AgentEvent]:
        """Run `command` once the policy and, when it asks, the person allow it; its
        CommandResult (the generator's return value)."""
        decision = self._allowed(Action("run_command", command=command))
        if decision.verdict == "ask":
            pattern = allow_pattern(command) if self.rules.sandboxed else ""
            answer = self.approver.approve(Approval(command, root.name, self.rules.sandboxed, decision.reason, decision.destructive, pattern))
            self.conversation.session.log_event("approval", command=command, yes=answer.yes, always=answer.always,
                                                comment=answer.comment)
            if self.stopping.is_set():
                raise ToolError("not run: the person stopped the agent")
            if not answer.yes:
                raise ToolError("the person declined to run it" + (f": {answer.comment}" if answer.comment else ""))
            if answer.always and pattern:
                yield self._allow(pattern, root)
        return shell.run_command(root, command, timeout=timeout, stop=self.stopping, sandbox=self.rules.sandboxed)

    def _allow(self, pattern: str, root: Path) -> Notice:
        """Run commands matching `pattern` without asking, from now on and in the project file."""
        self.rules = replace(self.rules, allow=[*self.rules.allow, pattern])
        try:
            saved = allow_in_project(root, pattern)
        except ConfigError as exc:
            return Notice(f"`{pattern}` runs without asking in this session; not saved: {exc}", "warning")
        return Notice(f"`{pattern}` runs without asking from now on (saved in {saved.name}, [autonomy] allow)")


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
    return re.sub(r", [\d.]+s\b", "", first.rpartition(": ")[2])  # a command: how it ended (the step shows the time)


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

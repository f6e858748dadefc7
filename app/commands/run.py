"""`exosuit run "instruction"`: the conversation loop or the agent, headless, with flags for what a
person at the keyboard would decide.

Without `--yes` nothing is written: each proposed edit's diff is printed and the model is told
the review was closed. Commands run only with `--allow-commands` (in the sandbox; destructive
ones are refused all the same), else the model is told they were declined. `--json` prints one
JSON object per line, one per event (`{"type": "TextDelta", "text": ...}`, `ToolStarted`,
`ToolFinished`, `EditProposed` with its diff, `EditWritten`, `AgentEnded`...), for scripts.

Exit codes: 0 done, 1 the model or a provider failed, 2 something was not written or run for
lack of approval (or bad arguments), 3 the agent's budget ran out, 130 interrupted.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Iterator
from typing import Any

from app.agent.loop import Agent, AgentEnded, Answer, Approval, Budget, ToolFinished, ToolStarted
from app.autonomy import Level
from app.commands.ask import question_text
from app.commands.common import FAILED, INTERRUPTED, OK, USAGE, headless_session, keep_session, logged_session
from app.chat import ContextAdded, ContextWarning
from app.conversation import Conversation, Notice, TurnFailed
from app.llm.base import TextDelta
from app.proposal import Proposal
from app.review import Review, ReviewResult, WriteAccepted

BUDGET = 3
"""The exit code when the agent's budget ran out."""


class Headless:
    """The person's part, answered from the flags: the review (`--yes`) and commands
    (`--allow-commands`). Remembers whether anything was held back for lack of approval."""

    def __init__(self, output: Output, yes: bool, allow_commands: bool) -> None:
        self.output, self.yes, self.allow_commands = output, yes, allow_commands
        self.held_back = False

    def review(self, proposal: Proposal, target: WriteAccepted) -> ReviewResult | None:
        self.output.event("EditProposed", diff=proposal.changeset.unified_diff())
        if not self.yes:
            self.held_back = True
            return None
        result = target.write(Review(proposal.changeset).accept_all())
        self.output.event("EditWritten", written=result.written, deleted=result.deleted)
        return result

    def approve(self, request: Approval) -> Answer:
        if request.destructive:
            self.held_back = True
            return Answer(False, comment=f"destructive commands are refused when no one is at the keyboard ({request.reason})")
        if not self.allow_commands:
            self.held_back = True
            return Answer(False, comment="commands are not allowed in this run (exosuit run --allow-commands)")
        return Answer(True)


class Output:
    """Events as JSON lines (`--json`), or as text: the answer on stdout, the rest on stderr."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def event(self, name: str, /, **values: Any) -> None:
        if self.as_json:
            print(json.dumps({"type": name, **values}), flush=True)
        elif name == "EditProposed":
            sys.stdout.write(values["diff"])
        elif name == "EditWritten":
            print(f"wrote {', '.join(values['written'] + values['deleted'])}", file=sys.stderr)

    def show(self, event: object) -> None:
        if self.as_json:
            self.event(type(event).__name__, **dataclasses.asdict(event))  # type: ignore[call-overload]
        elif isinstance(event, TextDelta):
            sys.stdout.write(event.text)
            sys.stdout.flush()
        elif isinstance(event, ToolStarted):
            print(f"\n… {event.name} {json.dumps(event.arguments)[:120]}", file=sys.stderr)
        elif isinstance(event, ToolFinished):
            print(f"{'✗' if event.is_error else '✓'} {event.name} — {event.summary} ({event.seconds:.1f}s)", file=sys.stderr)
        elif isinstance(event, Notice | ContextWarning):
            print(event.text, file=sys.stderr)
        elif isinstance(event, ContextAdded):
            print("\n".join(event.lines()), file=sys.stderr)
        elif isinstance(event, TurnFailed):
            print(f"exosuit: {event.error}", file=sys.stderr)
        elif isinstance(event, AgentEnded) and event.reason != "done":
            print(f"agent {event.reason}: {event.text}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    instruction = question_text(args.instruction)
    session, config = headless_session(args, instruction, "instruction")
    output = Output(args.json)
    person = Headless(output, args.yes, args.allow_commands)
    from app.llm.registry import role_router

    commit_router = role_router(config, "commit")
    conversation = Conversation(session, person, auto_commit=config.git.auto_commit, commit_router=commit_router)
    level = Level[(args.autonomy or config.autonomy.level).upper()]
    resume = logged_session(session.repo_root, args.resume) if args.resume else None
    for problem in keep_session(session, config, level.name.lower(), resume):
        print(f"exosuit: {problem}", file=sys.stderr)
    if level == Level.AGENT:
        agent = Agent.from_config(conversation, person, config)
        agent.budget = Budget(args.max_steps or agent.budget.max_steps, args.max_cost or agent.budget.max_cost,
                              agent.budget.max_seconds)
        events: Iterator[Any] = agent.run(instruction)
    else:
        events = conversation.send(instruction)
    code = OK
    try:
        for event in events:
            output.show(event)
            if isinstance(event, TurnFailed):
                code = FAILED
            elif isinstance(event, AgentEnded):
                code = {"done": OK, "budget": BUDGET, "failed": FAILED, "stopped": INTERRUPTED}[event.reason]
    except KeyboardInterrupt:
        conversation.cancel()
        return INTERRUPTED
    if not output.as_json:
        print(file=sys.stderr)
        print(session.meter.format(), file=sys.stderr)
    if session.transcript is not None and session.transcript.log.failed:
        print(f"exosuit: {session.transcript.log.failed}", file=sys.stderr)
    return USAGE if code == OK and person.held_back else code

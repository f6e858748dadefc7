"""`exosuit ask "question"`: one answer, headless, through the same providers, failover and meter.

`exosuit ask -` reads the question from stdin; text piped in with a question (`git diff | exosuit
ask "review this"`) goes with it to the model, as `llm` and `claude -p` do.

The answer streams to stdout; status lines (the offline-model notice, provider switches, tokens and
cost) go to stderr, so scripts can capture the answer alone. Exit codes (`app.commands.common`):
0 answered, 1 no provider answered (or the answer broke part-way), 2 bad configuration or arguments.
"""

from __future__ import annotations

import argparse
import sys

import prompts
from app.chat import ChatSession, ContextWarning
from app.commands.common import FAILED, OK, CommandError, settings, workplace
from app.context import ContextError, SecretFileError, fenced
from app.llm.base import Done, ProviderError, ProviderSwitched, Retrying, TextDelta
from app.llm.meter import Meter
from app.llm.registry import build_router


def run(args: argparse.Namespace) -> int:
    place = workplace(args.repo)
    question = _question(args.question)
    if not question:
        raise CommandError("the question is empty")
    config = settings(place.root, args)
    router = build_router(config)
    session = ChatSession(place.root, router, Meter(config.prices), place.start)
    try:
        for skipped in session.context.add_each(args.add or []):
            _status(f"skipped {skipped}")
    except SecretFileError as exc:
        raise CommandError(f"{str(exc).split(';')[0]}; not sent (only the TUI's /add --force sends a secret)") from None
    except ContextError as exc:
        raise CommandError(str(exc)) from None
    if router.notice:
        _status(router.notice)
    answer = _Output()
    try:
        for event in session.stream_turn(question):
            if isinstance(event, TextDelta):
                answer.write(event.text)
            elif isinstance(event, ProviderSwitched):
                _status(event.describe())
                if router.notice:
                    _status(router.notice)
            elif isinstance(event, Retrying):
                _status(event.describe())
            elif isinstance(event, ContextWarning):
                _status(event.text)
            elif isinstance(event, Done):
                answer.end()
                cost = session.turns[-1].cost
                _status(f"{router.name}/{router.model}: {cost.format() if cost else ''}")
    except ProviderError as exc:
        answer.end()
        raise CommandError(str(exc), FAILED) from None
    return OK


def _question(words: list[str]) -> str:
    """The question: its words, or stdin for `-`; with whatever else was piped into stdin."""
    if words == ["-"]:
        return sys.stdin.read().strip()
    question = " ".join(words).strip()
    piped = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
    if not question or not piped.strip():
        return question
    return prompts.load("piped_input", question=question, text=fenced(piped))


class _Output:
    """stdout for the answer, ending it with a newline exactly once."""

    def __init__(self) -> None:
        self.open = False

    def write(self, text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()
        self.open = not text.endswith("\n")

    def end(self) -> None:
        if self.open:
            sys.stdout.write("\n")
            sys.stdout.flush()
            self.open = False


def _status(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


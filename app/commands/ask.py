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
from app.chat import ContextAdded, ContextWarning
from app.commands.common import FAILED, OK, CommandError, headless_session, keep_session
from app.context import fenced
from app.llm.base import Done, ProviderError, ProviderSwitched, Retrying, TextDelta


def run(args: argparse.Namespace) -> int:
    question = question_text(args.question)
    session, config = headless_session(args, question, "question")
    keep_session(session, config, "ask")
    router = session.router
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
            elif isinstance(event, ContextAdded):
                for line in event.lines():
                    _status(line)
            elif isinstance(event, Done):
                answer.end()
                cost = session.turns[-1].cost
                _status(f"{router.name}/{router.model}: {cost.format() if cost else ''}")
    except ProviderError as exc:
        answer.end()
        raise CommandError(str(exc), FAILED) from None
    return OK


def question_text(words: list[str]) -> str:
    """The question: its words, or stdin for `-`; with whatever else was piped into stdin
    (`exosuit run` reads its instruction the same way)."""
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


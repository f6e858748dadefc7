"""`exosuit ask "question"`: one answer, headless, through the same providers, failover and meter.

`exosuit ask -` reads the question from stdin; text piped in with a question (`git diff | exosuit
ask "review this"`) goes with it to the model, as `llm` and `claude -p` do.

The answer streams to stdout; status lines (the offline-model notice, provider switches, tokens and
cost) go to stderr, so scripts can capture the answer alone. Exit codes: 0 answered, 1 no provider
answered (or the answer broke part-way), 2 bad configuration or arguments.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import prompts
from app.chat import ChatSession, ContextWarning
from app.config import ConfigError, load_config
from app.context import ContextError, SecretFileError, fenced
from app.repo import find_repo_root, start_within
from app.llm.base import Done, ProviderError, ProviderSwitched, Retrying, TextDelta
from app.llm.meter import Meter
from app.llm.registry import build_router


def run(args: argparse.Namespace) -> int:
    directory = Path(getattr(args, "repo", None) or ".")
    repo_root = find_repo_root(directory)
    if repo_root is None:
        return _fail(f"no such directory: {directory}", 2)
    question = _question(args.question)
    if not question:
        return _fail("the question is empty", 2)
    try:
        config = load_config(repo_root, args)
    except ConfigError as exc:
        return _fail(f"config error: {exc}", 2)
    router = build_router(config)
    session = ChatSession(repo_root, router, Meter(config.prices), start_within(repo_root, directory))
    try:
        for skipped in session.context.add_each(getattr(args, "add", None) or []):
            _status(f"skipped {skipped}")
    except SecretFileError as exc:
        return _fail(f"{str(exc).split(';')[0]}; not sent (only the TUI's /add --force sends a secret)", 2)
    except ContextError as exc:
        return _fail(str(exc), 2)
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
        return _fail(str(exc), 1)
    return 0


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


def _fail(message: str, code: int) -> int:
    print(f"exosuit: {message}", file=sys.stderr)
    return code

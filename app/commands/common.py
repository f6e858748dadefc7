"""What every command shares, the TUI's too: the exit codes, finding the repository it works in,
and loading its settings. A command that cannot go on raises `CommandError`; `app.cli.main`
prints its one line and exits with its code.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from app.chat import ChatSession
    from app.config import Config

OK = 0
FAILED = 1
"""The command ran and did not get what it was for: no provider answered (or the answer broke),
an edit was refused, a review was closed without writing."""
USAGE = 2
"""The command could not run: bad arguments or settings, no such directory or repository, no
terminal where one is needed."""
INTERRUPTED = 130
"""ctrl+c (128 + SIGINT, as shells report it)."""


class CommandError(Exception):
    """The command cannot go on: one line for the person, and the exit code."""

    def __init__(self, message: str, code: int = USAGE) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Workplace:
    """The repository a command works in, and where in it the person is."""

    root: Path
    start: str = ""
    """The directory the command was started for, relative to `root` ("" for the root; see
    `ContextFiles.start`)."""


def workplace(repo: str | None) -> Workplace:
    """The repository containing `repo` (default: the current directory), or the directory itself
    outside git. Raises CommandError when it is not a directory."""
    directory = Path(repo or ".")
    root = find_repo_root(directory)
    if root is None:
        raise CommandError(f"no such directory: {directory}")
    return Workplace(root, start_within(root, directory))


def settings(root: Path, args: argparse.Namespace) -> Config:
    """The effective settings for `root`, with the command's --provider and --model. Raises
    CommandError for a bad config (its line-numbered message)."""
    from app.config import ConfigError, load_config

    try:
        return load_config(root, provider=args.provider, model=args.model)
    except ConfigError as exc:
        raise CommandError(f"config error: {exc}") from None


def prune_checkpoints(root: Path, config: Config) -> None:
    """Prune the repository's old checkpoints as `[git]` says (when a session starts)."""
    from app.git.checkpoints import prune_old

    prune_old(root, config.git.checkpoints_keep, config.git.checkpoints_days)


def git_root(directory: Path) -> Path | None:
    """The top of the git work tree containing `directory`, or None (not in one, or no git)."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=directory, capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return Path(result.stdout.strip()) if result.returncode == 0 else None


def start_within(root: Path, directory: Path) -> str:
    """Where `directory` is inside the repository `root`, as a POSIX path ("" for the root
    itself or a directory outside it): the place typed paths count from (`ContextFiles.start`)."""
    directory, root = directory.resolve(), root.resolve()
    start = directory.relative_to(root).as_posix() if directory.is_relative_to(root) else ""
    return "" if start == "." else start


def find_repo_root(directory: Path) -> Path | None:
    """The top of the git work tree containing `directory`; the directory itself outside git;
    None when `directory` is not a directory."""
    if not directory.is_dir():
        return None
    return git_root(directory) or directory.resolve()


def headless_session(args: argparse.Namespace, text: str, what: str) -> tuple[ChatSession, Config]:
    """The chat session a headless command (`ask`, `run`) works in, its files (`--add`) in the
    context, and the settings. Raises CommandError for an empty `text` (the `what`), a bad config
    or a file that cannot be added (a secret is refused: only the TUI's /add --force sends one)."""
    from app.chat import ChatSession
    from app.context import ContextError, SecretFileError
    place = workplace(args.repo)
    if not text:
        raise CommandError(f"the {what} is empty")
    config = settings(place.root, args)
    session = ChatSession.from_config(place.root, config, place.start)
    prune_checkpoints(place.root, config)
    try:
        for skipped in session.context.add_each(args.add or []):
            print(f"skipped {skipped}", file=sys.stderr, flush=True)
    except SecretFileError as exc:
        raise CommandError(f"{str(exc).split(';')[0]}; not sent (only the TUI's /add --force sends a secret)") from None
    except ContextError as exc:
        raise CommandError(str(exc)) from None
    return session, config


def keep_session(session: ChatSession, config: Config, level: str, resume: Path | None = None) -> list[str]:
    """Log `session` (unless `[sessions] keep = false`): a new session's log, or with `resume`
    the conversation of that logged session taken up and its log gone on with; what could not
    be put back, a line each."""
    from app import session_log
    from app.transcript import Transcript, restore

    problems = restore(session, session_log.load(resume)) if resume else []
    if not config.sessions.keep:
        return problems
    router = session.router
    log = session_log.SessionLog.resume(resume) if resume else session_log.SessionLog.start(
        session.repo_root, level=level, provider=f"{router.name}/{router.model}")
    session.transcript = Transcript(log)
    session.meter.on_record = lambda r: log.append(
        "request", provider=r.provider, model=r.model, input=r.input_tokens, output=r.output_tokens, cost=r.cost,
        estimated=r.usage.estimated)
    if resume:
        log.append("level", level=level)
    session.record()
    return problems


def logged_session(root: Path, session_id: str | None) -> Path:
    """The log of the session `session_id` (an id or its start) of `root`, the latest for None.
    Raises CommandError when there is none, or the id names several."""
    from app import session_log

    path = session_log.find(root, session_id)
    if path is None:
        which = f"no session {session_id}" if session_id else "no session yet"
        raise CommandError(f"{which} in {root} (exosuit sessions lists them)")
    return path

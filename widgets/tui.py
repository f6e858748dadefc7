"""`exosuit` / `exosuit tui`: open the terminal UI in a git repository.

Start-up stays light: the provider SDKs and the local model are imported and loaded on first use,
not here, so the first screen paints quickly.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from threading import Thread

from textual.app import App, SystemCommand
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from app.autonomy import Level
from app.chat import ChatSession
from app.config import Config
from app.state import starting_level
from app.commands.common import (
    OK, USAGE, CommandError, git_root, keep_session, logged_session, prune_checkpoints, settings, start_within,
)
from app.edits.paths import repo_files
from widgets import slash
from widgets.autonomy_slider import WHAT
from widgets.main_screen import MainScreen
from widgets.terminal import take_screenshot, terminal_for_keys


class FileSearch(Provider):
    """The command palette's "Open PATH": the repository's files matched against what is typed
    (with nothing typed, the files open in the editor), each opened in the editor pane."""

    async def startup(self) -> None:
        screen = self.screen
        self.files: list[str] = []
        if isinstance(screen, MainScreen):
            session = screen.session
            self.files = await asyncio.to_thread(lambda: session.context.from_start(repo_files(session.repo_root)))

    async def discover(self) -> Hits:
        screen = self.screen
        if isinstance(screen, MainScreen):
            for path in screen.session.context.from_start(screen.open_files()):
                yield DiscoveryHit(f"Open {path}", partial(screen.open_editor, path), help="go to its tab in the editor")

    async def search(self, query: str) -> Hits:
        screen = self.screen
        if not isinstance(screen, MainScreen):
            return
        matcher = self.matcher(query)
        for path in self.files:
            if (score := matcher.match(path)) > 0:
                yield Hit(score, matcher.highlight(path), partial(screen.open_editor, path), text=f"Open {path}",
                          help="open in the editor, in a tab of its own")


class ExosuitApp(App[None]):
    """The Exosuit terminal UI around one chat session."""

    TITLE = "Exosuit"
    COMMANDS = App.COMMANDS | {FileSearch}

    def __init__(self, session: ChatSession, level: Level = Level.FILES, config: Config | None = None,
                 editing: tuple[str, int] | None = None, notes: list[str] | None = None, *, picking: bool = False) -> None:
        super().__init__()
        self.session = session
        self.level = level
        """The autonomy level it opens at."""
        self.config = config
        """The settings the session was made from (the agent's rules and budget)."""
        self.editing = editing
        """A file (as typed) and line to open in the editor pane at the start (`exosuit edit`)."""
        self.notes = notes or []
        """What resuming a session could not put back, for the chat."""
        self.picking = picking
        """Open on the picker of logged sessions (`exosuit --resume` without an id)."""

    async def on_mount(self) -> None:
        # Pushed rather than returned as the default screen, so that its CSS_PATH is loaded.
        screen = MainScreen(self.session, self.level, self.config)
        await self.push_screen(screen)
        await screen.show_history(self.notes)
        if self.picking:
            screen.pick_session()
        if self.editing is not None:
            await screen.open_editor(*self.editing)

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        take_screenshot(self, filename, path)

    async def action_quit(self) -> None:
        from widgets.review_command import quit_unless_reviewing  # imported here: start-up stays light

        quit_unless_reviewing(self)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, MainScreen):
            yield SystemCommand(
                "Switch model", "Pick a provider and model, configured or offered by a server (/model)",
                screen.action_pick_model,
            )
            yield SystemCommand(
                "Switch the ghost-text model", "Pick the provider and model of the editor's ghost text (Tab level)",
                screen.action_pick_complete_model,
            )
            yield SystemCommand(
                "Auto-accept the agent's edits", "At Agent level, write its edits without the review (on / off)",
                screen.action_toggle_auto_accept,
            )
            for level in (Level.FILES, Level.AGENT):
                yield SystemCommand(f"Autonomy: {level.label}", f"{WHAT[level].capitalize()} (alt+{level.value})",
                                    partial(screen.set_level, level))
            yield SystemCommand("Stop", "Stop the answer, or the agent and its command (esc)", screen.action_cancel)
            yield SystemCommand("Review analytics", "How fast you verify and how often you say no (/stats)",
                                screen.show_stats)
            yield SystemCommand("Resume a session", "Take up another logged session of this repository (/resume)",
                                screen.pick_session)
            for name, title in (("/undo", "Undo the last AI change"), ("/redo", "Redo the undone change"),
                                ("/rewind", "Rewind to a checkpoint"), ("/review", "Reopen the closed review"),
                                ("/test", "Run the tests"), ("/context", "Context: files and tokens"),
                                ("/compact", "Compact the conversation")):
                help_text = f"{slash.COMMANDS[name].capitalize()} ({name})"
                yield SystemCommand(title, help_text, partial(screen.run_slash, name))


def offer_git_init(path: Path) -> Path | None:
    """Say that `path` is not a git repo and, on a terminal, offer to `git init` it."""
    print(f"exosuit: {path} is not inside a git repository (changes are reviewed as git diffs).")
    if not sys.stdin.isatty():
        print(f"Create one with: git init {path}")
        return None
    try:
        answer = input("Run `git init` here? [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() not in ("y", "yes"):
        return None
    subprocess.run(["git", "init", "-q"], cwd=path, check=True)
    return git_root(path)


def run(args: argparse.Namespace) -> int:
    """Open the TUI in the repository `args.repo` (default: the current directory)."""
    return _open(args)


def edit(args: argparse.Namespace) -> int:
    """`exosuit edit PATH[:LINE]`: open the TUI with that file in the editor pane, at the Tab
    level unless `--autonomy` says otherwise."""
    target, line = slash.path_and_line(args.target)
    return _open(args, (target, line or 1), getattr(args, "autonomy", None) or "tab")


def _open(args: argparse.Namespace, editing: tuple[str, int] | None = None, level_name: str | None = None) -> int:
    from app.context import ContextError

    path = Path(args.repo or ".").resolve()
    if not path.is_dir():
        raise CommandError(f"no such directory: {path}")
    root = git_root(path) or offer_git_init(path)
    if root is None:
        return USAGE
    config = settings(root, args)
    session = ChatSession.from_config(root, config, start_within(root, path))
    Thread(target=prune_checkpoints, args=(root, config), name="prune", daemon=True).start()
    try:
        for skipped in session.context.add_each(args.add or []):
            print(f"exosuit: skipped {skipped}", file=sys.stderr)
    except ContextError as exc:
        raise CommandError(str(exc)) from None
    if not terminal_for_keys():
        raise CommandError("needs a terminal (for a question without one: exosuit ask)")
    level = Level[(level_name or starting_level(args.autonomy, root, config.autonomy.level)).upper()]
    resume = getattr(args, "resume", None)
    picking = resume == ""  # --resume without an id: the TUI opens on the picker
    path = logged_session(root, resume or None) if getattr(args, "resume_latest", None) or resume else None
    notes = keep_session(session, config, level.name.lower(), path)
    ExosuitApp(session, level, config, editing, notes, picking=picking).run()
    return OK

"""`exosuit review [RESPONSE_FILE | -]`, and the review that `exosuit apply` opens.

With a file (or `-` for stdin) the edits found in it are reviewed and the accepted hunks written.
With no argument the working tree's uncommitted changes to tracked files are reviewed against
HEAD, as `git diff HEAD` shows them: rejecting a hunk reverts it, after the working tree is saved
in a checkpoint ref. Untracked files are left out (and counted); `git add -N PATH` brings one in.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from textual.app import App

from app.commands.apply import read_response
from app.commands.common import FAILED, OK, USAGE, workplace
from app.edits.build import place_edits
from app.edits.changeset import ChangeSet
from app.review import ReviewResult, ReviewTarget, RevertRejected, WriteAccepted
from app.workspace import Workspace
from app.git.worktree import untracked_files, working_tree_changeset
from widgets.review import ReviewScreen
from widgets.terminal import take_screenshot, terminal_for_keys


class ReviewApp(App[ReviewResult]):
    """A standalone app around one ReviewScreen; exits with its ReviewResult."""

    TITLE = "exosuit review"

    def __init__(self, changeset: ChangeSet, target: ReviewTarget) -> None:
        super().__init__()
        self.changeset = changeset
        self.target = target
        """What the review writes (see `ReviewTarget`)."""

    def on_ready(self) -> None:
        # Pushed once the app is ready: a screen pushed from on_mount paints its first frame inside
        # Textual's start-up batch, which drops it, and the terminal showed the screen piecemeal.
        self.push_screen(ReviewScreen(self.changeset, self.target), self.exit)

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        take_screenshot(self, filename, path)

    async def action_quit(self) -> None:
        quit_unless_reviewing(self)


def quit_unless_reviewing(app: App[object]) -> None:
    """ctrl+q: quit, except in a review with decisions made, where it asks first (as q does)."""
    if isinstance(app.screen, ReviewScreen) and app.screen.review.can_undo:
        app.screen.action_close()
    else:
        app.exit()


def run(args: argparse.Namespace) -> int:
    """Run `exosuit review`; returns the exit code (0 written, 1 closed without writing, 2 error)."""
    root = workplace(args.repo).root
    if args.response is None:
        return _review_working_tree(root)
    try:
        text = read_response(args.response)
    except (OSError, UnicodeDecodeError) as error:
        print(f"exosuit review: cannot read {args.response}: {error}", file=sys.stderr)
        return USAGE
    _, changeset, problems = place_edits(root, text)
    for problem in problems:
        print(f"error: {problem.summary}", file=sys.stderr)
    if not changeset.files:
        print("exosuit review: no applicable edits found", file=sys.stderr)
        return FAILED if problems else OK
    if problems:
        print(f"exosuit review: {len(problems)} edits refused; reviewing the rest", file=sys.stderr)
    return review_changeset(changeset, WriteAccepted(Workspace(root)))


def review_changeset(changeset: ChangeSet, target: ReviewTarget) -> int:
    """Open the review screen on `changeset` in the terminal and write what is accepted.

    Returns 0 when the review was applied, 1 when it was closed without writing, 2 when no
    terminal is available. Prints what was written and what was left, then, for edits a model
    proposed and the reviewer commented on or rewrote, what to tell it.
    """
    if not terminal_for_keys():
        print("exosuit review: needs a terminal to read keys from", file=sys.stderr)
        return USAGE
    result = ReviewApp(changeset, target).run()
    if result is None or not result.applied:
        print("Review closed; nothing written.")
        return FAILED
    print(target.summary(result))
    typed = any(mark.comment or mark.edited for marks in result.marks.values() for mark in marks)
    feedback = result.feedback_for_model() if typed and isinstance(target, WriteAccepted) else None
    if feedback:  # no model to send it to: the person takes it back to the one that answered
        print(f"\nFor the model (paste it into the chat the response came from):\n\n{feedback}", end="")
    return OK


def _review_working_tree(root: Path) -> int:
    if not (root / ".git").exists():
        print(f"exosuit review: {root} is not a git repository", file=sys.stderr)
        return USAGE
    changeset, left_out = working_tree_changeset(root)
    for line in left_out:
        print(f"not reviewed: {line}", file=sys.stderr)
    untracked = len(untracked_files(root))
    if untracked:
        files = f"{untracked} untracked file{'s' * (untracked != 1)}"
        print(f"left out {files}; `git add -N PATH` brings one into the review", file=sys.stderr)
    if not changeset.files:
        print("No text changes to review." if left_out else "No uncommitted changes to review.")
        return OK
    return review_changeset(changeset, RevertRejected(Workspace(root)))

"""`exosuit apply [--repo DIR] [--dry-run] [--yes] [RESPONSE_FILE | -]`: apply an LLM's edits.

The response (a file, or stdin for `-`) may hold SEARCH/REPLACE blocks, unified diffs or whole
files. `--dry-run` prints the unified diff, `--yes` writes without review, and with neither the
review screen opens; without a terminal to review in, the diff is printed, nothing is written
and the exit code is 2. Exit 0 only when every edit applied (or, for `--dry-run`, would apply);
any refused edit is listed on stderr (one line each) and nothing is written.

The review screen is the caller's to hand in (`args.review`, see `app/cli.py`): the core loads no UI.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from app.commands.common import FAILED, OK, USAGE, workplace
from app.edits.apply import ApplyError
from app.edits.build import place_edits
from app.edits.changeset import ChangeSet
from app.review import WriteAccepted
from app.workspace import Workspace

Review = Callable[[ChangeSet, WriteAccepted], int]
"""Opens the review screen on a ChangeSet, has the target write what is accepted, returns the exit code."""

NO_TERMINAL = "no terminal to review in; nothing written (pass --yes to apply, --dry-run to only show the diff)"


def run(args: argparse.Namespace) -> int:
    """Run `exosuit apply`; returns the exit code. `args.review` is a `Review`."""
    root = workplace(args.repo).root
    try:
        text = read_response(args.response)
    except (OSError, UnicodeDecodeError) as error:
        print(f"exosuit apply: cannot read {args.response}: {error}", file=sys.stderr)
        return USAGE
    edits, changeset, problems = place_edits(root, text)
    if not edits:
        print(
            "exosuit apply: no edits found in the response (SEARCH/REPLACE blocks, diffs or file blocks)",
            file=sys.stderr,
        )
        return FAILED
    if problems:
        for problem in problems:
            print(f"error: {problem.summary}", file=sys.stderr)
        if args.dry_run and changeset.files:
            sys.stdout.write(changeset.unified_diff())
        print(f"exosuit apply: {len(problems)} of {len(edits)} edits refused; nothing written", file=sys.stderr)
        return FAILED
    if not changeset.files:
        print("exosuit apply: the edits change nothing", file=sys.stderr)
        return OK
    if args.dry_run:
        sys.stdout.write(changeset.unified_diff())
        return OK
    if args.yes:
        try:
            result = Workspace(root).write(changeset)
        except ApplyError as error:
            for problem in error.problems:
                print(f"error: {problem}", file=sys.stderr)
            print("exosuit apply: nothing written", file=sys.stderr)
            return FAILED
        if result.saved_work:
            print(f"uncommitted work in {', '.join(result.saved_work)} kept in {result.checkpoint}", file=sys.stderr)
        for path in result.written:
            print(f"wrote {path}")
        for path in result.deleted:
            print(f"deleted {path}")
        return OK
    return _review(root, changeset, args.review)


def _review(root: Path, changeset: ChangeSet, review: Review) -> int:
    """Open the review screen; without a terminal, show the diff and fail: nothing was accepted.

    (The review reads keys from the terminal itself when the response came through stdin.)
    """
    if sys.stdout.isatty():
        return review(changeset, WriteAccepted(Workspace(root)))
    sys.stdout.write(changeset.unified_diff())
    print(f"exosuit apply: {NO_TERMINAL}", file=sys.stderr)
    return USAGE


def read_response(name: str) -> str:
    """The text of a response file, or of stdin for `-`."""
    if name == "-":
        return sys.stdin.read()
    return Path(name).read_text(encoding="utf-8")

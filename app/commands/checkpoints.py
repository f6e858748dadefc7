"""`exosuit undo`, `redo`, `checkpoints` and `rewind N`: the AI changes recorded in the
repository's checkpoints, taken back or put again headless (the TUI's /undo, /redo and Rewind)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from app.commands.common import FAILED, OK, CommandError, workplace
from app.edits.apply import ApplyError
from app.workspace import Workspace, Written


def undo(args: argparse.Namespace) -> int:
    return _write(args, "undo", lambda workspace: workspace.undo())


def redo(args: argparse.Namespace) -> int:
    return _write(args, "redo", lambda workspace: workspace.redo())


def rewind(args: argparse.Namespace) -> int:
    return _write(args, "rewind", lambda workspace: workspace.rewind(args.checkpoint))


def listing(args: argparse.Namespace) -> int:
    """Print the checkpoints, newest first: number, when, what, level, files, lines, instruction."""
    workspace = Workspace(workplace(args.repo).root)
    if workspace.checkpoints is None:
        raise CommandError(f"{workspace.root} is not a git repository: no checkpoints")
    undoable, redoable = workspace.undoable, workspace.redoable
    for checkpoint in reversed(workspace.checkpoints.history()):
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(checkpoint.time))
        mark = " ← undo" if checkpoint == undoable else " ← redo" if checkpoint == redoable else ""
        what = checkpoint.kind + (f" of {checkpoint.of}" if checkpoint.of else "")
        files = ", ".join(checkpoint.paths)
        print(f"{checkpoint.number:>4}  {when}  {what:<12} {checkpoint.about.level or '-':<6} "
              f"+{checkpoint.added} -{checkpoint.removed}  {files}{mark}")
        if checkpoint.about.instruction:
            print(f"      {checkpoint.about.instruction.splitlines()[0][:100]}")
    return OK


def _write(args: argparse.Namespace, doing: str, write: Callable[[Workspace], Written]) -> int:
    workspace = Workspace(workplace(args.repo).root)
    try:
        written = write(workspace)
    except ApplyError as error:
        for problem in error.problems:
            print(f"exosuit {doing}: {problem}", file=sys.stderr)
        print(f"exosuit {doing}: nothing written", file=sys.stderr)
        return FAILED
    for path in written.written:
        print(f"wrote {path}")
    for path in written.deleted:
        print(f"deleted {path}")
    if written.note:
        print(f"exosuit {doing}: {written.note}", file=sys.stderr)
    return OK

"""`exosuit complete FILE LINE COL`: one completion at a place in a file, printed for scripts and
editor plugins (the editor pane's Tab level, headless)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.commands.common import FAILED, OK, CommandError, settings, workplace


def run(args: argparse.Namespace) -> int:
    from app.completion import Completions
    from app.context.nearby import Nearby
    from app.edits import textfile
    from app.llm.meter import Meter
    from app.llm.registry import build_router

    place = workplace(args.repo)
    path = Path(args.file)
    try:
        text = textfile.read(path, args.file).text
    except (OSError, textfile.NotTextError) as exc:
        raise CommandError(f"cannot read {args.file}: {exc}") from None
    lines = text.split("\n")
    if not 1 <= args.line <= len(lines) or not 1 <= args.col <= len(lines[args.line - 1]) + 1:
        raise CommandError(f"{args.file} has no line {args.line}, column {args.col} (both count from 1)")
    offset = sum(len(line) + 1 for line in lines[: args.line - 1]) + args.col - 1
    config = settings(place.root, args)
    nearby = Nearby(place.root)
    nearby.refresh()  # one completion: worth the wait for its definitions
    completions = Completions(build_router(config, "complete"), Meter(config.prices), nearby=nearby)
    where = path.resolve()
    root = place.root.resolve()
    rel = where.relative_to(root).as_posix() if where.is_relative_to(root) else ""
    middle = completions.complete(text[:offset], text[offset:], rel)
    if middle is None:
        print(f"exosuit complete: {completions.error or 'no completion'}", file=sys.stderr)
        return FAILED
    sys.stdout.write(middle)
    return OK

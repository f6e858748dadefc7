"""`exosuit map`: print the repository's map, the definitions the model is shown, best first."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from app.commands.common import OK, CommandError, workplace
from app.context import repo_map
from app.llm.meter import estimate_tokens


def run(args: argparse.Namespace) -> int:
    place = workplace(args.repo)
    focus = tuple(_in_repo(place.root, path) for path in args.focus or ())
    started = time.monotonic()
    built = repo_map.build(place.root, tokens=args.tokens, focus=focus)
    if not built.text:
        raise CommandError(f"no source files to map in {place.root} (Python, JavaScript, TypeScript, Go, Rust, Java, C, C++)")
    sys.stdout.write(built.text)
    print(f"exosuit: {built.definitions} definitions from {built.files} files ({built.parsed} parsed, the rest cached), "
          f"about {estimate_tokens(built.text):,} tokens, {time.monotonic() - started:.2f}s", file=sys.stderr)
    return OK


def _in_repo(root: Path, path: str) -> str:
    """`path` (as typed, from the current directory) relative to the repository's root."""
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        raise CommandError(f"--focus {path}: not inside the repository {root}") from None

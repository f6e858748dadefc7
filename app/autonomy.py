"""The autonomy levels and what each lets the model do: a policy table checked before every action.

`check(level, action)` says `allow` (do it), `ask` (only once the person approves) or `deny` (a
refusal the model reads; nothing runs), with the reason in one line. It is pure: the level is the
person's setting, never anything the model or a repository file says, and no action can raise it.

| level | the model may | the person approves |
|---|---|---|
| Tab   | suggest ghost text in the editor pane | accepting one |
| Edit  | rewrite the selected range only | the inline diff of that range |
| Files | answer; propose edits to files in the context; ask to add files | every edit |
| Agent | list, read and search the repo; propose edits anywhere in it; run commands and tests | each edit and each command, unless edits are auto-accepted or the command is allow-listed |

A command is allow-listed only when it is one simple command (no `;`, `&&`, `|`, redirects,
substitutions) matching a pattern of the allow-list, is not destructive, and runs sandboxed.
A destructive command (deleting trees, rewriting or pushing history, privileges, piping a
download into a shell, writing outside the repository) always asks, and is flagged as such.
"""

from __future__ import annotations

import fnmatch
import glob
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

Verdict = Literal["allow", "ask", "deny"]
ActionKind = Literal["suggest", "edit_range", "propose_edit", "add_file", "read", "run_command"]


class Level(IntEnum):
    """The notches of the slider, from least to most the model may do on its own."""

    TAB = 1
    EDIT = 2
    FILES = 3
    AGENT = 4

    @property
    def label(self) -> str:
        return self.name.capitalize()


@dataclass(frozen=True)
class Action:
    """Something the model wants done."""

    kind: ActionKind
    path: str = ""
    """The repo-relative file it concerns (edits, reads, adds)."""
    command: str = ""
    in_context: bool = False
    """For an edit: the file is in the conversation's context (the person chose to show it)."""


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str
    destructive: bool = False
    """A command that always asks and is shown as dangerous."""


@dataclass(frozen=True)
class Rules:
    """The person's standing choices that let some actions through without asking."""

    auto_accept_edits: bool = False
    allow: Sequence[str] = ()
    """Command patterns (`fnmatch`, e.g. "pytest*") that run without asking at Agent level."""
    sandboxed: bool = True
    """Whether commands run in the sandbox (without it every command asks)."""


_LEVEL_ACTIONS: dict[Level, frozenset[ActionKind]] = {
    Level.TAB: frozenset({"suggest"}),
    Level.EDIT: frozenset({"suggest", "edit_range"}),
    Level.FILES: frozenset({"suggest", "edit_range", "propose_edit", "add_file"}),
    Level.AGENT: frozenset({"suggest", "edit_range", "propose_edit", "add_file", "read", "run_command"}),
}
_WHAT = {
    "suggest": "suggest a completion", "edit_range": "rewrite the selected range", "propose_edit": "edit files",
    "add_file": "ask for a file", "read": "read the repository", "run_command": "run commands",
}


def check(level: Level, action: Action, rules: Rules = Rules()) -> Decision:
    """Whether the model may take `action` at `level`: allow, ask the person, or deny (why)."""
    if action.kind not in _LEVEL_ACTIONS[level]:
        least = min(lv for lv, kinds in _LEVEL_ACTIONS.items() if action.kind in kinds)
        return Decision("deny", f"the {level.label} level does not let the model {_WHAT[action.kind]} (it needs {least.label})")
    if action.kind == "read":
        return Decision("allow", "reading is allowed at Agent level")
    if action.kind == "propose_edit":
        if level == Level.FILES and not action.in_context:
            return Decision("deny", f"{action.path} is not in the context: at Files level the model edits only files added to it")
        if level == Level.AGENT and rules.auto_accept_edits:
            return Decision("allow", "edits are auto-accepted")
        return Decision("ask", "every edit is reviewed")
    if action.kind == "run_command":
        return _command(action.command, rules)
    return Decision("ask", "the person accepts it or not")


def _command(command: str, rules: Rules) -> Decision:
    danger = destructive(command)
    if danger:
        return Decision("ask", f"destructive: {danger}", destructive=True)
    if not rules.sandboxed:
        return Decision("ask", "commands are unsandboxed here: every one asks")
    if simple(command) and any(fnmatch.fnmatchcase(command.strip(), pattern) for pattern in rules.allow):
        return Decision("allow", "allow-listed")
    return Decision("ask", "each command is approved")


_OPERATORS = re.compile(r"[;&|<>`\n]|\$\(")
_ARGUMENT = re.compile(r"^-|[/.=:'\"$]")
"""A word that is an option, a path, a file or a value: where a command's prefix ends."""
_INTERPRETER = re.compile(r"(python|node|ruby|perl|bash|sh|zsh)[\d.]*")
"""Programs that run whatever they are given: their prefix includes the script or module."""


def simple(command: str) -> bool:
    """One plain command: no chaining, pipes, redirects or substitutions (outside quotes or in)."""
    return bool(command.strip()) and not _OPERATORS.search(command)


def allow_pattern(command: str) -> str:
    """The allow-list pattern that "always" saves for `command`: its program and subcommand then
    `*` ("npm test*", "git status*", "cargo test*" for "cargo test --all"); for an interpreter,
    its script or module ("python -m pytest*", "node build.js*"), or the command exactly when it
    has neither (`python -c …`). "" when it cannot be allow-listed (destructive, or not one
    simple command)."""
    if destructive(command) or not simple(command):
        return ""
    words = command.split()
    if _INTERPRETER.fullmatch(words[0]):
        if len(words) > 2 and words[1] == "-m":
            return " ".join(words[:3]) + "*"
        if len(words) > 1 and not words[1].startswith("-"):
            return " ".join(words[:2]) + "*"
        return glob.escape(" ".join(words))
    if len(words) > 1 and not _ARGUMENT.search(words[1]):
        return " ".join(words[:2]) + "*"
    return words[0] + "*"


_DESTRUCTIVE = [
    (re.compile(r"\brm\s+(-\w*[rRf]\w*\s+|--recursive\b|--force\b)"), "deletes files recursively or by force"),
    (re.compile(r"\bgit\s+push\b"), "pushes to a remote"),
    (re.compile(r"\bgit\s+reset\s+--hard\b"), "discards uncommitted work"),
    (re.compile(r"\bgit\s+clean\b"), "deletes untracked files"),
    (re.compile(r"\bgit\s+checkout\s+(--\s|\.)"), "discards uncommitted work"),
    (re.compile(r"\b(sudo|su|doas)\b"), "asks for privileges"),
    (re.compile(r"\b(curl|wget)\b[^|]*\|\s*(ba|z|da)?sh\b"), "runs a download"),
    (re.compile(r"\b(mkfs|dd|shred)\b"), "writes devices or destroys data"),
    (re.compile(r"\bchmod\s+-R\b|\bchown\b"), "changes permissions in bulk"),
]


_LEAVING = re.compile(r"(?:>{1,2}|\bcd\s+|\b(?:cp|mv|tee)\s+(?:-\w+\s+)*(?:\S+\s+)*?)\s*([~/.][^\s;&|<>]*)")
"""A redirect, `cd`, or copy/move/tee destination that may point out of the repository."""


def destructive(command: str) -> str:
    """Why `command` is destructive, or "" (writing to or moving into a place outside the
    repository counts: an absolute path, `~` or `..`)."""
    for pattern, why in _DESTRUCTIVE:
        if pattern.search(command):
            return why
    for target in _LEAVING.findall(command):
        if target.startswith(("/", "~", "..")) and target != "/dev/null":
            return f"writes or moves outside the repository ({target})"
    return ""

"""Slash commands typed in the prompt: their names, help, parsing and tab-completion (of `@path`
mentions in a question too)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from os.path import commonprefix

COMMANDS: dict[str, str] = {
    "/model": "switch model: a picker, or /model PROVIDER[/MODEL]",
    "/add": "add a file, directory or glob to the context (--force for secrets)",
    "/drop": "remove a file from the context (no PATH: all of them)",
    "/clear": "forget the conversation (context files stay)",
    "/review": "reopen the last review closed unapplied, its edits placed on the files as they are now",
    "/undo": "take back the last AI change (again: the one before), also from before a restart",
    "/redo": "write again the change the last /undo took back",
    "/rewind": "the AI changes recorded here: rewind the files to before any of them",
    "/test": "run the tests in the sandbox; when they fail, their output goes to the model",
    "/context": "the next request part by part in tokens: drop or add files, compact (ctrl+o)",
    "/edit": "open a repo file (PATH[:LINE]) in a tab of the editor pane (ctrl+e: prompt / editor); at Tab, ghost text as you type",
    "/compact": "the model summarises the older turns to make room in the window (/compact undo puts them back)",
    "/resume": "take up another logged session of this repository: its conversation and context files",
    "/stats": "review analytics: how fast you verify, how often you say no, by model, level and day",
    "/help": "list commands and keys",
}
"""Every command, with its one-line help."""

KEYS: dict[str, str] = {
    "enter": "send",
    "shift+enter / ctrl+j": "new line",
    "tab": "complete a command or path (after @ in a question too)",
    "up / down": "previous / next prompt",
    "pageup / pagedown": "scroll the conversation",
    "escape": "stop the answer being written (at Agent level: the agent, and its command)",
    "alt+1…4 / ctrl+←→": "autonomy: Tab, Edit, Files, Agent (ctrl+←→ with an empty prompt)",
    "ctrl+t": "run the tests (/test); a failure goes to the model",
    "ctrl+o": "the context: each part's tokens, drop or add files (/context)",
    "ctrl+e": "move between the prompt and the editor pane",
    "ctrl+pageup / pagedown": "the editor's previous / next open file; ctrl+w closes it (ctrl+p, type a path: open one)",
    "tab (editor, at Tab)": "take the ghost text; ctrl+→ its next word, esc dismisses it; ctrl+s saves",
    "ctrl+c": "stop the answer or the agent, or clear the prompt",
    "ctrl+p": "command palette",
    "ctrl+q": "quit",
}


@dataclass(frozen=True)
class Command:
    """A parsed slash command: its name (with the slash), flags and other arguments."""

    name: str
    args: list[str]
    flags: set[str]


def path_and_line(target: str) -> tuple[str, int | None]:
    """"app/x.py:12" -> ("app/x.py", 12); a path without a line (or with a colon in it) -> (path,
    None); a leading @, as in a question's mention, is dropped."""
    target = target.removeprefix("@")
    path, _, line = target.rpartition(":")
    return (path, int(line)) if path and line.isdigit() else (target, None)


def parse(text: str) -> Command | None:
    """The slash command in `text`, or None when `text` is a prompt for the model."""
    text = text.strip()
    if not text.startswith("/") or text.startswith("//"):
        return None
    try:
        words = shlex.split(text)
    except ValueError:  # an unclosed quote: take the words as they are
        words = text.split()
    flags = {w for w in words[1:] if w.startswith("--")}
    return Command(words[0], [w for w in words[1:] if w not in flags], flags)


@dataclass(frozen=True)
class Completion:
    """Where the word being completed starts in the line, and the candidates for it."""

    start: int
    options: list[str]
    typed: str
    """The word as far as it was typed, its quotes and escapes taken off."""

    @property
    def common(self) -> str:
        """What every candidate starts with."""
        return commonprefix(self.options)

    @property
    def text(self) -> str | None:
        """What the typed word becomes on a tab, escaped as `parse` reads it back (a space after a
        single candidate that is not a directory); None when a tab adds nothing."""
        common = self.common
        whole = len(self.options) == 1 and not common.endswith("/")
        if len(common) <= len(self.typed) and not whole:
            return None
        return _escaped(common) + " " * whole


def _escaped(word: str) -> str:
    """`word` with a backslash before each character a shell would split or interpret."""
    return re.sub(r"([^\w@%+=:,./-])", r"\\\1", word)


def _last_word(line: str) -> tuple[int, str]:
    """Where the last word of `line` starts, and what it says (quotes and escapes taken off)."""
    start, quote, escaped = 0, "", False
    for index, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == " ":
            start = index + 1
    word = line[start:].removesuffix("\\") if escaped else line[start:]
    try:
        return start, "".join(shlex.split(word + quote))
    except ValueError:
        return start, word


class Completer:
    """Completes command names, repo paths after /add and /drop and after `@` in a question, and
    providers after /model."""

    def __init__(
        self,
        files: Callable[[], list[str]],
        context: Callable[[], list[str]],
        models: Callable[[], list[str]],
    ) -> None:
        self._files = files
        self._context = context
        self._models = models

    def complete_mention(self, line: str) -> Completion | None:
        """Candidates for the last word of a question's `line` (before the cursor), when it is an
        `@path` (a file or directory of the repo to add to the context)."""
        start = max(line.rfind(" "), line.rfind("\t")) + 1
        if not line.startswith("@", start):
            return None
        word = line[start + 1 :]
        files = [path for path in self._files() if " " not in path]  # a mention ends at a space
        return Completion(start + 1, _path_options(files, word), word)

    def complete(self, line: str) -> Completion | None:
        """Candidates for the last word of a command's `line` (the text before the cursor)."""
        if not line.startswith("/"):
            return None
        if " " not in line:
            return Completion(0, [c for c in COMMANDS if c.startswith(line)], line)
        command = line.split(" ", 1)[0]
        start, word = _last_word(line)
        if word.startswith("--"):
            return Completion(start, ["--force"] if "--force".startswith(word) else [], word)
        if command in ("/add", "/edit"):
            return Completion(start, _path_options(self._files(), word), word)
        if command == "/drop":
            return Completion(start, [p for p in self._context() if p.startswith(word)], word)
        if command == "/model":
            return Completion(start, [m for m in self._models() if m.startswith(word)], word)
        if command == "/compact":
            return Completion(start, ["undo"] if "undo".startswith(word) else [], word)
        return None


def _path_options(files: list[str], word: str) -> list[str]:
    """Files and directories one level below what has been typed, like a shell completes."""
    options: set[str] = set()
    for path in files:
        if path.startswith(word):
            slash = path.find("/", len(word))
            options.add(path if slash < 0 else path[: slash + 1])
    return sorted(options)

"""The agent's tools: what each is called, what it takes, and what it answers.

Every tool answers in text for the model, never raises: a bad argument, a path outside the
repository, a secret, a binary or huge file comes back as one line saying so (`ToolError`). The
checks that need the person (the autonomy level, approvals, the review) are the loop's; here are
the facts of the repository: listing, reading and searching it, placing edits, running commands.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.context import secret_reason
from app.edits import textfile
from app.edits.paths import UnsafePathError, normalize, repo_files, safe_path
from app.llm.base import ToolCall, ToolSpec

MAX_READ_LINES = 2000
"""Lines `read_file` returns at most in one call (the model asks for the next range)."""
MAX_READ_BYTES = 200_000
MAX_LISTED = 500
MAX_MATCHES = 200
MAP_TOKENS = 2048
"""About how long the map `repo_map` answers may be."""


class ToolError(Exception):
    """A call that cannot be carried out; its message goes back to the model."""


def _spec(name: str, description: str, properties: dict[str, Any], required: tuple[str, ...] = ()) -> ToolSpec:
    return ToolSpec(name, description, {"type": "object", "properties": properties, "required": list(required)})


_STR, _INT = {"type": "string"}, {"type": "integer"}
TOOLS: tuple[ToolSpec, ...] = (
    _spec("list_files", "List the repository's files (tracked and untracked, not ignored), under `path` and "
          "matching the glob `pattern` if given.", {"path": _STR, "pattern": _STR}),
    _spec("read_file", "Read a text file of the repository, each line prefixed with its number and a tab "
          f"(the numbers are not part of the file). At most {MAX_READ_LINES} lines a call; pass start_line "
          "and end_line (1-based, inclusive) for a range.", {"path": _STR, "start_line": _INT, "end_line": _INT},
          ("path",)),
    _spec("search", "Search the repository's text files for a Python regular expression; answers "
          "path:line: text for each matching line.", {"pattern": _STR, "path": _STR}, ("pattern",)),
    _spec("repo_map", "The repository's most used definitions (classes, functions, methods) as signatures under "
          "their files with line numbers, ranked for the files in `focus` (repo-relative paths, comma-separated) "
          "when given.", {"focus": _STR}),
    _spec("propose_edit", "Propose edits: SEARCH/REPLACE blocks, unified diffs or whole files, each with "
          "its path, as you would write them in an answer. The person reviews them; the answer says what "
          "was written and what was rejected, and why.", {"edits": _STR}, ("edits",)),
    _spec("run_command", "Run a shell command in the repository (sandboxed: no network, nothing outside "
          "the repository writable). The person may have to approve it.", {"command": _STR, "timeout": _INT},
          ("command",)),
    _spec("run_tests", "Run the project's tests and answer with how they ended and their output.", {}),
)
TOOL_NAMES = tuple(t.name for t in TOOLS)


@dataclass(frozen=True)
class Call:
    """A tool call's arguments, checked against the tool's schema."""

    name: str
    arguments: dict[str, Any]

    def text(self, key: str, default: str | None = None) -> str:
        value = self.arguments.get(key, default)
        if not isinstance(value, str):
            raise ToolError(f"{self.name}: `{key}` must be a string" if key in self.arguments else f"{self.name}: `{key}` is required")
        return value

    def under(self) -> str:
        """The `path` argument as a clean repo-relative directory ("" for the whole repository)."""
        if self.arguments.get("path") in (None, "", ".", "./"):
            return ""
        try:
            return normalize(self.text("path"))
        except UnsafePathError as exc:
            raise ToolError(str(exc)) from None

    def number(self, key: str) -> int | None:
        value = self.arguments.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise ToolError(f"{self.name}: `{key}` must be an integer")
        return value


def check_call(call: ToolCall) -> Call:
    """The call, or ToolError for an unknown tool or arguments that are not a JSON object of its own."""
    name, arguments = call.name, call.arguments
    if name not in TOOL_NAMES:
        raise ToolError(f"unknown tool {name!r}; the tools are {', '.join(TOOL_NAMES)}")
    if call.invalid:
        raise ToolError(f"{name}: the arguments are neither a JSON object nor `key: value` lines: {call.invalid[:200]}")
    unknown = set(arguments) - set(next(t for t in TOOLS if t.name == name).input_schema["properties"])
    if unknown:
        raise ToolError(f"{name}: unknown argument {sorted(unknown)[0]!r}")
    return Call(name, arguments)


def list_files(root: Path, call: Call) -> str:
    under = call.under()
    pattern = call.text("pattern", "*")
    names = [n for n in repo_files(root) if (not under or n == under or n.startswith(under + "/"))
             and (fnmatch.fnmatchcase(n, pattern) or fnmatch.fnmatchcase(n.rsplit("/", 1)[-1], pattern))]
    if not names:
        return "no files match"
    shown = "\n".join(names[:MAX_LISTED])
    return shown + (f"\n[... {len(names) - MAX_LISTED} more: narrow `path` or `pattern`]" if len(names) > MAX_LISTED else "")


def read_text(root: Path, rel: str) -> str:
    """A repository file's text, or ToolError (outside the repo, a secret, missing, binary, huge)."""
    try:
        path = safe_path(root, rel)
    except UnsafePathError as exc:
        raise ToolError(str(exc)) from None
    if why := secret_reason(rel):
        raise ToolError(f"{why}: not read (the person can add it with /add --force)")
    if not path.is_file():
        raise ToolError(f"{rel}: no such file")
    if path.stat().st_size > MAX_READ_BYTES * 10:
        raise ToolError(f"{rel}: {path.stat().st_size:,} bytes, too large to read")
    try:
        text = textfile.read(path, rel).text
    except textfile.NotTextError as exc:
        raise ToolError(str(exc)) from None
    if why := secret_reason(rel, text):
        raise ToolError(f"{why}: not read")
    return text


def read_file(root: Path, call: Call) -> str:
    rel = call.text("path")
    lines = read_text(root, rel).splitlines()
    start = call.number("start_line") or 1
    end = call.number("end_line") or len(lines)
    if start < 1 or end < start:
        raise ToolError(f"read_file: the range {start}-{end} is empty (lines count from 1)")
    if lines and start > len(lines):
        raise ToolError(f"{rel} has {len(lines)} lines; start_line {start} is past its end")
    shown = lines[start - 1 : min(end, start - 1 + MAX_READ_LINES)]
    body = "\n".join(f"{start + i}\t{line}" for i, line in enumerate(shown))[:MAX_READ_BYTES]
    last = start + len(shown) - 1
    more = f"\n[lines {last + 1}-{len(lines)} not shown: read them with start_line={last + 1}]" if last < min(end, len(lines)) else ""
    return (body or f"{rel} is empty") + more


def search(root: Path, call: Call) -> str:
    try:
        regex = re.compile(call.text("pattern"))
    except re.error as exc:
        raise ToolError(f"search: not a valid regular expression: {exc}") from None
    under = call.under()
    matches: list[str] = []
    for rel in repo_files(root):
        if under and rel != under and not rel.startswith(under + "/"):
            continue
        try:
            text = read_text(root, rel)
        except ToolError:
            continue  # secrets, binaries, huge files: not searched
        matches += [f"{rel}:{n}: {line}" for n, line in enumerate(text.splitlines(), 1) if regex.search(line)]
        if len(matches) > MAX_MATCHES:
            return "\n".join(matches[:MAX_MATCHES]) + f"\n[more than {MAX_MATCHES} matches: narrow the pattern or path]"
    return "\n".join(matches) or "no matches"


def repo_map(root: Path, call: Call) -> str:
    from app.context import repo_map as maps

    try:
        focus = tuple(normalize(p.strip()) for p in call.text("focus", "").split(",") if p.strip())
    except UnsafePathError as exc:
        raise ToolError(f"repo_map: {exc}") from None
    return maps.build(root, tokens=MAP_TOKENS, focus=focus).text or "no source files to map"


REPO_TOOLS: dict[str, Callable[[Path, Call], str]] = {
    "list_files": list_files, "read_file": read_file, "search": search, "repo_map": repo_map,
}
"""The tools that only read the repository (the loop runs the others itself)."""

"""Finding the edits in a model's response, whatever format it chose.

Four formats are read, mixed freely in one response:

- SEARCH/REPLACE blocks (`<<<<<<< SEARCH` / `=======` / `>>>>>>> REPLACE`, or the older
  `ORIGINAL` / `UPDATED`), the file path on the line before the code fence, in the fence's info
  string, on the line before the block (inside the fence or not), or alone in a fence of its own
  just before; a block with no path of its own uses the previous one's.
- Unified diffs (`diff --git`, `--- a/x` / `+++ b/x`, `@@` hunks) including sloppy ones: hunk
  headers with wrong numbers or none (`@@ ... @@`), blank context lines without their space,
  new files (`/dev/null`), deletions and renames. A ```diff fence with only `@@` hunks takes
  its path from the line before the fence.
- Patch envelopes as OpenAI models write them (`*** Begin Patch`, `*** Update File: x`,
  `*** Add File: x`, `*** Delete File: x`, `*** Move to: y`, `@@ [line the hunk follows]`,
  `*** End Patch`): read as unified diffs without line numbers.
- Whole-file code blocks: a fence whose path is given on the line just before it (alone on its
  line or in a fence of its own), in the info string (```python a/b.py), or as a comment on the
  block's first line (`# a/b.py`, `// a/b.ts`). Code blocks with no path are explanations, not
  edits, and are skipped, except one after a short label that names a file but is no path
  (`**/add calc.py**`, `### Updated calc.py`): it becomes a `Malformed` edit, so the model hears of it.

A name alone on its line may be decorated as models do (`path:`, **path**, `path`, "path",
# path, File: path). Underscores belong to many names (`_compat.py`, `__init__.py`), so only a
name wrapped in them on both sides is also read without them, and the reading that names an
existing file wins; a name with no extension or directory (`Makefile`, `LICENSE`) is a path
when it names an existing file (or is a well-known one). Which files exist is asked of `known`.

Parsing never raises: a block that cannot be read becomes a `Malformed` edit with a message.
Where the edits apply is decided later (`build.py`); here a path is just the text the model wrote.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass

_SEARCH = re.compile(r"^\s*<{5,9}\s*(?:SEARCH|ORIGINAL)\b.*$")
_DIVIDER = re.compile(r"^\s*={5,9}\s*$")
_REPLACE = re.compile(r"^\s*>{5,9}\s*(?:REPLACE|UPDATED)\b.*$")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*(.*?)\s*$")
_HUNK_HEADER = re.compile(r"^@@\s*-(\d+)(?:,(\d+))?\s+\+(\d+)(?:,(\d+))?\s*@@")
_PATH_LABEL = re.compile(r"^(?:file(?:name)?|path|new file|updated file)\s*:\s*", re.I)
_PATHLIKE = re.compile(r"^[\w.@+~\-/\\]*[\w\-+~@]$")
_BARE_NAMES = {"Makefile", "Dockerfile", "Justfile", "Procfile", "Gemfile", "Rakefile", "LICENSE", "README"}
"""Names without an extension read as paths even when no such file exists yet."""

_FILE_WORD = re.compile(r"^[\w.@+~\-/\\]*\w\.[A-Za-z]\w*$")
"""A word naming a file with an extension (`calc.py`, `src/app.ts`)."""
_SOURCE_EXTENSIONS = {
    "py", "pyi", "js", "jsx", "mjs", "ts", "tsx", "go", "rs", "java", "kt", "c", "h", "cc", "cpp",
    "hpp", "cs", "rb", "php", "swift", "scala", "lua", "sh", "html", "css", "scss", "vue", "sql",
    "md", "rst", "toml", "yaml", "yml", "json", "cfg", "ini", "txt",
}
"""Extensions that make a name alone in a one-line fence a path, even for a file not yet made."""
_NOT_FILES = {"bash", "sh", "shell", "zsh", "console", "terminal", "text", "output", "log", "powershell", "ps1", "cmd"}
"""Fence languages of commands and their output: such a block is never a file's content."""

Known = Callable[[str], bool]
"""Whether a path names an existing file of the repository (`paths.RepoFiles.names_file`)."""


@dataclass(frozen=True)
class SearchReplace:
    """Replace the lines `search` with `replace` in `path`. Each line of the texts ends with
    "\\n", so an empty section is "" and a section of one blank line is "\\n"."""

    number: int
    path: str | None
    search: str
    replace: str


@dataclass(frozen=True)
class DiffHunk:
    """One hunk of a unified diff: (" " | "-" | "+", line text) pairs, and its header's old start."""

    lines: tuple[tuple[str, str], ...]
    old_start: int | None
    """The 1-based start in the old file from the `@@` header; None when the header had none."""
    new_missing_newline: bool = False
    """`\\ No newline at end of file` followed the hunk's last added or context line: the new
    text ends without a newline."""
    old_missing_newline: bool = False
    """The marker followed the hunk's last removed or context line: the old text ends without one."""
    anchor: str | None = None
    """A line the hunk comes after (a patch envelope's `@@ def f():`), to narrow where it applies."""


@dataclass(frozen=True)
class FilePatch:
    """A unified diff for one file. `old_path` is None for a new file, `new_path` None for a deletion."""

    number: int
    old_path: str | None
    new_path: str | None
    hunks: tuple[DiffHunk, ...]

    @property
    def path(self) -> str | None:
        return self.new_path or self.old_path


@dataclass(frozen=True)
class WholeFile:
    """The complete new content of `path`."""

    number: int
    path: str
    text: str
    label: str | None = None
    """The block's first line when it named the path (`# app/x.py`): part of the file only if
    the file already starts with it."""


@dataclass(frozen=True)
class Malformed:
    """A block that looked like an edit but could not be read; `message` says what is wrong."""

    number: int
    path: str | None
    message: str


Edit = SearchReplace | FilePatch | WholeFile | Malformed


def parse_edits(text: str, known: Known | None = None) -> list[Edit]:
    """Every edit found in `text`, in order, numbered from 1. Never raises.

    `known` tells which names are files of the repository; without it, only names with an
    extension or a directory (or a well-known name such as `Makefile`) are read as paths.
    """
    return _Parser(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), known).parse()


@dataclass(frozen=True)
class _Name:
    """What a line that holds only a name says: the path it names, or, when it names none for
    sure, the name seen (`unknown`) or why it is unclear (`ambiguous`)."""

    path: str | None = None
    unknown: str | None = None
    ambiguous: str | None = None


class _Parser:
    def __init__(self, lines: list[str], known: Known | None) -> None:
        self.lines = lines
        self.known = known
        self.edits: list[Edit] = []
        self.fence_ends = _fence_ends(lines)
        self.fence_starts = sorted(self.fence_ends)
        self.fence_opening = {end: start for start, end in self.fence_ends.items()}
        self.markers = {
            pattern: [i for i, line in enumerate(lines) if pattern.match(line)]
            for pattern in (_SEARCH, _DIVIDER, _REPLACE)
        }
        self.last_path: str | None = None

    def parse(self) -> list[Edit]:
        i = 0
        while i < len(self.lines):
            line = self.lines[i]
            if _SEARCH.match(line):
                i = self._search_replace(i)
            elif line.strip() == "*** Begin Patch":
                i = self._envelope(i + 1, self._end_of_block(i))
            elif line.startswith("diff --git ") or self._at_file_header(i):
                i = self._file_patch(i, self._end_of_block(i))
            elif i in self.fence_ends:
                i = self._fence(i)
            else:
                i += 1
        return self.edits

    # -- SEARCH/REPLACE -------------------------------------------------------------------

    def _search_replace(self, start: int) -> int:
        path = self._path_for_block(start)
        number = len(self.edits) + 1
        divider = self._next(_DIVIDER, start + 1)
        end = self._next(_REPLACE, divider + 1) if divider is not None else None
        if end is None or (self._next(_SEARCH, start + 1) or end) < end:
            self._add(Malformed(number, path, "a SEARCH block without its ======= divider and >>>>>>> REPLACE line"))
            return start + 1
        search = "".join(line + "\n" for line in self.lines[start + 1 : divider])
        replace = "".join(line + "\n" for line in self.lines[divider + 1 : end])
        if isinstance(path, _Name):
            self._add(Malformed(number, None, path.ambiguous or _no_path(path.unknown)))
        else:
            self._add(SearchReplace(number, path, search, replace))
        return end + 1

    def _path_for_block(self, start: int) -> str | _Name:
        """The path for the SEARCH block at `start`: just above it, above its fence, or the last
        one; a `_Name` saying why there is none."""
        i = start - 1
        while i >= 0 and not self.lines[i].strip():
            i -= 1
        name = None
        if i >= 0:
            fence = _FENCE.match(self.lines[i])
            if fence and i not in self.fence_opening:  # an opening fence, maybe nested in another
                in_info = _path_in_info(fence.group(2))
                name = _Name(in_info) if in_info else self._name_before(i)
            else:
                name = self._name_at(i)
        if name and name.path:
            self.last_path = name.path
        elif name and name.ambiguous:
            return name
        return self.last_path or name or _Name()

    # -- unified diffs --------------------------------------------------------------------

    def _at_file_header(self, i: int) -> bool:
        return (
            self.lines[i].startswith("--- ")
            and i + 1 < len(self.lines)
            and self.lines[i + 1].startswith("+++ ")
        )

    def _file_patch(self, i: int, end: int, path: str | None = None) -> int:
        """Read one file's diff starting at line `i` (before `end`); return the line after it."""
        number = len(self.edits) + 1
        old_path = new_path = path
        deleted = created = False
        if i < end and self.lines[i].startswith("diff --git "):
            old_path, new_path = _git_diff_paths(self.lines[i][len("diff --git ") :])
            i += 1
            while i < end and not self._at_file_header(i) and not self.lines[i].startswith(("@@", "diff --git ")):
                header = self.lines[i]
                if header.startswith("rename from "):
                    old_path = _strip_prefix(header[len("rename from ") :])
                elif header.startswith("rename to "):
                    new_path = _strip_prefix(header[len("rename to ") :])
                elif header.startswith("deleted file mode"):
                    deleted = True
                elif header.startswith("new file mode"):
                    created = True
                elif header.startswith(("Binary files", "GIT binary patch")):
                    self._add(Malformed(number, new_path, "a binary patch; only text files can be edited"))
                    return _skip_to_next_file(self.lines, i, end)
                elif not header.startswith(("index ", "old mode", "new mode", "similarity", "dissimilarity", "copy ")):
                    break
                i += 1
        if i < end and self._at_file_header(i):
            old_path = _diff_header_path(self.lines[i][4:])
            new_path = _diff_header_path(self.lines[i + 1][4:])
            i += 2
        hunks, i = self._hunks(i, end)
        if deleted:
            new_path = None
        if created:
            old_path = None
        if old_path is None and new_path is None:
            self._add(Malformed(number, None, "a diff with no file path (both sides /dev/null)"))
        elif not hunks and old_path == new_path and not deleted:
            self._add(Malformed(number, new_path, "a diff header with no hunks after it"))
        else:
            self._add(FilePatch(number, old_path, new_path, tuple(hunks)))
        return i

    def _hunks(self, i: int, end: int) -> tuple[list[DiffHunk], int]:
        """Read hunks from line `i` until something that is not part of a hunk."""
        hunks: list[DiffHunk] = []
        while i < end and not self._at_file_header(i) and not self.lines[i].startswith("diff --git "):
            line = self.lines[i]
            if line.startswith("@@"):
                header = _HUNK_HEADER.match(line)
                start = int(header.group(1)) if header else None
                i += 1
            elif line[:1] in ("+", "-", " ") and not hunks:
                start = None  # hunk lines with no @@ header at all
            else:
                break
            lines, (old_missing, new_missing), i = self._hunk_body(i, end)
            if lines:
                hunks.append(DiffHunk(tuple(lines), start, new_missing, old_missing_newline=old_missing))
        return hunks, i

    def _hunk_body(self, i: int, end: int) -> tuple[list[tuple[str, str]], tuple[bool, bool], int]:
        """A hunk's lines from line `i`, whether its old and its new side lack a final newline
        (`\\ No newline at end of file` after a line of that side), and where it ends."""
        lines: list[tuple[str, str]] = []
        old_missing = new_missing = False
        in_fence = end < len(self.lines)
        while i < end:
            line = self.lines[i]
            if line.startswith(("@@", "diff --git ", "*** ")) or self._at_file_header(i):
                break
            if line.startswith("\\"):
                if lines:
                    old_missing = old_missing or lines[-1][0] != "+"
                    new_missing = new_missing or lines[-1][0] != "-"
            elif line[:1] in ("+", "-", " "):
                lines.append((line[0], line[1:]))
            elif not line.strip():
                lines.append((" ", ""))  # a blank context line that lost its space
            elif in_fence:
                lines.append((" ", line))  # a context line that lost its space
            else:
                break
            i += 1
        while lines and lines[-1] == (" ", "") and not (old_missing or new_missing):
            lines.pop()  # blank lines after a hunk separate it from what follows
        return lines, (old_missing, new_missing), i

    # -- patch envelopes ------------------------------------------------------------------

    def _envelope(self, i: int, end: int) -> int:
        """Read the file sections of a `*** Begin Patch` envelope; return the line after it."""
        while i < end:
            line = self.lines[i].strip()
            if line == "*** End Patch":
                return i + 1
            number = len(self.edits) + 1
            header = re.match(r"^\*\*\* (Add|Delete|Update) File:\s*(.+?)\s*$", line)
            if not header:
                i += 1
                continue
            action, path = header.group(1), header.group(2)
            i += 1
            if action == "Delete":
                self._add(FilePatch(number, path, None, ()))
                continue
            new_path = path
            if i < end and self.lines[i].startswith("*** Move to:"):
                new_path = self.lines[i][len("*** Move to:") :].strip()
                i += 1
            hunks, i = self._envelope_hunks(i, end)
            if action == "Add":
                added = tuple(("+", text) for hunk in hunks for op, text in hunk.lines if op == "+")
                self._add(FilePatch(number, None, path, (DiffHunk(added, None),)))
            elif hunks or new_path != path:
                self._add(FilePatch(number, path, new_path, tuple(hunks)))
            else:
                self._add(Malformed(number, path, "an *** Update File section with no changes in it"))
        return i

    def _envelope_hunks(self, i: int, end: int) -> tuple[list[DiffHunk], int]:
        hunks: list[DiffHunk] = []
        while i < end and not self.lines[i].startswith("*** "):
            line = self.lines[i]
            anchor = None
            if line.startswith("@@"):
                anchor = line[2:].strip().removesuffix("@@").strip() or None
                i += 1
            body, _, i = self._hunk_body(i, end)
            if body:
                hunks.append(DiffHunk(tuple(body), None, anchor=anchor))
            elif not line.startswith("@@"):
                break
        while i < end and self.lines[i].strip() == "*** End of File":
            i += 1
        return hunks, i

    # -- fenced code blocks ---------------------------------------------------------------

    def _fence(self, start: int) -> int:
        """Handle a fenced block: scan into it, read it as a bare-hunk diff or a whole file, or skip it."""
        end = self.fence_ends[start]
        body = range(start + 1, end)
        if any(
            _SEARCH.match(self.lines[j])
            or self.lines[j].startswith("diff --git ")
            or self.lines[j].strip() == "*** Begin Patch"
            or self._at_file_header(j)
            for j in body
        ):
            return start + 1  # its edits are read line by line
        info = _FENCE.match(self.lines[start]).group(2)  # type: ignore[union-attr]
        in_info = _path_in_info(info)
        name = _Name(in_info) if in_info else self._name_before(start)
        if name and name.ambiguous:
            self._add(Malformed(len(self.edits) + 1, None, name.ambiguous))
            return end + 1
        path = name.path if name else None
        label = None
        if path is None and end > start + 1:
            path = label = _path_in_comment(self.lines[start + 1])
        language = info.split()[0].lower() if info.split() else ""
        if path is None:
            if language not in _NOT_FILES and (seen := self._label_before(start)):
                self._add(Malformed(len(self.edits) + 1, seen[1], (
                    f"{seen[0]!r} before this code block is not a file path: write the file's path "
                    "relative to the repository root alone on the line before the fence"
                )))
            return end + 1
        if language in ("diff", "patch") or any(self.lines[j].startswith("@@") for j in body):
            self._file_patch(start + 1 + (label is not None), end, path)
        elif end == len(self.lines) and not any(line.strip() for line in self.lines[start + 1 : end]):
            self._add(Malformed(len(self.edits) + 1, path, (
                f"the answer ended just after the code block for {path} opened, so nothing of the file came; "
                f"write it in full: {path} alone on a line, then a fenced code block holding every line of the file"
            )))
        elif end == len(self.lines):  # the answer ended inside the block: the file would be cut short
            self._add(Malformed(len(self.edits) + 1, path, (
                "its code block is never closed (the answer may have been cut off), so it may not hold "
                "the whole file; resend the complete file, ending the block with its closing fence"
            )))
        else:
            text = "".join(line + "\n" for line in self.lines[start + 1 : end])
            self._add(WholeFile(len(self.edits) + 1, path, text, self.lines[start + 1] if label else None))
        return end + 1

    def _name_before(self, fence: int) -> _Name | None:
        """The name on the line just before a fence (one blank line between is allowed)."""
        for i in (fence - 1, fence - 2):
            if i < 0:
                return None
            if self.lines[i].strip():
                return self._name_at(i)
        return None

    def _label_before(self, fence: int) -> tuple[str, str] | None:
        """A label naming a file the way an edit's path line would, but not a path, on the line
        before a fence (`**/add calc.py**`, `### Updated calc.py`): the line and the file named."""
        for i in (fence - 1, fence - 2):
            line = self.lines[i].strip() if i >= 0 else ""
            if not line:
                continue
            if i in self.fence_opening or i in self.fence_ends:
                return None
            decorated = line.startswith(("#", "**", "__", "`"))
            words = line.lstrip("#").strip("*_` :").split()
            files = [w for w in (w.strip("`*'\"():,") for w in words) if _FILE_WORD.match(w) and _looks_like_path(w)]
            if files and len(words) <= 4 and (decorated or len(words) <= 2):
                return line, files[-1]
            return None
        return None

    def _name_at(self, i: int) -> _Name | None:
        """The name line `i` holds; for the closing line of a fence around one line only, the
        name on that line (a path alone in its own fence)."""
        opening = self.fence_opening.get(i)
        if opening is None:
            return self._name_in(self.lines[i])
        if i != opening + 2:
            return None
        # One line of code (`os.path`) can look like a name: in a fence, a name must be a file
        # of the repository or have a directory.
        name = self._name_in(self.lines[opening + 1])
        if name and name.path and not (
            "/" in name.path
            or (self.known and self.known(name.path))
            or name.path.rsplit(".", 1)[-1].lower() in _SOURCE_EXTENSIONS
        ):
            return None
        return name

    def _name_in(self, line: str) -> _Name | None:
        """The path a line holding only a name gives (see the module docstring); None when the
        line does not look like a name at all."""
        readings = _readings(line)
        if not readings:
            return None
        existing = [r for r in readings if self.known and self.known(r)]
        if len(existing) > 1:
            return _Name(ambiguous=(
                f"the file name {line.strip()!r} can be read as {' or '.join(existing)}, which both exist; "
                "write the path alone on its line, without Markdown around it"
            ))
        if existing:
            return _Name(existing[0])
        plausible = [r for r in readings if _looks_like_path(r)]
        return _Name(plausible[0]) if plausible else _Name(unknown=readings[0])

    def _end_of_block(self, i: int) -> int:
        """Where the code block containing line `i` ends (the end of the text when none does)."""
        k = bisect.bisect_left(self.fence_starts, i) - 1
        if k >= 0 and self.fence_ends[self.fence_starts[k]] > i:
            return self.fence_ends[self.fence_starts[k]]
        return len(self.lines)

    def _next(self, marker: re.Pattern[str], start: int) -> int | None:
        """The first line at or after `start` matching a SEARCH/REPLACE marker."""
        lines = self.markers[marker]
        k = bisect.bisect_left(lines, start)
        return lines[k] if k < len(lines) else None

    def _add(self, edit: Edit) -> None:
        self.edits.append(edit)


def _fence_ends(lines: list[str]) -> dict[int, int]:
    """Map each opening fence line to its closing fence line (unclosed fences run to the end)."""
    ends: dict[int, int] = {}
    opening: tuple[int, str] | None = None
    for i, line in enumerate(lines):
        fence = _FENCE.match(line)
        if not fence:
            continue
        if opening is None:
            opening = (i, fence.group(1))
        elif not fence.group(2) and fence.group(1)[0] == opening[1][0] and len(fence.group(1)) >= len(opening[1]):
            ends[opening[0]] = i
            opening = None
    if opening is not None:
        ends[opening[0]] = len(lines)
    return ends


def _readings(line: str) -> list[str]:
    """The ways to read a line holding only a name, decorated as models do (`x`, **x**, # x, x:,
    "x", File: x), most likely first: without the decoration, and, when underscores wrap the name
    on both sides (`_x_`, Markdown emphasis or part of the name), with them too."""
    text = line.strip().lstrip("#").strip()
    readings: list[str] = []
    while True:
        before = text
        text = _PATH_LABEL.sub("", text).strip().rstrip(":").strip().strip("*`'\"").strip()
        wrap = len(text) - len(text.lstrip("_"))
        if wrap and text.endswith("_" * wrap) and len(text) > 2 * wrap:
            readings.append(text)
            text = text[wrap:-wrap]
        if text == before:
            break
    readings.insert(0, text)
    return [r for r in dict.fromkeys(readings) if len(r) <= 300 and _PATHLIKE.match(r)]


def _no_path(seen: str | None) -> str:
    """The refusal of a SEARCH/REPLACE block that no path comes before (`seen`: the name there)."""
    message = "a SEARCH/REPLACE block with no file path before it"
    if seen:
        message += f" ({seen!r} on the line before it is no file in the repository)"
    return message


def _path_in_comment(line: str) -> str | None:
    """The path in a code block's first line when it is a comment naming it: `# a/x.py`,
    `// File: a/x.ts`, `<!-- a/x.html -->`, `/* a/x.css */`, `-- a/x.sql`."""
    comment = re.match(r"^\s*(?:#|//|--|;|/\*|<!--)\s*(.*?)\s*(?:\*/|-->)?\s*$", line)
    if not comment:
        return None
    text = _PATH_LABEL.sub("", comment.group(1)).strip("`'\"")
    return text if re.search(r"\.[A-Za-z]\w*$", text) and _looks_like_path(text) else None


def _path_in_info(info: str) -> str | None:
    """A path in a fence's info string: ```python path/x.py, ```path/x.py or ```py:path/x.py."""
    words = info.replace(":", " ").split()
    for word in reversed(words):
        word = word.strip("`'\"")
        if ("." in word or "/" in word) and _looks_like_path(word):
            return word
    return None


def _looks_like_path(text: str) -> bool:
    if not text or len(text) > 300 or "://" in text or not _PATHLIKE.match(text):
        return False
    name = text.replace("\\", "/").rsplit("/", 1)[-1]
    return "/" in text or "." in name.strip(".") or name in _BARE_NAMES


def _git_diff_paths(rest: str) -> tuple[str | None, str | None]:
    """The two paths of a `diff --git a/x b/x` line (paths with spaces: split at " b/")."""
    if rest.startswith("a/") and " b/" in rest:
        old, new = rest[2:].split(" b/", 1)
        return old, new
    parts = rest.split()
    if len(parts) == 2:
        return _strip_prefix(parts[0]), _strip_prefix(parts[1])
    return None, None


def _diff_header_path(rest: str) -> str | None:
    """The path of a `---`/`+++` line: without a/ b/, timestamps or quotes; None for /dev/null."""
    path = rest.split("\t")[0].strip()
    path = re.sub(r"\s+\d{4}-\d\d-\d\d [\d:.]+(?: [+-]\d{4})?$", "", path).strip('"')
    if path in ("/dev/null", "dev/null", ""):
        return None
    return _strip_prefix(path)


def _strip_prefix(path: str) -> str:
    path = path.strip().strip('"')
    return path[2:] if path.startswith(("a/", "b/")) else path


def _skip_to_next_file(lines: list[str], i: int, end: int) -> int:
    while i < end and not lines[i].startswith("diff --git "):
        i += 1
    return i

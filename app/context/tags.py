"""The definitions and references of each source file, for the repo map, cached on disk.

Definitions come from the tags queries each grammar wheel ships (`queries/tags.scm`, the ones
GitHub's code navigation uses): a class, function, method or type, its line and its signature
(the head of the definition, without its body). References come from the same queries (calls,
types, classes), with imports, base classes and annotations added for Python; C and C++, whose
queries name none, count every identifier token. Matched against the names other files define,
they tell which files a file uses, which is what the ranking needs.

The tags of every file are kept in one SQLite file in the user's cache directory ($EXOSUIT_CACHE,
else the platform's), keyed by repository, path, modification time and size: a warm run parses
only the files that changed. A cache that cannot be opened or read is ignored (the tags are
parsed again), never an error.
"""

from __future__ import annotations

import marshal
import os
import re
import sqlite3
import sys
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from importlib.resources import files
from pathlib import Path, PurePosixPath

from tree_sitter import Language, Node, Parser, Query, QueryCursor

from app.context.secrets import SECRET_CONTENT

GRAMMARS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "python": ("tree_sitter_python", "language", ("tree_sitter_python",)),
    "javascript": ("tree_sitter_javascript", "language", ("tree_sitter_javascript",)),
    "typescript": ("tree_sitter_typescript", "language_typescript", ("tree_sitter_javascript", "tree_sitter_typescript")),
    "tsx": ("tree_sitter_typescript", "language_tsx", ("tree_sitter_javascript", "tree_sitter_typescript")),
    "go": ("tree_sitter_go", "language", ("tree_sitter_go",)),
    "rust": ("tree_sitter_rust", "language", ("tree_sitter_rust",)),
    "java": ("tree_sitter_java", "language", ("tree_sitter_java",)),
    "c": ("tree_sitter_c", "language", ("tree_sitter_c",)),
    "cpp": ("tree_sitter_cpp", "language", ("tree_sitter_c", "tree_sitter_cpp")),
}  # fmt: skip
"""Language -> (grammar module, its language function, the modules whose tags.scm it uses: a
TypeScript file holds JavaScript's definitions too, C++ C's)."""

EXTRA_REFERENCES = {
    "python": """
        (import_from_statement name: (dotted_name (identifier) @name)) @reference.import
        (aliased_import name: (dotted_name (identifier) @name)) @reference.import
        (class_definition superclasses: (argument_list [(identifier) @name (attribute attribute: (identifier) @name)])) @reference.class
        (type (identifier) @name) @reference.type
        (generic_type (identifier) @name) @reference.type
        (decorator [(identifier) @name (attribute attribute: (identifier) @name)]) @reference.call
        (call arguments: (argument_list (identifier) @name)) @reference.argument
        (import_from_statement module_name: (dotted_name) @module) @import.from
    """,
}
"""References the wheel's tags.scm leaves out: Python's only names calls, and a class is used as
much through imports, bases, annotations and `isinstance(x, Command)` as by being called. The
names a file imports from the standard library (`from typing import Any`) are not references to
a definition of the repository that happens to share the name."""
REGEX_REFERENCES = frozenset({"c", "cpp"})
"""Languages whose tags.scm names no references: every identifier token counts as one."""

SUFFIXES = {
    ".py": "python", ".pyi": "python", ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript",
    ".jsx": "javascript", ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
    ".go": "go", ".rs": "rust", ".java": "java", ".c": "c", ".h": "c", ".cc": "cpp", ".cpp": "cpp",
    ".cxx": "cpp", ".hh": "cpp", ".hpp": "cpp", ".hxx": "cpp",
}  # fmt: skip

MAX_FILE_BYTES = 1_000_000
"""Larger source files are left out of the map (generated, vendored or data)."""
MAX_SIGNATURE = 120
"""Characters of a signature kept (the rest is cut and marked)."""

_IDENTIFIER = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_SPACE = re.compile(r"\s+")
_SECRET_NEEDLES = (b"PRIVATE KEY-----", b"sk-", b"AKIA", b"ghp_", b"gho_", b"ghu_", b"ghs_", b"ghr_", b"xox")
"""What each of SECRET_CONTENT's shapes starts with: a file with none of them is not searched."""
CACHE_VERSION = 3
"""Bump when what is stored changes: older rows are then parsed again."""


@dataclass(frozen=True)
class Definition:
    name: str
    line: int
    """1-based."""
    signature: str
    """The definition's head on one line, indented as in the file ("    def send(self, text: str) -> None:")."""
    kind: str = "function"
    """As the tags query says: class, function, method, constant, interface, type, module, macro…"""


@dataclass(frozen=True)
class FileTags:
    definitions: tuple[Definition, ...]
    references: dict[str, int]
    """Identifier -> how many times the file names it."""


def language_of(rel: str) -> str | None:
    return SUFFIXES.get(PurePosixPath(rel).suffix.lower())


@cache
def _grammar(language: str) -> tuple[Parser, Query]:
    module, function, queries = GRAMMARS[language]
    grammar = Language(getattr(import_module(module), function)())
    text = "\n".join(files(name).joinpath("queries/tags.scm").read_text(encoding="utf-8") for name in queries)
    return Parser(grammar), Query(grammar, text + EXTRA_REFERENCES.get(language, ""))


def parse(source: bytes, language: str) -> FileTags:
    """The tags of one file's `source` in `language`."""
    parser, query = _grammar(language)
    tree = parser.parse(source)
    found: dict[tuple[int, str], Definition] = {}
    references: Counter[str] = Counter()
    standard: set[str] = set()
    kinds: dict[int, str | None] = {}
    """Pattern -> its definition, reference or import capture (each pattern has one)."""
    for pattern, captures in QueryCursor(query).matches(tree.root_node):
        if pattern not in kinds:
            kinds[pattern] = next((k for k in captures if k.startswith(("definition.", "reference.", "import."))), None)
        kind = kinds[pattern]
        if kind == "import.from":
            standard |= _from_standard_library(captures["import.from"][0], captures["module"][0])
            continue
        if kind is None or "name" not in captures:
            continue
        node, name = captures[kind][0], captures["name"][0]
        text = (name.text or b"").decode("utf-8", "replace")
        if kind.startswith("reference."):
            references[text] += 1
            continue
        line = node.start_point.row + 1
        found.setdefault((line, text), Definition(text, line, _signature(source, node), kind.removeprefix("definition.")))
    if language in REGEX_REFERENCES:
        references = Counter(m.decode("ascii") for m in _IDENTIFIER.findall(source))
    for name in standard:
        references.pop(name, None)
    return FileTags(tuple(found[key] for key in sorted(found)), dict(references))


def _from_standard_library(statement: Node, module: Node) -> set[str]:
    """The names `from <module> import …` takes from the standard library (else none)."""
    top = (module.text or b"").decode("utf-8", "replace").split(".")[0]
    if top not in sys.stdlib_module_names:
        return set()
    names = set()
    for child in statement.children_by_field_name("name"):
        imported = child.child_by_field_name("alias") or child.child_by_field_name("name") or child
        names.add((imported.text or b"").decode("utf-8", "replace"))
    return names


def _signature(source: bytes, node: Node) -> str:
    """The head of a definition: from its line's indentation to its body (or its first line's end)."""
    line_start = source.rfind(b"\n", 0, node.start_byte) + 1
    indent = source[line_start : node.start_byte]
    indent = indent[: len(indent) - len(indent.lstrip())].decode("utf-8", "replace")
    body = node.child_by_field_name("body")
    end = body.start_byte if body is not None and body.start_byte > node.start_byte else node.end_byte
    head = source[node.start_byte : end]
    if body is None:
        head = head.split(b"\n", 1)[0]
    text = _SPACE.sub(" ", head.decode("utf-8", "replace")).strip().rstrip("{=").rstrip()
    if len(text) > MAX_SIGNATURE:
        text = text[: MAX_SIGNATURE - 1] + "…"
    return indent + text


def cache_path() -> Path:
    if os.environ.get("EXOSUIT_CACHE"):
        return Path(os.environ["EXOSUIT_CACHE"]).expanduser() / "tags.sqlite"
    from platformdirs import user_cache_path

    return user_cache_path("exosuit") / "tags.sqlite"


Versions = dict[str, tuple[int, int]]
"""Repo-relative path -> (modification time in ns, size): which version of each file."""


class TagCache:
    """The tags of a repository's files, parsed once per version of each file, and the latest
    maps made from them (a map asked again of the same files is read back, not ranked again)."""

    def __init__(self, root: Path, path: Path | None = None) -> None:
        self.root = root.resolve()
        self.path = path or cache_path()
        self.parsed: list[str] = []
        """The files the latest `tags()` call parsed (the rest came from the cache)."""

    def versions(self, rels: list[str]) -> Versions:
        """The versions of those of `rels` the map reads: in one of its languages, not too large."""
        found = {}
        for rel in rels:
            try:
                stat = (self.root / rel).stat()
            except OSError:
                continue
            if language_of(rel) is not None and stat.st_size <= MAX_FILE_BYTES:
                found[rel] = (stat.st_mtime_ns, stat.st_size)
        return found

    def tags(self, versions: Versions) -> dict[str, FileTags]:
        """The tags of each file of `versions` that can be read (binary files are left out)."""
        stored = self._load()
        result = {rel: stored[rel][1] for rel, version in versions.items() if rel in stored and stored[rel][0] == version}
        todo = [rel for rel in versions if rel not in result]
        fresh = []
        for rel, data in zip(todo, _parse_files([(str(self.root / rel), language_of(rel) or "") for rel in todo])):
            if data is not None:
                result[rel] = _load(data)
                fresh.append((rel, *versions[rel], data))
        self.parsed = [row[0] for row in fresh]
        if fresh:
            self._execute("INSERT OR REPLACE INTO tags VALUES (?, ?, ?, ?, ?, ?)",
                          [(str(self.root), rel, mtime, size, CACHE_VERSION, data) for rel, mtime, size, data in fresh])
        return {rel: result[rel] for rel in versions if rel in result}

    def kept_map(self, key: str) -> tuple[str, int, int] | None:
        """The map kept under `key` (its text, files and definitions), if any."""
        rows = self._query("SELECT text, files, definitions FROM maps WHERE root = ? AND key = ?", (str(self.root), key))
        return rows[0] if rows else None

    def keep_map(self, key: str, text: str, files: int, definitions: int) -> None:
        """Keep a map under `key`, in place of the repository's older ones."""
        self._execute("DELETE FROM maps WHERE root = ?", [(str(self.root),)])
        self._execute("INSERT INTO maps VALUES (?, ?, ?, ?, ?)", [(str(self.root), key, text, files, definitions)])

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=5)
        connection.execute(
            "CREATE TABLE IF NOT EXISTS tags (root TEXT, rel TEXT, mtime_ns INTEGER, size INTEGER,"
            " version INTEGER, data BLOB, PRIMARY KEY (root, rel))"
        )
        connection.execute("CREATE TABLE IF NOT EXISTS maps (root TEXT, key TEXT, text TEXT, files INTEGER, definitions INTEGER)")
        return connection

    def _query(self, sql: str, parameters: tuple[object, ...]) -> list[tuple]:
        try:
            with self._connect() as connection:
                return connection.execute(sql, parameters).fetchall()
        except (OSError, sqlite3.Error):
            return []

    def _execute(self, sql: str, rows: list[tuple]) -> None:
        try:
            with self._connect() as connection:
                connection.executemany(sql, rows)
        except (OSError, sqlite3.Error):
            pass  # the next run parses them again

    def _load(self) -> dict[str, tuple[tuple[int, int], FileTags]]:
        rows = self._query("SELECT rel, mtime_ns, size, data FROM tags WHERE root = ? AND version = ?", (str(self.root), CACHE_VERSION))
        stored = {}
        for rel, mtime_ns, size, data in rows:
            try:
                stored[rel] = ((mtime_ns, size), _load(data))
            except (ValueError, EOFError, TypeError):
                continue  # a damaged row: parsed again
        return stored


PARALLEL_FILES = 80
"""Files to parse from which the work is shared among processes (one per core, up to 4)."""


def _parse_files(jobs: list[tuple[str, str]]) -> list[bytes | None]:
    """Each (path, language)'s tags as stored (None: unreadable or binary), in their order."""
    workers = min(os.cpu_count() or 1, 4)
    if len(jobs) >= PARALLEL_FILES and workers > 1:
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool
        from multiprocessing import get_context

        try:  # spawned, not forked: the TUI's threads must not be copied into a child
            with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
                return list(pool.map(_parse_file, jobs, chunksize=max(1, len(jobs) // (workers * 4))))
        except (OSError, BrokenProcessPool):
            pass  # no processes here: parse in this one
    return [_parse_file(job) for job in jobs]


def _parse_file(job: tuple[str, str]) -> bytes | None:
    path, language = job
    try:
        source = Path(path).read_bytes()
    except OSError:
        return None
    if b"\0" in source[:8000]:
        return None  # binary
    if any(needle in source for needle in _SECRET_NEEDLES) and SECRET_CONTENT.search(source.decode("utf-8", "replace")):
        return _dump(FileTags((), {}))  # holds a key or token: not even its signatures are shown
    return _dump(parse(source, language))


def _dump(tags: FileTags) -> bytes:
    return marshal.dumps(([(d.name, d.line, d.signature, d.kind) for d in tags.definitions], tags.references))


def _load(data: bytes) -> FileTags:
    definitions, references = marshal.loads(data)
    return FileTags(tuple(Definition(*d) for d in definitions), references)

"""The definitions the code at a cursor uses: a few repo-map lines for a completion's prompt.

A fill-in-the-middle request shows the model only the code around the cursor, so a name it uses
that is defined elsewhere (another file, or far off in this one) is one it would have to guess.
`Nearby` indexes the repository's definitions by name (through the repo map's tag cache, so an
unchanged file is never parsed again) and, for the names nearest the cursor, lists their
signatures as comment lines in the file's language, to go before the code. A suggestion never
waits for the index: until the first one is built (seconds, the first time a large repository is
parsed) there are no lines, and an index REFRESH seconds old is rebuilt in the background.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections import defaultdict
from pathlib import Path, PurePosixPath

from app.context.secrets import secret_reason
from app.context.tags import Definition, TagCache, language_of
from app.edits.paths import repo_files

MAX_LINES = 6
"""Signatures listed at most."""
PER_NAME = 2
"""Of a name's definitions, those listed at most: in the file itself first, then in a file the
shown code names (an import), then elsewhere, tests last."""
NEAR_LINES = 30
"""Lines before the cursor whose names count (and as many after, a third)."""
COMMON = 3
"""A name defined in more files than this (`get`, `run`) tells the model nothing."""
REFRESH = 30.0
"""Seconds an index is used before the repository is looked at again."""
COMMENT = {"python": "#"}
"""Language -> its line comment ("//" for the rest of the map's languages)."""
_CODE_NAME = re.compile(r"(?<=\.)[A-Za-z_]\w{2,}|\b[A-Za-z_]\w{2,}(?=\()|\b[A-Z]\w{2,}|\b\w*_\w+")
"""A name as code uses it, not as prose does: an attribute, called, capitalised or with an
underscore (and three characters at least); a plain lowercase word may be English or a local."""
_COMMENT_LINE = re.compile(r"^\s*(#|//|/?\*).*$", re.MULTILINE)

Index = dict[str, list[tuple[str, Definition]]]
"""Name -> where it is defined: (repo-relative path, definition), by path and line."""


class Nearby:
    """The repository at `root`'s definitions, by name, for completion prompts."""

    def __init__(self, root: Path, cache: TagCache | None = None) -> None:
        self.root = root
        self.cache = cache or TagCache(root)
        self._index: Index = {}
        self._modules: set[str] = set()
        """The names an import of the repository's own modules starts with (`_roots`)."""
        self._built = -REFRESH
        self._building = threading.Lock()

    def refresh(self) -> None:
        """Index the repository's definitions now (a changed file parsed again, the rest read
        from the cache; the index before kept if the cache fails)."""
        with self._building:
            rels = sorted(r for r in repo_files(self.root) if language_of(r) and not secret_reason(r))
            index: Index = defaultdict(list)
            try:
                tags = self.cache.tags(self.cache.versions(rels))
            except (OSError, sqlite3.Error):
                tags = {}
            for rel, found in tags.items():
                for definition in found.definitions:
                    index[definition.name].append((rel, definition))
            self._index, self._modules, self._built = dict(index) or self._index, _roots(rels), time.monotonic()

    def warm(self) -> None:
        """Refresh the index in a thread of its own when it is REFRESH seconds old and no
        refresh is under way."""
        if time.monotonic() - self._built >= REFRESH and not self._building.locked():
            threading.Thread(target=self.refresh, name="nearby-index", daemon=True).start()

    def lines(self, path: str, before: str, after: str, head: str = "") -> str:
        """Comment lines naming, for the names used nearest the cursor between `before` and
        `after` (the code the model is shown of `path`), where each is defined and how; "" for
        none, or a file in no language of the map. A definition the shown code holds is left out,
        and so is a name `head` (the file's start, its imports) imports from outside the repository."""
        language = language_of(path)
        if language is None:
            return ""
        self.warm()
        index = self._index
        shown = before + after
        elsewhere = _imported_from_outside(head + shown, self._modules) if language == "python" else set()
        listed: list[str] = []
        for name in _names_by_nearness(before, after):
            places = [] if name in elsewhere else index.get(name, [])
            if len({rel for rel, _ in places}) > COMMON:
                continue
            last_in_file = {rel: d for rel, d in places}  # of a file's overloads, the implementation
            unseen = [(rel, d) for rel, d in last_in_file.items() if d.signature.strip() not in shown]
            unseen.sort(key=lambda place: _closeness(place[0], path, shown))
            listed += [f"{rel}:{d.line}: {d.signature.strip()}" for rel, d in unseen[:PER_NAME]]
            if len(listed) >= MAX_LINES:
                break
        if not listed:
            return ""
        comment = COMMENT.get(language, "//")
        title = f"{comment} Definitions used below, from elsewhere in the repository:\n"
        return title + "".join(f"{comment} {line}\n" for line in listed[:MAX_LINES])


_FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+([\w.]+)[ \t]+import[ \t]+(?:\(([^)]*)\)|([^\n#]+))", re.MULTILINE)


def _roots(rels: list[str]) -> set[str]:
    """The names an import of the repository's own Python modules starts with: its packages
    (folders with an `__init__.py`), its top-level folders and modules (also under `src/` or
    `lib/`)."""
    roots = set()
    for rel in rels:
        parts = PurePosixPath(rel).parts
        if parts[-1] == "__init__.py" and len(parts) > 1:
            roots.add(parts[-2])
        inner = parts[1:] if parts[0] in ("src", "lib") and len(parts) > 1 else parts
        roots.add(PurePosixPath(inner[0]).stem)  # a top-level folder (a namespace package) or module
    return roots


def _imported_from_outside(code: str, roots: set[str]) -> set[str]:
    """The names Python `code` imports from a module the repository does not hold (`from typing
    import Any`): a definition of the same name in the repository is not the one used."""
    names: set[str] = set()
    for module, grouped, inline in _FROM_IMPORT.findall(code):
        if not module.startswith(".") and module.split(".")[0] not in roots:
            pieces = re.sub(r"#[^\n]*", "", grouped or inline).split(",")
            names.update(piece.split()[-1] for piece in pieces if piece.strip())  # `a as b` binds b
    return names


def _closeness(rel: str, path: str, shown: str) -> tuple[bool, bool, bool, str]:
    """How near `rel` is to the file `path` being edited, as a sort key (nearest first)."""
    module = rel.rsplit("/", 1)[-1].split(".")[0]
    return rel != path, module not in shown, "test" in rel, rel


def _names_by_nearness(before: str, after: str) -> list[str]:
    """The names code uses (`_CODE_NAME`) in the NEAR_LINES lines before the cursor and a third
    as many after, comment lines aside, the nearest to it first, each once."""
    near_before = _COMMENT_LINE.sub("", "\n".join(before.split("\n")[-NEAR_LINES:]))
    near_after = _COMMENT_LINE.sub("", "\n".join(after.split("\n")[: NEAR_LINES // 3]))
    distance: dict[str, int] = {}
    for match in _CODE_NAME.finditer(near_before):
        distance[match.group()] = len(near_before) - match.end()  # later matches are nearer
    for match in _CODE_NAME.finditer(near_after):
        distance[match.group()] = min(distance.get(match.group(), match.start()), match.start())
    return sorted(distance, key=lambda name: (distance[name], name))

"""The repo map: the repository's most relevant definitions as signatures, within a token budget.

Files are nodes of a graph; a file that names an identifier another file defines has an edge to
it, weighted by how often (square-rooted), split among the files defining the name, lighter for
private names (`_x`) and for names many files define (`get`, `__init__`). PageRank over that graph, personalised towards the files in the
conversation and the files defining identifiers the person mentioned, ranks the files; each file
passes its rank on to the definitions it uses (a method's or constant's share weighs less than a
top-level class's or function's; of overloads only the last is listed), and the best-ranked
definitions are listed, each
under its file with its line number and inside its enclosing class. Short public names count as
much as long ones: `Command` and `option` are a library's core API as much as `make_context`.

Everything is ordered explicitly (files by path, names sorted, ties broken by path and line), so
the same repository and conversation give a byte-identical map whatever PYTHONHASHSEED is.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from app.context.secrets import secret_reason
from app.context.tags import CACHE_VERSION, MAX_FILE_BYTES, Definition, FileTags, TagCache, language_of
from app.edits.paths import repo_files
from app.llm.meter import estimate_tokens

DEFAULT_TOKENS = 1024
DAMPING = 0.85
COMMON = 5
"""A name defined in more files than this is generic: its references weigh a tenth."""
MINOR = 0.2
"""A method (or other definition inside another) or a constant counts this much of a top-level
class or function: a method's name is often shared (`write`, `close`) and it is reached through
its class; a module-level name is often a module's own alias (`util = None`)."""


@dataclass(frozen=True)
class RepoMap:
    text: str
    """The map, "" when the repository has no source files in a language of the map."""
    files: int
    """Source files read (from the cache or parsed)."""
    parsed: int
    """Files parsed this time (the rest came from the cache)."""
    definitions: int
    """Definitions listed."""


def build(
    root: Path, *, tokens: int = DEFAULT_TOKENS, focus: tuple[str, ...] = (), mentioned: tuple[str, ...] = (),
    cache: TagCache | None = None,
) -> RepoMap:
    """The map of the repository at `root`, ranked for the files in `focus` (repo-relative: the
    conversation's files, left out of the map as the model has them) and the identifiers
    `mentioned`, at most about `tokens` long."""
    cache = cache or TagCache(root)
    versions = cache.versions(sorted(r for r in repo_files(root) if language_of(r) and not secret_reason(r)))
    key = hashlib.sha256(repr((CACHE_VERSION, sorted(versions.items()), sorted(focus), sorted(mentioned), tokens)).encode()).hexdigest()
    if kept := cache.kept_map(key):
        cache.parsed = []
        return RepoMap(kept[0], kept[1], 0, kept[2])
    tags = cache.tags(versions)
    note = left_out(tags, cache.too_large)
    text, count = render(rank(tags, set(focus), set(mentioned)), tags, tokens - estimate_tokens(note))
    text += note
    cache.keep_map(key, text, len(tags), count)
    return RepoMap(text, len(tags), len(cache.parsed), count)


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CODE_WORD = re.compile(r"`[^`\n]+`|\b[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+|\b[A-Za-z_]\w*\(|\b[A-Za-z][A-Za-z0-9]*_\w*|\b_\w+|\b[A-Za-z]+[a-z0-9][A-Z]\w*")


def mentioned_names(text: str) -> tuple[str, ...]:
    """The identifiers a person's message names as code, sorted: in backticks, called (`parse(`),
    dotted (`click.option`), snake_case, _private or camelCase (CamelCase too); plain words are
    left out, as most are English."""
    names = {name for match in _CODE_WORD.findall(text) for name in _WORD.findall(match)}
    return tuple(sorted(name for name in names if len(name) > 2))


def left_out(tags: dict[str, FileTags], too_large: list[str], named: int = 3) -> str:
    """A line saying which source files the map leaves out and why ("" for none), naming `named`
    of each kind."""
    why: dict[str, list[str]] = defaultdict(list)
    for rel in sorted(tags):
        if tags[rel].skipped:
            why[tags[rel].skipped].append(rel)
    why[f"over {MAX_FILE_BYTES // 1_000_000} MB"] = sorted(too_large)
    kinds = []
    for reason, rels in sorted(why.items()):
        if rels:
            more = f" and {len(rels) - named} more" if len(rels) > named else ""
            kinds.append(f"{reason}: {', '.join(rels[:named])}{more}")
    return f"(Left out of the map — {'; '.join(kinds)}.)\n" if kinds else ""


def rank(tags: dict[str, FileTags], focus: set[str], mentioned: set[str]) -> list[tuple[str, Definition]]:
    """Every definition outside `focus`, best first: by the rank the files using it pass on,
    then (for those nothing uses) by its file's rank."""
    files = sorted(tags)
    definers: dict[str, list[str]] = defaultdict(list)
    for rel in files:
        for name in sorted({d.name for d in tags[rel].definitions}):
            definers[name].append(rel)
    edges: dict[str, dict[tuple[str, str], float]] = {}
    """Referencing file -> (defining file, name) -> weight."""
    for rel in files:
        out: dict[tuple[str, str], float] = {}
        for name, count in sorted(tags[rel].references.items()):
            where = definers.get(name)
            if not where:
                continue
            weight = math.sqrt(count) * _importance(name, len(where), mentioned) / len(where)
            for definer in where:
                if definer != rel:
                    out[(definer, name)] = weight
        edges[rel] = out
    ranks = _pagerank(files, edges, _personalization(files, focus, mentioned, definers))
    scores: dict[tuple[str, str], float] = defaultdict(float)
    for rel in files:
        total = sum(edges[rel].values())
        for key, weight in edges[rel].items():
            scores[key] += ranks[rel] * weight / total
    ranked = [(scores.get((rel, d.name), 0.0) * _weight(d), ranks[rel], rel, d)
              for rel in files if rel not in focus for d in _distinct(tags[rel].definitions)]
    ranked.sort(key=lambda item: (-item[0], -item[1], item[2], item[3].line))
    return [(rel, d) for _, _, rel, d in ranked]


def _weight(definition: Definition) -> float:
    """How much of the rank its name earns a definition keeps: less for a method or a constant."""
    minor = definition.kind in ("method", "constant") or definition.signature[:1].isspace()
    return MINOR if minor else 1.0


def _distinct(definitions: tuple[Definition, ...]) -> list[Definition]:
    """A file's definitions with one per name and depth: the last of overloads (the implementation)."""
    last = {(d.name, len(d.signature) - len(d.signature.lstrip())): d for d in definitions}
    return sorted(last.values(), key=lambda d: d.line)


def _importance(name: str, definers: int, mentioned: set[str]) -> float:
    weight = 10.0 if name in mentioned else 1.0
    if name.startswith("_"):
        weight *= 0.1
    if definers > COMMON:
        weight *= 0.1
    return weight


def _personalization(files: list[str], focus: set[str], mentioned: set[str], definers: dict[str, list[str]]) -> dict[str, float]:
    """Where a random walk restarts: the conversation's files and the files defining what was
    mentioned; every file alike when there are none."""
    wanted = {rel for rel in files if rel in focus}
    wanted |= {rel for name in sorted(mentioned) for rel in definers.get(name, ())}
    chosen = [rel for rel in files if rel in wanted] or files
    return {rel: 1 / len(chosen) for rel in chosen}


def _pagerank(files: list[str], edges: dict[str, dict[tuple[str, str], float]], restart: dict[str, float],
              iterations: int = 100, tolerance: float = 1e-9) -> dict[str, float]:
    """Power iteration; a file that uses nothing hands its rank to the restart distribution."""
    links: dict[str, list[tuple[str, float]]] = {}
    for rel in files:
        merged: dict[str, float] = defaultdict(float)
        for (definer, _), weight in edges[rel].items():
            merged[definer] += weight
        total = sum(merged.values())
        links[rel] = [(definer, weight / total) for definer, weight in sorted(merged.items())]
    ranks = {rel: 1 / len(files) for rel in files} if files else {}
    for _ in range(iterations):
        dangling = sum(ranks[rel] for rel in files if not links[rel])
        new = {rel: (1 - DAMPING + DAMPING * dangling) * restart.get(rel, 0.0) for rel in files}
        for rel in files:
            share = DAMPING * ranks[rel]
            for definer, weight in links[rel]:
                new[definer] += share * weight
        if sum(abs(new[rel] - ranks[rel]) for rel in files) < tolerance:
            return new
        ranks = new
    return ranks


def render(ranked: list[tuple[str, Definition]], tags: dict[str, FileTags], tokens: int) -> tuple[str, int]:
    """The map of the first definitions of `ranked` that fit in `tokens`, and how many there are."""
    enclosing: dict[str, dict[Definition, tuple[Definition, ...]]] = {}
    low, high, best = 0, len(ranked), ("", 0)
    while low <= high:
        middle = (low + high) // 2
        text = _listing(ranked[:middle], tags, enclosing)
        if estimate_tokens(text) <= tokens:
            best, low = (text, middle), middle + 1
        else:
            high = middle - 1
    return best


def _listing(chosen: list[tuple[str, Definition]], tags: dict[str, FileTags],
             enclosing: dict[str, dict[Definition, tuple[Definition, ...]]]) -> str:
    """Each file of `chosen` (in the order of its best definition) with its chosen definitions in
    line order, each inside the definitions that enclose it (`enclosing` keeps them per file)."""
    by_file: dict[str, set[Definition]] = {}
    for rel, definition in chosen:
        by_file.setdefault(rel, set()).add(definition)
    blocks = []
    for rel, picked in by_file.items():
        if rel not in enclosing:
            enclosing[rel] = _enclosing(tags[rel].definitions)
        shown = set(picked)
        for definition in picked:
            shown.update(enclosing[rel][definition])
        lines = [f"{d.line:>5}│{d.signature}" for d in sorted(shown, key=lambda d: (d.line, d.name))]
        blocks.append(f"{rel}\n" + "\n".join(lines))
    return "\n\n".join(blocks) + "\n" if blocks else ""


def _enclosing(definitions: tuple[Definition, ...]) -> dict[Definition, tuple[Definition, ...]]:
    """Each definition of a file -> the definitions it sits inside, judged by indentation."""
    result, stack = {}, []
    for definition in definitions:  # in line order
        depth = len(definition.signature) - len(definition.signature.lstrip())
        while stack and stack[-1][0] >= depth:
            stack.pop()
        result[definition] = tuple(d for _, d in stack)
        stack.append((depth, definition))
    return result

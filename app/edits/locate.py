"""Finding where a SEARCH text (or a diff hunk's old lines) sits in a file, and splicing in its replacement.

Matching is tried in this order, and the first rule that finds anything decides:

1. exact (line endings aside);
2. ignoring trailing whitespace and blank lines (of several places, the one with exactly the
   model's blank lines wins);
3. as 2, with every line shifted by the same indentation (the replacement is shifted back);
4. `...` elision lines (`...`, `# ... existing code ...`, not lines of the file itself)
   standing for unchanged lines, each piece between them matched by rules 1-3; the elided lines
   must stay inside their block (none indented less than the `...` line and both lines around
   it), except after the last changed piece, whose following lines need only come later. The
   pieces may be found several ways as long as the changed ones are always in the same place.

A rule that finds more than one place refuses (`Ambiguous`), and so does finding nothing
(`NotFound`, with the closest lines of the file for the model to correct itself).

The tolerance is for *finding* the text only. Which lines change is read from SEARCH and
REPLACE exactly, whitespace included: a line the model changed, if only in its whitespace (four
spaces become an empty line, a tab becomes spaces), is written exactly as the model wrote it
(shifted to the file's indentation under rule 3); a line it left the same in SEARCH and REPLACE
is kept byte for byte from the file, with the file's whitespace where the model's SEARCH was
sloppy, and so are the blank lines the model did not reproduce.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass

_ELISION_COMMENT = re.compile(r"^(?:#|//|/\*|<!--|--|;|%|\*)\s*(.*?)\s*(?:\*/|-->)?$")
_ELISION_PHRASE = re.compile(r"\b(?:existing code|unchanged|rest of (?:the )?\w+|remaining \w+)\b", re.I)
_DOTS = re.compile(r"^[(\[]?(?:\.\.\.|…)|(?:\.\.\.|…)[)\]]?$")
_ELIDING_WORD = re.compile(
    r"\b(?:existing|unchanged|unmodified|rest|remaining|same|other|others|omitted|elided|skipped|snip|snipped"
    r"|previous|more|code|keep|etc|brevity|truncated)\b",
    re.I,
)


class LocateError(Exception):
    """The edit's text could not be placed; the message is written for the model."""


class NotFound(LocateError):
    pass


class Ambiguous(LocateError):
    pass


@dataclass(frozen=True)
class _Shift:
    """An indentation difference: the file's lines are the model's lines with `add` in front, or
    with `remove` taken off."""

    add: str = ""
    remove: str = ""

    def to_file(self, line: str) -> str | None:
        """A model line shifted to the file's indentation (None if it cannot be)."""
        if not line.strip():
            return line
        if self.remove:
            return line[len(self.remove) :] if line.startswith(self.remove) else None
        return self.add + line


@dataclass(frozen=True)
class _Match:
    """Model lines [0, len) found in the file: `positions[k]` is the file line of model line k
    (None for the model's blank lines), and the match spans file lines [start, end)."""

    start: int
    end: int
    positions: tuple[int | None, ...]
    shift: _Shift


def is_elision(line: str) -> bool:
    """True for a line that stands for omitted code: `...`, `# ...`, `// ... existing code ...`,
    `# ... other methods ...`; not for a comment that only has dots, like `# ...socket API...`."""
    text = line.strip()
    if text in ("...", "…", "[...]"):
        return True
    comment = _ELISION_COMMENT.match(text)
    if not comment:
        return False
    words = comment.group(1)
    if _ELISION_PHRASE.search(words):
        return True
    # dots at an end elide only when the words say so: `# ...socket API...` is a real comment
    return bool(_DOTS.search(words)) and (not words.strip(".…()[] ") or bool(_ELIDING_WORD.search(words)))


def replace_lines(
    file_lines: list[str], search: list[str], replace: list[str], hint: int | None = None, floor: int = 0
) -> tuple[int, int, list[str]]:
    """Where `search` is in `file_lines` and what replaces it: (start, end, new lines).

    `file_lines` keep their line endings, and so do the lines copied from them into the result;
    `search` and `replace` have none, nor do the result's lines that come from `replace`.
    Between several places, two things can settle the choice (both used for diff hunks): the
    places starting before `floor` are dropped (hunks come in file order), and `hint`, a 0-based
    line number, picks the place starting exactly there. Raises NotFound or Ambiguous.
    """
    contents = [_content(line) for line in file_lines]
    matches = _find(contents, search, hint, floor)
    if not matches and elision_lines(contents, search):
        return _replace_elided(file_lines, contents, search, replace)
    if not matches:
        raise NotFound(_not_found(contents, search))
    return matches[0].start, matches[0].end, _splice(file_lines, search, replace, matches[0])


def _find(contents: list[str], search: list[str], hint: int | None, floor: int) -> list[_Match]:
    """The place `search` matches (see `_places`), or none; Ambiguous when several."""
    matches = _places(contents, search)
    if len(matches) > 1:
        matches = [m for m in matches if m.start >= floor] or matches
    if len(matches) > 1 and hint is not None:
        matches = [m for m in matches if m.start == hint] or matches
    if len(matches) > 1:
        lines = ", ".join(str(m.start + 1) for m in matches[:5])
        raise Ambiguous(
            f"the text matches {len(matches)} places (starting at lines {lines}); "
            "include more of the surrounding lines so that it matches exactly one place"
        )
    return matches


def places(file_lines: list[str], search: list[str], floor: int = 0) -> list[tuple[int, int]]:
    """The file lines [start, end) of every place `search` matches (by the first rule that finds
    any) starting at or after `floor`."""
    contents = [_content(line) for line in file_lines]
    return [(m.start, m.end) for m in _places(contents, search) if m.start >= floor]


def _same_blank_lines(matches: list[_Match], size: int) -> list[_Match]:
    """Of several matches, those where the file has the model's blank lines exactly (each model
    line pairs with the file line at the same offset), if any: blank lines are ignored only when
    that is needed to find the text."""
    if len(matches) < 2:
        return matches
    return [m for m in matches if m.end - m.start == size and None not in m.positions] or matches


def _exact(contents: list[str], search: list[str]) -> list[_Match]:
    n = len(search)
    if not n or not any(s.strip() for s in search):
        return []
    return [
        _Match(i, i + n, tuple(range(i, i + n)), _Shift())
        for i in range(len(contents) - n + 1)
        if contents[i] == search[0] and contents[i : i + n] == search
    ]


def _loose(contents: list[str], search: list[str]) -> list[_Match]:
    return _shifted(contents, search, shift_allowed=False)


def _shifted(contents: list[str], search: list[str], shift_allowed: bool = True) -> list[_Match]:
    """Matches of the non-blank lines of `search`, trailing whitespace ignored, indentation
    shifted uniformly when `shift_allowed`."""
    wanted = [(k, s.rstrip()) for k, s in enumerate(search) if s.strip()]
    if not wanted:
        return []
    lines = [(i, c.rstrip()) for i, c in enumerate(contents) if c.strip()]
    first = wanted[0][1]
    matches = []
    for p in range(len(lines) - len(wanted) + 1):
        line = lines[p][1]
        if shift_allowed:
            if line.lstrip() != first.lstrip() or line == first:
                continue
            shift = _shift_between(first, line)
            if shift is None:
                continue
        elif line == first:
            shift = _Shift()
        else:
            continue
        if all(shift.to_file(s) == lines[p + j][1] for j, (_, s) in enumerate(wanted)):
            anchors = [(k, lines[p + j][0]) for j, (k, _) in enumerate(wanted)]
            matches.append(_aligned(contents, len(search), anchors, shift))
    return matches


def _aligned(contents: list[str], size: int, anchors: list[tuple[int, int]], shift: _Shift) -> _Match:
    """A match from its non-blank lines' places (model line, file line), pairing the model's
    blank lines with the file's wherever both have the same number of them in a row."""
    positions: list[int | None] = [None] * size
    for k, i in anchors:
        positions[k] = i
    for (k1, i1), (k2, i2) in zip(anchors, anchors[1:]):
        if k2 - k1 == i2 - i1:
            positions[k1 + 1 : k2] = range(i1 + 1, i2)
    (first_k, first_i), (last_k, last_i) = anchors[0], anchors[-1]
    start, end = first_i, last_i + 1
    if first_k <= first_i and all(not line.strip() for line in contents[first_i - first_k : first_i]):
        positions[:first_k] = range(first_i - first_k, first_i)
        start = first_i - first_k
    trailing = size - 1 - last_k
    if last_i + trailing < len(contents) and all(not c.strip() for c in contents[last_i + 1 : last_i + 1 + trailing]):
        positions[last_k + 1 :] = range(last_i + 1, last_i + 1 + trailing)
        end = last_i + 1 + trailing
    return _Match(start, end, tuple(positions), shift)


def _shift_between(model: str, file: str) -> _Shift | None:
    model_indent = model[: len(model) - len(model.lstrip())]
    file_indent = file[: len(file) - len(file.lstrip())]
    if file_indent.startswith(model_indent):
        return _Shift(add=file_indent[len(model_indent) :])
    if model_indent.startswith(file_indent):
        return _Shift(remove=model_indent[len(file_indent) :])
    return None


_BLANK_LINES_DIFFER = (
    "the text matches only with blank lines ignored, and where the change goes the file has a "
    "different number of blank lines; copy the blank lines there exactly from the file"
)


def _splice(file_lines: list[str], search: list[str], replace: list[str], match: _Match) -> list[str]:
    """The lines that replace file lines [match.start, match.end).

    Runs that SEARCH and REPLACE share are copied from the file (so its exact whitespace and
    blank lines survive, including blank lines the model left out); the model's changed lines
    are shifted to the file's indentation.
    """
    out: list[str] = []
    cursor = match.start
    old, new = search, replace  # compared exactly: a whitespace-only change is a change
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        mapped = [p for p in match.positions[i1:i2] if p is not None]
        if tag == "equal":
            if mapped:
                out += file_lines[cursor : mapped[-1] + 1]
                cursor = mapped[-1] + 1
            continue
        if _uncertain(match.positions, old, new, (i1, i2, j1, j2)):
            raise Ambiguous(_BLANK_LINES_DIFFER)
        if mapped:
            out += file_lines[cursor : mapped[0]]
            cursor = mapped[-1] + 1
        for line in replace[j1:j2]:
            shifted = match.shift.to_file(line)
            if shifted is None:
                raise NotFound(
                    f"the replacement line {line.strip()!r} is indented less than the SEARCH text, "
                    "so it cannot be re-indented to match the file; copy the indentation from the file"
                )
            out.append(shifted)
    return out + file_lines[cursor : match.end]


def _uncertain(
    positions: tuple[int | None, ...], old: list[str], new: list[str], op: tuple[int, int, int, int]
) -> bool:
    """True when a change (model lines old[i1:i2] becoming new[j1:j2]) cannot be placed exactly
    among blank lines of the file that the model left out: wherever the change can slide (see
    `_slide_range`), it must not touch a model blank line the file lacks, insert where the file
    has left-out blank lines, or span them."""
    lo, hi = _slide_range(old, new, op)
    if any(positions[k] is None for k in range(lo, hi)):
        return True

    def gap(k: int) -> bool:
        """Whether the file has lines the model left out between model lines k - 1 and k."""
        if not 0 < k < len(positions):
            return False
        before, after = positions[k - 1], positions[k]
        return before is None or after is None or after - before > 1

    inserts = op[0] == op[1]
    return any(gap(k) for k in (range(lo, hi + 1) if inserts else range(lo + 1, hi)))


def _slide_range(old: list[str], new: list[str], op: tuple[int, int, int, int]) -> tuple[int, int]:
    """The model lines a change may equally cover: the lowest start and highest end it reaches
    by sliding along equal lines (deleting one of two equal lines deletes either of them)."""
    i1, i2, j1, j2 = op
    while (
        i1 > 0 and j1 > 0 and old[i1 - 1] == new[j1 - 1]
        and (i1 == i2 or old[i2 - 1] == old[i1 - 1]) and (j1 == j2 or new[j2 - 1] == new[j1 - 1])
    ):
        i1, i2, j1, j2 = i1 - 1, i2 - 1, j1 - 1, j2 - 1
    lowest = i1
    i1, i2, j1, j2 = op
    while (
        i2 < len(old) and j2 < len(new) and old[i2] == new[j2]
        and (i1 == i2 or old[i1] == old[i2]) and (j1 == j2 or new[j1] == new[j2])
    ):
        i1, i2, j1, j2 = i1 + 1, i2 + 1, j1 + 1, j2 + 1
    return lowest, i2


def elision_lines(file_lines: list[str], lines: list[str]) -> set[int]:
    """Which of `lines` are elisions: lines like `# ...` (see `is_elision`) that the file itself lacks."""
    present = {line.strip() for line in file_lines}
    return {k for k, line in enumerate(lines) if is_elision(line) and line.strip() not in present}


def _split(lines: list[str], at: set[int]) -> list[list[str]]:
    """`lines` cut into pieces at the lines numbered in `at` (which belong to no piece)."""
    pieces: list[list[str]] = [[]]
    for k, line in enumerate(lines):
        if k in at:
            pieces.append([])
        else:
            pieces[-1].append(line)
    return pieces


def _replace_elided(
    file_lines: list[str], contents: list[str], search: list[str], replace: list[str]
) -> tuple[int, int, list[str]]:
    """SEARCH with elisions: each piece is found in order, the elided lines between are kept.

    REPLACE must elide the same number of times; its pieces replace SEARCH's one for one. The
    edit is placed when every way of finding the pieces puts the changed ones in the same place.
    """
    elided = elision_lines(contents, search)
    pieces, new_pieces = _split(search, elided), _split(replace, elision_lines(contents, replace))
    if len(new_pieces) != len(pieces):
        raise NotFound(
            f"SEARCH has {len(pieces) - 1} elided part(s) ('...') but REPLACE has {len(new_pieces) - 1}; "
            "use the same '...' lines in both, or write the lines out in full"
        )
    if any(not any(line.strip() for line in piece) for piece in pieces):
        raise NotFound("SEARCH starts, ends or is made of '...' lines; quote real lines around each '...'")
    changed = [k for k, (a, b) in enumerate(zip(pieces, new_pieces)) if a != b]
    markers = [_indent(search[k]) for k in sorted(elided)]
    options = [_places(contents, piece) for piece in pieces]
    chains = _chains(contents, options, markers) or _chains_with_loose_tail(contents, options, markers, changed)
    if not chains:
        raise NotFound(_not_found(contents, [line for piece in pieces for line in piece]))
    if len({tuple(chain[k] for k in changed) for chain in chains}) > 1:
        raise Ambiguous(
            "with its '...' elisions the text matches more than one place; "
            "include more lines around each '...' so that it matches exactly one place"
        )
    chain = chains[0]
    out: list[str] = []
    for k, match in enumerate(chain):
        if k:
            out += file_lines[chain[k - 1].end : match.start]
        out += _splice(file_lines, pieces[k], new_pieces[k], match)
    return chain[0].start, chain[-1].end, out


def _places(contents: list[str], search: list[str]) -> list[_Match]:
    """Every place `search` matches by the first rule that finds any (see the module docstring)."""
    for rule in (_exact, _loose, _shifted):
        matches = _same_blank_lines(rule(contents, search), len(search))
        if matches:
            return matches
    return []


def _chains(contents: list[str], options: list[list[_Match]], markers: list[int]) -> list[list[_Match]]:
    """The ways to pick one place per piece: in file order, without overlap, and with each
    elided part inside the block it stands in (see `_within_block`). More than 1000 partial ways
    are refused as ambiguous."""
    chains: list[list[_Match]] = [[m] for m in options[0]]
    for k, candidates in enumerate(options[1:]):
        chains = [
            chain + [m] for chain in chains for m in candidates
            if m.start >= chain[-1].end and _within_block(contents, chain[-1], m, markers[k])
        ]
        if len(chains) > 1000:
            raise Ambiguous(
                "with its '...' elisions the text matches too many ways; "
                "include more lines around each '...' so that it matches exactly one place"
            )
    return chains


def _chains_with_loose_tail(
    contents: list[str], options: list[list[_Match]], markers: list[int], changed: list[int]
) -> list[list[_Match]]:
    """The chains of the pieces up to the last changed one, when the unchanged pieces after it
    follow somewhere later but not inside the block (`...` there reached past its end). Those
    pieces neither count as context nor narrow the choice: they are left out of the chains."""
    head = changed[-1] + 1 if changed else len(options)
    if head == len(options):
        return []
    chains = _chains(contents, options[:head], markers)
    tail = [[(m.start, m.end) for m in candidates] for candidates in options[head:]]
    return chains if any(fit_in_order(chain[-1].end, tail) for chain in chains) else []


def fit_in_order(start: int, spans: list[list[tuple[int, int]]]) -> bool:
    """True when one of each list of [start, end) spans can be picked, each after the one before
    and the first at or after `start`."""
    for candidates in spans:
        ends = [end for begin, end in candidates if begin >= start]
        if not ends:
            return False
        start = min(ends)
    return True


def _within_block(contents: list[str], before: _Match, after: _Match, marker: int) -> bool:
    """True when the elided lines stay inside the block around the '...': none is indented less
    than the line before it, the line after it and the '...' line itself (shifted to the file)."""
    last = max(p for p in before.positions if p is not None)
    first = min(p for p in after.positions if p is not None)
    marker += len(before.shift.add) - len(before.shift.remove)
    floor = min(marker, _indent(contents[last]), _indent(contents[first]))
    return all(_indent(line) >= floor for line in contents[last + 1 : first] if line.strip())


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def contains(file_lines: list[str], lines: list[str]) -> bool:
    """True when `lines` occur in the file by rules 1-3 (once or more)."""
    contents = [_content(line) for line in file_lines]
    return any(rule(contents, lines) for rule in (_exact, _loose, _shifted))


def _content(line: str) -> str:
    return line.rstrip("\r\n")


def _not_found(contents: list[str], search: list[str]) -> str:
    """Why the text was not found, with the file's closest lines for the model to copy."""
    closest = closest_lines(contents, search)
    if closest is None:
        return "the text was not found in the file, and no similar lines were either; check the file path"
    start, end = closest
    body = "\n".join(contents[start:end])
    where = f"line is {start + 1}" if end - start == 1 else f"lines are {start + 1}-{end}"
    return (
        f"the text was not found in the file. The closest {where}:\n"
        f"```\n{body}\n```\n"
        "Copy the lines to change exactly from the file (whitespace included) and resend the edit."
    )


def closest_lines(contents: list[str], search: list[str]) -> tuple[int, int] | None:
    """The file range most like `search` (as [start, end)), or None when nothing is similar."""
    wanted = [s.strip() for s in search if s.strip()]
    if not wanted:
        return None
    index: dict[str, list[int]] = {}
    for i, line in enumerate(contents):
        index.setdefault(line.strip(), []).append(i)
    votes: Counter[int] = Counter()
    for k, s in enumerate(search):
        for i in index.get(s.strip(), [])[:50] if s.strip() else []:
            votes[i - k] += 1
    if not votes:  # no line is exactly there: vote with similar lines instead
        stripped = list(index)
        for k, s in [(k, s) for k, s in enumerate(search) if s.strip()][:5]:
            for similar in difflib.get_close_matches(s.strip(), stripped, n=3, cutoff=0.6):
                for i in index[similar][:50]:
                    votes[i - k] += 1
    size = len(search)
    best: tuple[float, int] | None = None
    for start, _ in votes.most_common(8):
        start = max(0, start)
        window = [c.strip() for c in contents[start : start + size] if c.strip()]
        ratio = difflib.SequenceMatcher(None, "\n".join(wanted), "\n".join(window)).ratio()
        if best is None or ratio > best[0]:
            best = (ratio, start)
    if best is None or best[0] < 0.5:
        return None
    return best[1], min(len(contents), best[1] + size)

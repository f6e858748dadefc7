"""ChangeSet: what a set of edits would do to the repo, file by file and hunk by hunk.

A file's change is cut into *blocks* (maximal runs of changed lines, by patience diff) and the blocks
are grouped into *hunks* (blocks closer than 2 * CONTEXT lines share a hunk, as in `diff -U3`).
Any subset of hunks can be applied: every block is taken either whole from the new text or whole
from the old one, so the result is always a consistent file. Splitting a hunk gives each of its
blocks a hunk of its own. Each hunk's lines are a `unidiff.Hunk`, made when first read, so
`str(hunk.diff)` is its unified-diff text.
"""

from __future__ import annotations

import bisect
import difflib
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from unidiff.patch import LINE_TYPE_ADDED, LINE_TYPE_CONTEXT, LINE_TYPE_REMOVED
from unidiff.patch import Hunk as UnidiffHunk
from unidiff.patch import Line as UnidiffLine

CONTEXT = 3
"""Unchanged lines shown around each change, as in `diff -U3`."""


class Block(NamedTuple):
    """One run of changed lines: old lines [old_lo, old_hi) become new lines [new_lo, new_hi)."""

    old_lo: int
    old_hi: int
    new_lo: int
    new_hi: int


@dataclass(eq=False)
class Hunk:
    """Blocks shown and decided together: their changed lines and up to CONTEXT unchanged lines
    around each. Its unified-diff lines (`diff`) are made when first read."""

    blocks: tuple[int, ...]
    """Indices into the file's `blocks`."""
    old: range
    """The old lines shown (0-based, context included)."""
    new: range
    """The new lines shown."""
    removed: int
    added: int
    old_lines: list[str] = field(repr=False)
    new_lines: list[str] = field(repr=False)
    changes: tuple[Block, ...] = field(repr=False)
    """The blocks themselves."""
    mode: tuple[str, str] | None = None
    """For the hunk of a mode change, the git modes before and after (no blocks, no lines)."""

    @property
    def header(self) -> str:
        """The `@@ -a,b +c,d @@` line, or for a mode change `mode 100644 → 100755`."""
        if self.mode:
            return f"mode {self.mode[0]} → {self.mode[1]}"
        return f"@@ -{_start(self.old)},{len(self.old)} +{_start(self.new)},{len(self.new)} @@"

    @property
    def line_count(self) -> int:
        """Lines in `diff`: context, removed and added."""
        return len(self.old) + self.added

    @cached_property
    def diff(self) -> UnidiffHunk:
        diff = UnidiffHunk(_start(self.old), len(self.old), _start(self.new), len(self.new))
        old_pos, new_pos = self.old.start, self.new.start
        for block in self.changes:
            self._context(diff, old_pos, block.old_lo, new_pos)
            for i in range(block.old_lo, block.old_hi):
                diff.append(UnidiffLine(self.old_lines[i], LINE_TYPE_REMOVED, source_line_no=i + 1))
            for j in range(block.new_lo, block.new_hi):
                diff.append(UnidiffLine(self.new_lines[j], LINE_TYPE_ADDED, target_line_no=j + 1))
            old_pos, new_pos = block.old_hi, block.new_hi
        self._context(diff, old_pos, self.old.stop, new_pos)
        return diff

    @property
    def text(self) -> str:
        """The hunk as unified-diff text, marking a last line that has no newline (for a mode
        change, git's `old mode` and `new mode` lines)."""
        if self.mode:
            return f"old mode {self.mode[0]}\nnew mode {self.mode[1]}\n"
        lines = [self.header + "\n"]
        for line in self.diff:
            text = f"{line.line_type}{line.value}"
            lines.append(text if text.endswith("\n") else text + "\n\\ No newline at end of file\n")
        return "".join(lines)

    def _context(self, diff: UnidiffHunk, old_lo: int, old_hi: int, new_lo: int) -> None:
        """Append unchanged old lines [old_lo, old_hi), which are new lines from `new_lo`, to `diff`."""
        for i in range(old_lo, old_hi):
            number = new_lo + i - old_lo + 1
            diff.append(UnidiffLine(self.old_lines[i], LINE_TYPE_CONTEXT, source_line_no=i + 1, target_line_no=number))


def _start(lines: range) -> int:
    """A hunk side's start as a unified diff writes it: 1-based, or the line before an empty side."""
    return lines.start + 1 if lines else lines.start


@dataclass
class FileChange:
    """The change to one file. `old_text` is None for a new file, `new_text` None for a deletion.

    Texts are exactly what is (or will be) on disk, line endings included. Modes are git's
    ("100644", "100755"), None where not known; when both are known and differ, `hunks[0]` is
    the mode change.
    """

    path: str
    """Repo-relative POSIX path of the file after the change."""
    old_text: str | None
    new_text: str | None
    old_path: str | None = None
    """For a rename, the path before it."""
    old_mode: str | None = None
    new_mode: str | None = None
    edits: tuple[int, ...] = ()
    """The numbers of the model's edits that made this change (see `build_changeset`)."""
    flag: tuple[int, str] | None = None
    """(1-based line of the new text, message): a problem the review shows in red on the hunk
    holding that line, e.g. a syntax error the edits add."""
    blocks: list[Block] = field(init=False)
    hunks: list[Hunk] = field(init=False)

    def __post_init__(self) -> None:
        self._old_lines = split_lines(self.old_text or "")
        self._new_lines = split_lines(self.new_text or "")
        self.blocks = changed_blocks(self._old_lines, self._new_lines)
        mode = self._mode_hunk()
        self.hunks = [mode] * bool(mode) + [self._make_hunk(group) for group in self._group(range(len(self.blocks)))]

    @property
    def is_new(self) -> bool:
        return self.old_text is None

    @property
    def flagged_hunk(self) -> int | None:
        """The index of the hunk `flag` belongs to: the one showing its line, else the last one
        before it (else the first)."""
        if self.flag is None or not self.hunks:
            return None
        line = self.flag[0] - 1
        before = [i for i, hunk in enumerate(self.hunks) if not hunk.mode and hunk.new.start <= line]
        return next((i for i in before if line in self.hunks[i].new), before[-1] if before else 0)

    @property
    def is_deleted(self) -> bool:
        return self.new_text is None

    @property
    def is_rename(self) -> bool:
        return self.old_path is not None and self.old_path != self.path

    def text_with(self, accepted: Collection[int]) -> str | None:
        """The file's text with only the hunks at the `accepted` indices applied.

        None means the file should not exist (a new file with nothing accepted, or an accepted
        deletion).
        """
        chosen = {b for i in accepted for b in self.hunks[i].blocks}
        if self.is_deleted:
            return None if chosen or not self.blocks else self.old_text
        if self.is_new and not chosen and self.blocks:
            return None
        out: list[str] = []
        pos = 0
        for index, block in enumerate(self.blocks):
            out += self._old_lines[pos : block.old_lo]
            if index in chosen:
                out += self._new_lines[block.new_lo : block.new_hi]
            else:
                out += self._old_lines[block.old_lo : block.old_hi]
            pos = block.old_hi
        out += self._old_lines[pos:]
        return "".join(out)

    def mode_with(self, accepted: Collection[int]) -> str | None:
        """The file's mode with only the hunks at the `accepted` indices applied."""
        changed = any(self.hunks[i].mode for i in accepted)
        return self.new_mode if changed else self.old_mode

    def split(self, hunk_index: int) -> bool:
        """Give each block of a hunk a hunk of its own. False when it has a single block."""
        hunk = self.hunks[hunk_index]
        if len(hunk.blocks) < 2:
            return False
        self.hunks[hunk_index : hunk_index + 1] = [self._make_hunk((b,)) for b in hunk.blocks]
        return True

    def proposed_text(self, hunk_index: int) -> str:
        """The new lines a hunk proposes: from its first changed line to its last, no context."""
        hunk = self.hunks[hunk_index]
        if hunk.mode:
            raise ValueError(f"{self.path}: a mode change has no lines")
        first, last = self.blocks[hunk.blocks[0]], self.blocks[hunk.blocks[-1]]
        return "".join(self._new_lines[first.new_lo : last.new_hi])

    def edit_hunk(self, hunk_index: int, text: str) -> bool:
        """Replace what a hunk proposes (see `proposed_text`) with `text`; other hunks keep theirs.

        The edited lines are diffed against the old lines they replace, giving the hunk new
        blocks. When the edit leaves nothing changed the hunk is removed and False is returned.
        A missing final line ending is added unless the hunk ends the file without one.
        """
        if self.is_deleted:
            raise ValueError(f"{self.path}: a deletion has no proposed text to edit")
        hunk = self.hunks[hunk_index]
        if hunk.mode:
            raise ValueError(f"{self.path}: a mode change has no lines to edit")
        first, last = self.blocks[hunk.blocks[0]], self.blocks[hunk.blocks[-1]]
        old_lo, old_hi, new_lo, new_hi = first.old_lo, last.old_hi, first.new_lo, last.new_hi
        eol = "\r\n" if self._new_lines and self._new_lines[0].endswith("\r\n") else "\n"
        text = text.replace("\r\n", "\n").replace("\n", eol)
        at_eof_without_eol = new_hi == len(self._new_lines) > 0 and not self._new_lines[-1].endswith("\n")
        if text and not text.endswith("\n") and not at_eof_without_eol:
            text += eol
        lines = split_lines(text)
        edited = [
            Block(old_lo + b.old_lo, old_lo + b.old_hi, new_lo + b.new_lo, new_lo + b.new_hi)
            for b in changed_blocks(self._old_lines[old_lo:old_hi], lines)
        ]
        shift = len(lines) - (new_hi - new_lo)
        after = [
            Block(b.old_lo, b.old_hi, b.new_lo + shift, b.new_hi + shift)
            for b in self.blocks[hunk.blocks[-1] + 1 :]
        ]
        self._new_lines = self._new_lines[:new_lo] + lines + self._new_lines[new_hi:]
        self.new_text = "".join(self._new_lines)
        self.blocks = self.blocks[: hunk.blocks[0]] + edited + after
        delta = len(edited) - len(hunk.blocks)
        start = hunk.blocks[0]
        mode = [h for h in self.hunks[:hunk_index] if h.mode]
        groups = [h.blocks for h in self.hunks[len(mode) : hunk_index]]
        groups += [tuple(range(start, start + len(edited)))] if edited else []
        groups += [tuple(b + delta for b in h.blocks) for h in self.hunks[hunk_index + 1 :]]
        self.hunks = mode + [self._make_hunk(group) for group in groups]
        return bool(edited)

    def unified_diff(self) -> str:
        """The whole change as unified-diff text (a mode change as git writes it, `--- a/…`,
        `+++ b/…`, hunks)."""
        old = f"a/{self.old_path or self.path}" if not self.is_new else "/dev/null"
        new = f"b/{self.path}" if not self.is_deleted else "/dev/null"
        mode = "".join(h.text for h in self.hunks if h.mode)
        return mode + f"--- {old}\n+++ {new}\n" + "".join(h.text for h in self.hunks if not h.mode)

    def _group(self, indices: range) -> list[tuple[int, ...]]:
        groups: list[list[int]] = []
        for index in indices:
            if groups and self.blocks[index].old_lo - self.blocks[groups[-1][-1]].old_hi <= 2 * CONTEXT:
                groups[-1].append(index)
            else:
                groups.append([index])
        return [tuple(g) for g in groups]

    def _mode_hunk(self) -> Hunk | None:
        old, new = self.old_mode, self.new_mode
        if old is None or new is None or old == new or self.is_deleted:
            return None
        return Hunk((), range(0), range(0), 0, 0, self._old_lines, self._new_lines, (), (old, new))

    def _make_hunk(self, block_indices: tuple[int, ...]) -> Hunk:
        changes = tuple(self.blocks[index] for index in block_indices)
        first, last = changes[0], changes[-1]
        old_lo = max(0, first.old_lo - CONTEXT)
        old_hi = min(len(self._old_lines), last.old_hi + CONTEXT)
        new_lo = first.new_lo - (first.old_lo - old_lo)
        new_hi = last.new_hi + (old_hi - last.old_hi)
        return Hunk(
            blocks=block_indices,
            old=range(old_lo, old_hi),
            new=range(new_lo, new_hi),
            removed=sum(b.old_hi - b.old_lo for b in changes),
            added=sum(b.new_hi - b.new_lo for b in changes),
            old_lines=self._old_lines,
            new_lines=self._new_lines,
            changes=changes,
        )


def split_lines(text: str) -> list[str]:
    """`text` cut after each "\\n", endings kept. Unlike str.splitlines, other characters such as
    form feeds or U+2028 do not end a line (as for git and diff)."""
    lines = text.splitlines(keepends=True)
    if len(lines) == text.count("\n") + (not text.endswith("\n") and bool(text)):
        return lines  # no other line break in it (the quick, usual case)
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def changed_blocks(old: list[str], new: list[str]) -> list[Block]:
    """The runs of changed lines between `old` and `new`, by patience diff (as `git diff
    --patience`): lines that occur once in both, in the same order, are matched first, and each
    gap between them is diffed the same way; a gap with no such line is left to difflib. Common
    starts and ends are set aside at each step. Large files with small changes stay fast, and
    lines that moved or repeat (blank lines, `}`) don't pull unrelated code into a change."""
    blocks: list[Block] = []
    regions = [(0, len(old), 0, len(new))]
    while regions:
        old_lo, old_hi, new_lo, new_hi = regions.pop()
        while old_lo < old_hi and new_lo < new_hi and old[old_lo] == new[new_lo]:
            old_lo, new_lo = old_lo + 1, new_lo + 1
        while old_lo < old_hi and new_lo < new_hi and old[old_hi - 1] == new[new_hi - 1]:
            old_hi, new_hi = old_hi - 1, new_hi - 1
        if old_lo == old_hi or new_lo == new_hi or set(old[old_lo:old_hi]).isdisjoint(new[new_lo:new_hi]):
            if old_lo < old_hi or new_lo < new_hi:
                blocks.append(Block(old_lo, old_hi, new_lo, new_hi))
            continue
        anchors = _unique_anchors(old, old_lo, old_hi, new, new_lo, new_hi)
        if not anchors:
            matcher = difflib.SequenceMatcher(None, old[old_lo:old_hi], new[new_lo:new_hi], autojunk=False)
            blocks += [
                Block(old_lo + i1, old_lo + i2, new_lo + j1, new_lo + j2)
                for tag, i1, i2, j1, j2 in matcher.get_opcodes()
                if tag != "equal"
            ]
            continue
        bounds = [(old_lo - 1, new_lo - 1), *anchors, (old_hi, new_hi)]  # the gaps lie between them
        regions += [(i1 + 1, i2, j1 + 1, j2) for (i1, j1), (i2, j2) in zip(bounds, bounds[1:]) if i2 - i1 > 1 or j2 - j1 > 1]
    return sorted(blocks)


def _unique_anchors(
    old: list[str], old_lo: int, old_hi: int, new: list[str], new_lo: int, new_hi: int
) -> list[tuple[int, int]]:
    """The (old, new) positions of lines that occur exactly once in each range, longest run of
    them in the same order in both (patience sorting)."""
    old_part, new_part = old[old_lo:old_hi], new[new_lo:new_hi]
    old_count, new_count = Counter(old_part), Counter(new_part)
    old_at = {line: i for i, line in enumerate(old_part, old_lo) if old_count[line] == 1}
    pairs = [(old_at[line], j) for j, line in enumerate(new_part, new_lo) if line in old_at and new_count[line] == 1]
    olds = [i for i, _ in pairs]
    if olds == sorted(olds):  # nothing moved: all of them, in order
        return pairs
    # The longest run with increasing old positions: piles' tops, each linked to its predecessor.
    tops: list[int] = []
    top_index: list[int] = []
    before = [-1] * len(pairs)
    for k, i in enumerate(olds):
        pile = bisect.bisect_left(tops, i)
        before[k] = top_index[pile - 1] if pile else -1
        if pile == len(tops):
            tops.append(i)
            top_index.append(k)
        else:
            tops[pile], top_index[pile] = i, k
    run, k = [], top_index[-1] if top_index else -1
    while k >= 0:
        run.append(pairs[k])
        k = before[k]
    return run[::-1]


@dataclass
class ChangeSet:
    """The changes to several files, in the order they should be reviewed."""

    files: list[FileChange] = field(default_factory=list)

    def file(self, path: str) -> FileChange | None:
        """The change to `path`, if any."""
        return next((f for f in self.files if f.path == path), None)

    def unified_diff(self) -> str:
        """All files' changes as one patch."""
        return "".join(f.unified_diff() for f in self.files)

    @property
    def hunk_count(self) -> int:
        return sum(len(f.hunks) for f in self.files)

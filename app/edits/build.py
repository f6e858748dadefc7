"""Turning parsed edits into a ChangeSet against the files on disk, or problems a model can fix.

Edits apply in order, each to the file as the previous ones left it. An edit that cannot be
placed is reported as an `EditProblem` and skipped; the others still go into the ChangeSet (so
a dry run can show them), but callers apply nothing while there are problems.

Files are read as exact text (see `textfile`): lines the model writes get the file's own line
ending (CRLF files stay CRLF), and a file without a final newline keeps lacking one, unless a
diff hunk that ends the file says otherwise with `\\ No newline at end of file` (as git reads it).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from pathlib import Path
from typing import NamedTuple

from app.edits import textfile
from app.edits.changeset import ChangeSet, FileChange, split_lines
from app.edits.locate import LocateError, NotFound, contains, elision_lines, fit_in_order, places, replace_lines
from app.edits.parse import DiffHunk, Edit, FilePatch, Malformed, SearchReplace, WholeFile, parse_edits
from app.edits.paths import RepoFiles, UnsafePathError, normalize, safe_path

FRAGMENT_MIN_LINES = 20
"""A whole-file block for a file at least this long that drops over half its lines is refused
as a likely fragment."""


_WORDY = re.compile(r"\w{3}")
_PLACEHOLDER = "path/to/"
"""The directory of prompt examples everywhere: a path under it names no file of the repository."""


@dataclass(frozen=True)
class EditProblem:
    """An edit that was refused. `message` is written for the model to correct its edit."""

    number: int
    path: str | None
    message: str
    fixable: bool = True
    """False when no correction can help: the edit is not allowed (a path outside the
    repository or into `.git`, a file that is not UTF-8 text), so it must not be resent."""

    @property
    def summary(self) -> str:
        """The message's first line, for one-line listings."""
        return self.message.split("\n", 1)[0].rstrip(":")


class _Refused(Exception):
    def __init__(self, message: str, fixable: bool = True) -> None:
        super().__init__(message)
        self.fixable = fixable


@dataclass
class _File:
    """A file as the edits so far have left it. `lines` is None when it does not (or no longer) exist."""

    path: str
    old: textfile.TextFile | None
    lines: list[str] | None
    new_path: str | None = None
    changed_by: list[tuple[int, list[str]]] = field(default_factory=list)
    """(edit number, the lines before it) for each edit that changed the file so far."""

    @property
    def eol(self) -> str:
        return textfile.newline_of(self.old.text) if self.old else "\n"


def build_changeset(
    repo_root: Path, edits: list[Edit], files: RepoFiles | None = None
) -> tuple[ChangeSet, list[EditProblem]]:
    """The ChangeSet the edits make to the files under `repo_root`, and the edits refused.

    `files` resolves basenames and suffixes (pass the one the edits were parsed with).
    """
    builder = _Builder(repo_root, files or RepoFiles(repo_root))
    for edit in edits:
        saved = builder.save()
        try:
            builder.apply(edit)
        except _Refused as refusal:
            builder.restore(saved)  # a refused edit leaves no part of itself behind
            problem = EditProblem(edit.number, edit.path, _describe(edit, str(refusal)), refusal.fixable)
            builder.problems.append(problem)
        else:
            builder.record(edit.number, saved)
    return builder.changeset(), builder.problems


def place_edits(repo_root: Path, text: str) -> tuple[list[Edit], ChangeSet, list[EditProblem]]:
    """The edits in a model's response `text`, read knowing the repo's files, and what they do."""
    files = RepoFiles(repo_root)
    edits = parse_edits(text, files.names_file)
    return edits, *build_changeset(repo_root, edits, files)


def _describe(edit: Edit, reason: str) -> str:
    kind = {SearchReplace: "SEARCH/REPLACE block", FilePatch: "diff", WholeFile: "file block"}.get(
        type(edit), "edit"
    )
    where = f" for {edit.path}" if edit.path else ""
    return f"Edit {edit.number} ({kind}{where}): {reason}"


class _Builder:
    """The state of every file the edits touched so far, and the problems found."""

    def __init__(self, root: Path, repo_files: RepoFiles) -> None:
        self.root = root
        self.repo_files = repo_files
        self.files: dict[str, _File] = {}
        self.problems: list[EditProblem] = []

    def apply(self, edit: Edit) -> None:
        """Apply one edit to the files' state; _Refused when it cannot be placed.

        A path whose directories do not exist (`path/to/calc.py`, `src/calc.py` in a flat repo)
        means the one repo file of that name when the edit's text matches that file: its SEARCH
        or diff locates there, or a whole file keeps at least half its lines. Otherwise a whole
        file is a new file at the path written, and any other edit is refused.
        """
        if isinstance(edit, Malformed):
            raise _Refused(edit.message)
        guess = self._guess(edit)
        if guess is None:
            self._apply(edit)
            return
        saved = self.save()
        try:
            self._apply(_retargeted(edit, guess))
            if isinstance(edit, WholeFile):
                _check_kept(self.files[guess])
        except _Refused as refusal:
            self.restore(saved)
            if not isinstance(edit, WholeFile) or edit.path.startswith(_PLACEHOLDER):
                raise _Refused(
                    f"there is no file {edit.path}; {guess} is the only file named "
                    f"{guess.rsplit('/', 1)[-1]}, but the edit does not match it ({refusal}). "
                    "Give the path relative to the repository root",
                    refusal.fixable,
                ) from None
            self._apply(edit)

    def _guess(self, edit: Edit) -> str | None:
        """The one repo file an edit of an existing file means, when its path's directories do
        not exist and no repo path ends with it (see `apply`)."""
        raw = edit.old_path if isinstance(edit, FilePatch) else edit.path
        if raw is None or (isinstance(edit, SearchReplace) and not edit.search.strip()):
            return None
        try:
            rel = normalize(raw)
            path = safe_path(self.root, rel)
        except UnsafePathError:
            return None
        if "/" not in rel or rel in self.files or os.path.lexists(path.parent) or self.repo_files.matches(rel):
            return None
        found = self.repo_files.named(rel.rsplit("/", 1)[-1])
        return found[0] if len(found) == 1 else None

    def _apply(self, edit: Edit) -> None:
        if isinstance(edit, SearchReplace):
            self._search_replace(edit)
        elif isinstance(edit, FilePatch):
            self._patch(edit)
        else:
            self._whole(edit)

    def save(self) -> dict[str, tuple[list[str] | None, str | None]]:
        return {path: (None if f.lines is None else list(f.lines), f.new_path) for path, f in self.files.items()}

    def restore(self, saved: dict[str, tuple[list[str] | None, str | None]]) -> None:
        for path, state in self.files.items():
            unread = (split_lines(state.old.text) if state.old else None, None)
            state.lines, state.new_path = saved.get(path, unread)

    def record(self, number: int, saved: dict[str, tuple[list[str] | None, str | None]]) -> None:
        """Note which files edit `number` changed, and their lines before it (see `_overlap`)."""
        for path, state in self.files.items():
            before, renamed = saved.get(path, (split_lines(state.old.text) if state.old else None, None))
            if before != state.lines or renamed != state.new_path:
                state.changed_by.append((number, before or []))

    def changeset(self) -> ChangeSet:
        changes = []
        for state in self.files.values():
            old = state.old.text if state.old else None
            new = "".join(state.lines) if state.lines is not None else None
            if (old, new) == (None, None) or (old == new and not state.new_path):
                continue
            path = state.new_path or state.path
            changes.append(FileChange(
                path, old, new, old_path=state.path if state.new_path else None,
                edits=tuple(number for number, _ in state.changed_by),
            ))
        return ChangeSet(changes)

    # -- the three kinds of edit ----------------------------------------------------------

    def _search_replace(self, edit: SearchReplace) -> None:
        """Replace SEARCH by REPLACE; an empty SEARCH creates a file (or fills an empty one)."""
        search = edit.search.split("\n")[:-1]
        replace = edit.replace.split("\n")[:-1]
        if not edit.search.strip():
            state = self._file(edit.path, must_exist=False)
            if state.lines:
                raise _Refused(
                    f"SEARCH is empty but {state.path} already has content; "
                    "quote the lines to replace (or to insert after) in SEARCH"
                )
            state.lines = _with_eol(replace, state.eol, final_newline=True)
            return
        state = self._file(edit.path, must_exist=True)
        self._splice(state, search, replace)

    def _patch(self, edit: FilePatch) -> None:
        """Create, delete or rename the file, and apply each hunk in turn (context + removed
        lines are searched like a SEARCH text)."""
        if edit.old_path is None:
            state = self._file(edit.new_path, must_exist=False)
            if state.lines is None:
                added = [text for hunk in edit.hunks for op, text in hunk.lines if op != "-"]
                last_hunk = edit.hunks[-1] if edit.hunks else None
                state.lines = _with_eol(added, "\n", final_newline=not (last_hunk and last_hunk.new_missing_newline))
                return
            if all(op == "+" for hunk in edit.hunks for op, _ in hunk.lines):
                raise _Refused(
                    f"the diff creates {state.path}, but it already exists; diff against its current content"
                )
            # `--- /dev/null` over an existing file, with lines to find in it: an update of that file.
        else:
            state = self._file(edit.old_path, must_exist=True)
        if edit.new_path is None:
            state.lines = None
            return
        if edit.old_path is not None and edit.new_path != edit.old_path:
            self._rename(state, edit.new_path)
        offset = floor = 0
        for number, hunk in enumerate(edit.hunks, 1):
            hint = hunk.old_start - 1 + offset if hunk.old_start else None
            size = len(state.lines or [])
            try:
                floor = self._splice_hunk(state, edit.hunks[number - 1 :], hint, floor)
                _end_of_file(state, hunk, floor)
            except _Refused as refusal:
                raise _Refused(f"hunk {number} of {len(edit.hunks)}: {refusal}", refusal.fixable) from None
            offset += len(state.lines or []) - size

    def _splice_hunk(self, state: _File, hunks: tuple[DiffHunk, ...], hint: int | None, floor: int) -> int:
        """Apply the first of `hunks` (the rest follow it in the file); return the line after it.

        When its old lines fit several places and only one leaves room for the later hunks in
        order after it, that place is taken (a diff's hunks come in file order).
        """
        old, new = _old_lines(hunks[0]), [text for op, text in hunks[0].lines if op != "-"]
        try:
            return self._splice(state, old, new, hint, hunks[0].anchor, floor)[1]
        except _Refused:
            lines = state.lines or []
            after = max(floor, _after_anchor(lines, hunks[0].anchor))
            later = [places(lines, _old_lines(hunk)) for hunk in hunks[1:]]
            fits = [start for start, end in places(lines, old, after) if fit_in_order(end, later)]
            if len(fits) != 1:
                raise
            return self._splice(state, old, new, fits[0], None, floor)[1]

    def _whole(self, edit: WholeFile) -> None:
        """Replace (or create) the whole file, filling in `...` elisions from the current text;
        a block that looks like a fragment of an existing file is refused."""
        state = self._file(edit.path, must_exist=False, prefer_existing=True)
        lines = edit.text.split("\n")[:-1] if edit.text else []
        if edit.label is not None and not (state.lines and state.lines[0].rstrip() == edit.label.rstrip()):
            lines = lines[1:]  # the comment naming the file is not part of it
        if state.lines is None:
            state.lines = _with_eol(lines, "\n", final_newline=True)
            return
        if not any(line.strip() for line in lines) and any(line.strip() for line in state.lines):
            raise _Refused(
                f"the block is empty, but it would replace all of {state.path}; send the file's complete new "
                "content (to delete the file, send a diff to /dev/null)"
            )
        old = [line.rstrip("\r\n") for line in state.lines]
        gaps = elision_lines(old, lines)
        if gaps:
            lines = _fill_elisions(state.lines, lines, gaps)
        elif (len(old) >= FRAGMENT_MIN_LINES and len(lines) * 2 < len(old)) or _is_quote(old, lines):
            raise _Refused(
                f"the block has {len(lines)} lines but {state.path} has {len(old)}; it looks like a fragment, "
                "not the whole file. Send a SEARCH/REPLACE block for the part that changes"
            )
        final_newline = state.lines[-1].endswith("\n") if state.lines else True
        state.lines = _with_eol(lines, state.eol, final_newline)

    # -- helpers --------------------------------------------------------------------------

    def _splice(
        self,
        state: _File,
        search: list[str],
        replace: list[str],
        hint: int | None = None,
        anchor: str | None = None,
        floor: int = 0,
    ) -> tuple[int, int]:
        """Replace `search` by `replace` in the file; return the lines [start, end) now holding it.

        With an `anchor` line that occurs once in the file, only the lines after it are searched;
        `hint` and `floor` settle ambiguities as in `replace_lines`.
        """
        if state.lines is None:
            raise _Refused(f"{state.path} is deleted by an earlier edit")
        if not any(line.strip() for line in search):
            if state.lines:
                raise _Refused(
                    "it has no lines to locate it by (no context or removed lines); "
                    "include a few unchanged lines around the change"
                )
            state.lines = _with_eol(replace, state.eol, final_newline=True)
            return 0, len(replace)
        after = _after_anchor(state.lines, anchor)
        try:
            start, end, new = replace_lines(
                state.lines[after:], search, replace, None if hint is None else hint - after, max(0, floor - after)
            )
            start, end = start + after, end + after
        except LocateError as error:
            if isinstance(error, NotFound):
                overlap = _overlap(state, search)
                if overlap:
                    raise _Refused(overlap) from None
                if replace and contains(state.lines, replace):
                    raise _Refused(
                        f"in {state.path}, the text to replace was not found but its replacement already is; "
                        "the edit seems to be applied already, so leave it out"
                    ) from None
            raise _Refused(f"in {state.path}, {error}") from None
        final_newline = not state.lines or state.lines[-1].endswith("\n")
        lines = state.lines[:start] + new + state.lines[end:]
        state.lines = _with_eol(lines, state.eol, final_newline)
        return start, start + len(new)

    def _rename(self, state: _File, new_path: str) -> None:
        try:
            target = normalize(new_path)
            exists = os.path.lexists(safe_path(self.root, target))
        except UnsafePathError as error:
            raise _Refused(str(error), fixable=False) from None
        if exists or target in self.files:
            raise _Refused(f"cannot rename {state.path} to {target}: {target} already exists")
        state.new_path = target

    def _file(self, raw: str | None, must_exist: bool, prefer_existing: bool = False) -> _File:
        """The state of the file an edit names, resolving a basename or suffix to a repo path."""
        if raw is None:
            raise _Refused("no file path given")
        try:
            rel = normalize(raw)
            path = safe_path(self.root, rel)
        except UnsafePathError as error:
            raise _Refused(str(error), fixable=False) from None
        if rel not in self.files and not path.is_file() and (must_exist or prefer_existing):
            found = self._find_by_suffix(rel)
            if found:
                rel, path = found, safe_path(self.root, found)
            elif must_exist:
                raise _Refused(
                    f"there is no file {rel} in the repository (nor one ending in /{rel}); "
                    "give its path relative to the repository root"
                )
        if rel.startswith(_PLACEHOLDER) and not os.path.lexists(path.parent):
            raise _Refused(
                f"{rel} is a placeholder path, not a file of the repository; "
                "give the file's path relative to the repository root"
            )
        if rel not in self.files:
            self.files[rel] = self._load(rel, path)
        state = self.files[rel]
        if must_exist and state.lines is None:
            raise _Refused(f"{rel} does not exist" + (" (an earlier edit deletes it)" if state.old else ""))
        return state

    def _load(self, rel: str, path: Path) -> _File:
        if os.path.lexists(path) and not path.is_file():
            raise _Refused(f"{rel} is not a regular file", fixable=False)
        if not path.exists():
            return _File(rel, None, None)
        try:
            text = textfile.read(path, rel)
        except textfile.NotTextError as error:
            raise _Refused(str(error), fixable=False) from None
        except OSError as error:
            raise _Refused(f"{rel}: cannot read ({error.strerror})") from None
        return _File(rel, text, split_lines(text.text))

    def _find_by_suffix(self, rel: str) -> str | None:
        """The one repo file whose path ends with `/rel`; _Refused when there are several."""
        found = self.repo_files.matches(rel)
        if len(found) > 1:
            shown = ", ".join(found[:5])
            raise _Refused(f"{rel} could be any of {shown}; give the full path relative to the repository root")
        return found[0] if found else None


def _retargeted(edit: Edit, path: str) -> Edit:
    """`edit` aimed at `path` instead of the path it names."""
    if isinstance(edit, FilePatch):
        renamed = edit.new_path != edit.old_path
        return replace(edit, old_path=path, new_path=edit.new_path if renamed else path)
    return replace(edit, path=path)


def _check_kept(state: _File) -> None:
    """_Refused unless the file's new lines keep at least half of its old lines (blank ones aside)."""
    old = [line.strip() for line in split_lines(state.old.text) if line.strip()] if state.old else []
    new = [line.strip() for line in state.lines or [] if line.strip()]
    kept = sum(block.size for block in SequenceMatcher(None, old, new, autojunk=False).get_matching_blocks())
    if kept * 2 < len(old):
        raise _Refused(f"it keeps {kept} of the file's {len(old)} lines")


def _end_of_file(state: _File, hunk: DiffHunk, end: int) -> None:
    """Give the file the final newline a hunk's `\\ No newline at end of file` asks for; the
    hunk's new lines end at line `end`. Without the marker the file keeps what it had."""
    if not (hunk.new_missing_newline or hunk.old_missing_newline):
        return
    lines = state.lines or []
    if not lines:
        return
    if end != len(lines):
        raise _Refused(
            "it says '\\ No newline at end of file', but it does not end at the end of the file; "
            "put that line only after the file's last line"
        )
    if hunk.new_missing_newline and hunk.old_missing_newline and lines[-1].endswith("\n"):
        raise _Refused(
            "it says the file's last line has no newline, but in the file it has one; "
            "leave out the '\\ No newline at end of file' line"
        )
    last = lines[-1].rstrip("\r\n")
    lines[-1] = last if hunk.new_missing_newline else last + state.eol


def _overlap(state: _File, search: list[str]) -> str | None:
    """When text that was not found was there before an earlier edit of the same answer changed
    it, a refusal that says so (the model's two edits overlap)."""
    for number, before in reversed(state.changed_by):
        if contains(before, search):
            return (
                f"in {state.path}, the text to replace is no longer there: edit {number} of this answer "
                f"already changed those lines. Make both changes in one edit, or quote the lines as edit "
                f"{number} leaves them"
            )
    return None


def _old_lines(hunk: DiffHunk) -> list[str]:
    """The lines a diff hunk expects in the file: its context and removed lines."""
    return [text for op, text in hunk.lines if op != "+"]


def _after_anchor(lines: list[str], anchor: str | None) -> int:
    """The index after the one line equal to `anchor` (whitespace aside), or 0 when there is none."""
    if not anchor:
        return 0
    places = [i for i, line in enumerate(lines) if line.strip() == anchor.strip()]
    return places[0] + 1 if len(places) == 1 else 0


def _with_eol(lines: list[str], eol: str, final_newline: bool) -> list[str]:
    """`lines` with every line ended (those without an ending get `eol`), the last one only
    when `final_newline`."""
    out = [line if line.endswith("\n") else line + eol for line in lines]
    if out and not final_newline:
        out[-1] = out[-1].rstrip("\r\n")
    return out


def _is_quote(old: list[str], lines: list[str]) -> bool:
    """True when `lines` are an unchanged run from the middle of the file (neither its start nor
    its end): a quote of part of it, not a new version."""
    n = len(lines)
    wanted = [line.rstrip() for line in lines]
    stripped = [line.rstrip() for line in old]
    return n > 0 and any(stripped[i : i + n] == wanted for i in range(1, len(old) - n))


def _fill_elisions(old_lines: list[str], new: list[str], gaps: set[int]) -> list[str]:
    """A whole-file block whose lines at `gaps` are elisions (`...`, `# ... existing code ...`,
    not found in the file itself): each stands for the old lines between the piece of the block
    before it and the piece after it (see `_elided_parts`); blank lines at a piece's edge are not
    repeated from the file."""
    old = [line.rstrip() for line in old_lines]
    pieces: list[list[str]] = [[]]
    for k, line in enumerate(new):
        if k in gaps:
            if len(pieces) > 1 and not _trim(pieces[-1]):
                pieces[-1] = []  # only blank lines between two elisions: one elided part
            else:
                pieces.append([])
        else:
            pieces[-1].append(line)
    out = list(pieces[0])
    for k, (start, end) in enumerate(_elided_parts(old, pieces), 1):
        before, after = pieces[k - 1], pieces[k]
        for _ in range(len(before) - len(_trim(before, leading=False))):
            if start < end and not old[start]:
                start += 1
        for _ in range(len(after) - len(_trim(after, trailing=False))):
            if start < end and not old[end - 1]:
                end -= 1
        out += old_lines[start:end] + after
    return out


def _elided_parts(old: list[str], pieces: list[list[str]]) -> list[tuple[int, int]]:
    """The old lines [start, end) each elision between two pieces stands for.

    Each piece, in file order, is placed where it reads as the smallest change (see
    `_place_piece`); an elision stands for the old lines between the pieces around it.
    """
    spans: list[tuple[int, int]] = []
    lower = 0
    for k, piece in enumerate(pieces):
        body = _trim(piece)
        if not body:  # the block starts or ends with an elision
            spans.append((0, 0) if k == 0 else (len(old), len(old)))
            continue
        spans.append(_place_piece(old, body, lower, head=k == 0, tail=k == len(pieces) - 1))
        lower = spans[-1][1]
    return [(spans[k - 1][1], spans[k][0]) for k in range(1, len(spans))]

def _trim(lines: list[str], leading: bool = True, trailing: bool = True) -> list[str]:
    """`lines` (trailing whitespace removed) without blank lines at the start and/or end."""
    body = [line.rstrip() for line in lines]
    while leading and body and not body[0]:
        body.pop(0)
    while trailing and body and not body[-1]:
        body.pop()
    return body


def _place_piece(old: list[str], body: list[str], lower: int, head: bool, tail: bool) -> tuple[int, int]:
    """The old lines [start, end), at or after `lower`, that a piece of an elided whole file
    replaces, read as a person would: its first line and its last are old lines (the file's
    start for the `head` piece, its end for the `tail`), and it goes where the most of its lines
    are old lines in the same order, over the fewest old lines. _Refused when no place fits, when
    another place shares nearly as many of its lines, or when another makes a smaller change:
    which lines the model meant to change is then a guess (two copies of a method, one the piece
    matches exactly; a long insertion whose lines also fit a long old span).
    """
    reach = len(body) * 4 + 20  # the most old lines one piece may stand for
    starts = [0] if head else [i for i in range(lower, len(old)) if old[i] == body[0]]
    ends = [len(old)] if tail else [i + 1 for i in range(lower, len(old)) if old[i] == body[-1]]
    if not starts or not ends:
        line = body[-1] if starts else body[0]
        raise _Refused(
            f"the line {line.strip()!r} next to a '...' elision is not in the file; quote unchanged "
            "lines from the file around each '...' or send a SEARCH/REPLACE block"
        )
    fits = [
        _Place(*_shared_lines(body, old[start:end]), start, end)
        for start in starts for end in ends if start < end <= start + reach
    ]
    # a place holding a closer one that shares as many lines only adds lines to delete
    places = [place for place in fits if not any(other.within(place) and other.shares >= place.shares for other in fits)]
    if not places:
        raise _Refused(
            f"the lines next to a '...' elision ({body[0].strip()!r} … {body[-1].strip()!r}) are not "
            "in the file in this order; quote unchanged lines around each '...' or send a SEARCH/REPLACE block"
        )
    best = min(places, key=lambda place: (-place.wordy, -place.shared, place.span))
    # the place sharing the most lines must also be the one changing the fewest: a piece that
    # inserts (or deletes) many lines could otherwise fit a long (or short) span just as well
    fewest = min(places, key=lambda place: (len(body) + place.span - 2 * place.shared, place.span))
    rivals = [place for place in places if place != best and place.wordy >= best.wordy - max(1, best.wordy // 5)]
    if rivals or fewest != best:
        first, second = sorted([best, rivals[0] if rivals else fewest], key=lambda place: place.start)
        raise _Refused(
            f"the lines between '...' elisions starting {body[0].strip()!r} fit lines {first.start + 1}-{first.end} "
            f"and {second.start + 1}-{second.end} of the file about as well; quote more unchanged lines around "
            "each '...' or send a SEARCH/REPLACE block"
        )
    return best.start, best.end


class _Place(NamedTuple):
    """Old lines [start, end) a piece of an elided whole file may replace, and how many lines
    they share with it (see `_shared_lines`)."""

    wordy: int
    shared: int
    start: int
    end: int

    @property
    def span(self) -> int:
        return self.end - self.start

    @property
    def shares(self) -> tuple[int, int]:
        return self.wordy, self.shared

    def within(self, other: _Place) -> bool:
        """True when this place lies inside `other` (and is not `other`)."""
        return self != other and other.start <= self.start and self.end <= other.end


def _shared_lines(a: list[str], b: list[str]) -> tuple[int, int]:
    """How many lines `a` and `b` have in common, in order: those with a word first (a long
    insertion shares blank lines, a docstring's quotes or a `)` with any old span), then all."""
    blocks = SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    wordy = sum(1 for block in blocks for line in a[block.a : block.a + block.size] if _WORDY.search(line))
    return wordy, sum(block.size for block in blocks)

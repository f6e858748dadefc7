"""The edits proposed in a model's answer, on their way to review.

An answer's edits are parsed and placed by the edit engine. Edits the engine refuses (text not
found, ambiguous) go back to the model once, automatically, with the engine's explanation; the
corrected blocks of its next answer join the edits that were fine, and only then does the person
review anything. Edits refused because they are not allowed (a path outside the repository or
into `.git`, a file that is not text) are not retried: the model is told not to resend them.
Refusals that survive the retry are shown to the person and reported to the model with the
review's feedback. A file the edits would leave unparsable (tree-sitter) is sent back the same way;
if the correction still breaks it, or does not resend it, the review flags its hunk in red.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import prompts
from app.edits.build import EditProblem, build_changeset
from app.edits.changeset import ChangeSet, FileChange
from app.edits.parse import Edit, parse_edits
from app.edits.paths import RepoFiles
from app.edits.syntax import added_syntax_error


@dataclass(frozen=True)
class Proposal:
    """The edits of one answer (and of its retry, when there was one), placed against the repo."""

    edits: list[Edit]
    changeset: ChangeSet
    problems: list[EditProblem]
    retried: bool = False

    @property
    def broken(self) -> list[FileChange]:
        """The changed files the edits leave with a syntax error (flagged, see `flag_syntax`)."""
        return [change for change in self.changeset.files if change.flag]

    @property
    def needs_retry(self) -> bool:
        """Some edits were refused for a reason the model can correct, or break a file's syntax,
        and the model has not had its one chance to correct them."""
        return (any(p.fixable for p in self.problems) or bool(self.broken)) and not self.retried

    def retry_title(self) -> str:
        """What the retry is about, in a few words: "2 edits could not be placed, 1 file would not parse"."""
        parts = []
        if refused := len(self.problems):
            parts.append(f"{refused} edit{'s' * (refused != 1)} could not be placed")
        if broken := len(self.broken):
            parts.append(f"{broken} file{'s' * (broken != 1)} would not parse")
        return ", ".join(parts)

    def retry_message(self) -> str:
        """The turn that sends the refused edits (and the files they break) back to the model."""
        kept = [e.number for e in self.edits if e.number not in self.refused_numbers()]
        broken = "\n".join(f"- {c.path} line {c.flag[0]}: {c.flag[1]}" for c in self.broken if c.flag)
        return prompts.load(
            "edit_retry",
            refused=_listing([p for p in self.problems if p.fixable]),
            broken=prompts.load("edit_broken", broken=broken) if broken else "",
            forbidden=_forbidden(self.problems),
            kept=", ".join(map(str, kept)) if kept else "none",
        )

    def refusals_note(self) -> str:
        """The refusals that remain after the retry, for the feedback turn after review."""
        fixable = [p for p in self.problems if p.fixable]
        note = prompts.load("edit_refusals", refused=_listing(fixable)) if fixable else ""
        return note + _forbidden(self.problems)

    def placed_again(self, repo_root: Path) -> Proposal:
        """The same edits placed against the files as they are now (e.g. after one changed).

        Refusals of edits this proposal no longer holds (dropped after the retry) are kept.
        """
        changeset, problems = build_changeset(repo_root, self.edits)
        changeset = flag_syntax(changeset)
        numbers = {e.number for e in self.edits}
        earlier = [p for p in self.problems if p.number not in numbers]
        return dataclasses.replace(self, changeset=changeset, problems=earlier + problems, retried=True)

    def refused_numbers(self) -> set[int]:
        """The numbers of the edits the engine refused, and of those that break a file's syntax."""
        return {p.number for p in self.problems} | {n for change in self.broken for n in change.edits}


def propose(repo_root: Path, answer: str, retry_of: Proposal | None = None) -> Proposal | None:
    """The proposal in `answer`, or None when it holds no edits.

    With `retry_of`, `answer` is the model's reply to `retry_of.retry_message()`: the edits that
    were placed before are kept and the answer's edits (the corrections) are placed after them.
    A refused edit stays refused when no correction names its file.
    """
    files = RepoFiles(repo_root)
    edits = parse_edits(answer, files.names_file)
    if retry_of is None:
        if not edits:
            return None
        changeset, problems = build_changeset(repo_root, edits, files)
        return Proposal(edits, flag_syntax(changeset), problems or _no_change(edits, changeset))
    offset = max((e.number for e in retry_of.edits), default=0)
    corrections = [dataclasses.replace(e, number=offset + e.number) for e in edits]
    corrected = {e.path for e in corrections if e.path}
    # A file left broken keeps its edits (flagged in review) unless the correction resends them.
    resent = {n for c in retry_of.broken if _names(c.path, corrected) for n in c.edits}
    refused = {p.number for p in retry_of.problems} | resent
    combined = [e for e in retry_of.edits if e.number not in refused] + corrections
    changeset, problems = build_changeset(repo_root, combined, files)
    problems = [p for p in retry_of.problems if p.path not in corrected] + (problems or _no_change(corrections, changeset))
    return Proposal(combined, flag_syntax(changeset), problems, retried=True)


def _no_change(edits: list[Edit], changeset: ChangeSet) -> list[EditProblem]:
    """When an answer's edits all change nothing (a small model writing a file back as it was),
    a refusal for each, so the model hears that the change it was asked for is missing."""
    if not edits or changeset.files:
        return []
    reason = "it changes nothing: the file already reads so. Make the change that was asked for"
    return [EditProblem(e.number, e.path, f"Edit {e.number}{f' for {e.path}' if e.path else ''}: {reason}") for e in edits]


def flag_syntax(changeset: ChangeSet) -> ChangeSet:
    """The changeset with each file the edits leave unparsable flagged (`FileChange.flag`)."""
    flagged = []
    for change in changeset.files:
        problem = added_syntax_error(change)
        flagged.append(dataclasses.replace(change, flag=(problem.line, problem.message)) if problem else change)
    return ChangeSet(flagged)


def _names(path: str, written: set[str]) -> bool:
    """Whether one of the paths a model wrote names the repo file `path` (itself or a suffix)."""
    return any(path == w or path.endswith("/" + w.lstrip("./")) for w in written)


def _listing(problems: list[EditProblem]) -> str:
    return "\n\n".join(p.message for p in problems)


def _forbidden(problems: list[EditProblem]) -> str:
    """The part of a message about edits that are not allowed at all ("" when there are none)."""
    forbidden = [p for p in problems if not p.fixable]
    return prompts.load("edit_forbidden", refused=_listing(forbidden)) if forbidden else ""

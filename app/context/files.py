"""The repository files a conversation shows the model (`/add`, `/drop`), read fresh every turn.

Paths are repo-relative (an absolute path inside the repo is taken as relative) and checked with
`safe_path` (nothing outside the repo, nothing in `.git`, no symlink leading out). Files that look
like secrets (`.env`, private keys, API tokens) are refused unless added with `force=True`, and a
file that turns into a secret later is left out of the context again until it is forced.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import prompts
from app.context.secrets import secret_reason
from app.edits.paths import UnsafePathError, repo_files, safe_path
from app.llm.meter import estimate_tokens

MAX_FILE_BYTES = 256_000
"""Larger files are refused: they would crowd out the conversation."""

MAX_DIR_FILES = 100
"""At most this many files are added by one `/add DIRECTORY` (or glob)."""

_MENTION = re.compile(r"(?<!\S)@([^\s`'\"()<>,;]+)")
"""`@path` at the start of a word (not `a@b`), up to a space, quote or bracket."""

class ContextError(Exception):
    """A path cannot be added to the context; the message is one line for the user."""


class SecretFileError(ContextError):
    """The file looks like it holds secrets: it is only added when forced."""


@dataclass
class Added:
    """What one `/add` did: files newly added, and files under a directory skipped (with why)."""

    paths: list[str]
    skipped: list[str] = field(default_factory=list)


@dataclass
class Snapshot:
    """The context files as read for one request, and what was left out (with why)."""

    files: dict[str, str]
    """Path -> text, in the order the files were added."""
    warnings: list[str] = field(default_factory=list)


class ContextFiles:
    """The ordered set of repo files added to a conversation."""

    def __init__(self, repo_root: Path, start: str = "") -> None:
        self.repo_root = repo_root.resolve()
        self.start = start
        """Where the person works, relative to the root: the paths they type count from it, as git's do."""
        self._paths: list[str] = []
        self._forced: set[str] = set()

    @property
    def paths(self) -> list[str]:
        """The added files, in the order they were added."""
        return list(self._paths)

    @contextmanager
    def rooted(self, root: Path) -> Iterator[None]:
        """Read the files from `root` meanwhile: the agent's worktree, where its edits are."""
        saved, self.repo_root = self.repo_root, root.resolve()
        try:
            yield
        finally:
            self.repo_root = saved

    def add(self, rel: str, *, force: bool = False) -> Added:
        """Add a file, every repo file under a directory, or every repo file a glob matches
        (`*.py`, `src/**/test_*.py`; as in git, `*` matches across directories).

        Raises ContextError (outside the repo, missing, binary, too large, a glob that matches
        nothing) or SecretFileError (looks like a secret and `force` is false). In a directory or
        a glob's matches, secret-looking files are skipped.
        """
        if any(mark in rel for mark in "*?["):
            pattern = self._from_root(rel.strip())
            patterns = {pattern, pattern.replace("**/", "")}  # `a/**/x` matches `a/x` too
            matches = [p for p in repo_files(self.repo_root) if any(fnmatch.fnmatchcase(p, q) for q in patterns)]
            if not matches:
                raise ContextError(f"no repo file matches {rel}")
            return self._add_all(matches, rel)
        path = self._resolve(rel)
        if path.is_dir():
            prefix = f"{self._relative(path)}/"
            return self._add_all([p for p in repo_files(self.repo_root) if p.startswith(prefix)], prefix)
        rel = self._relative(path)
        self._check_file(rel, path, force=force)
        if force:
            self._forced.add(rel)
        if rel in self._paths:
            return Added([])
        self._paths.append(rel)
        return Added([rel])

    def locate(self, typed: str) -> str:
        """The repo-relative path of the file `typed` names (from `start`), checked as `add`
        checks it: in the repository, not in `.git`, no symlink out. Raises ContextError."""
        path = self._resolve(typed)
        if not path.is_file():
            raise ContextError(f"no such file in the repo: {self._relative(path)}")
        return self._relative(path)

    def add_mentioned(self, text: str) -> Added:
        """Add the repo files, directories and globs `text` names as `@path`; an `@` word naming
        nothing in the repo (`@property`, `@alice`) is left alone, and a file that cannot be added
        (a secret, too large) is skipped with why."""
        added = Added([])
        for mention in mentions(text):
            glob = any(mark in mention for mark in "*?[")
            if not glob and not (self.repo_root / self._from_root(mention)).exists():
                continue
            try:
                more = self.add(mention)
            except SecretFileError as exc:
                added.skipped.append(f"{str(exc).split(';')[0]} (/add --force {mention} to send it)")
                continue
            except ContextError as exc:
                if not glob:  # a glob matching nothing is an `@` word, not a mistake
                    added.skipped.append(str(exc))
                continue
            added.paths += more.paths
            added.skipped += more.skipped
        return added

    def add_each(self, paths: list[str]) -> list[str]:
        """Add each of `paths` (`--add`); return what was skipped, one line each. Raises ContextError."""
        skipped: list[str] = []
        for rel in paths:
            skipped += self.add(rel).skipped
        return skipped

    def total_bytes(self) -> int:
        """The added files' current size on disk (a quick measure of the context's weight)."""
        total = 0
        for rel in self._paths:
            try:
                total += safe_path(self.repo_root, rel).stat().st_size
            except (OSError, UnsafePathError):
                continue
        return total

    def from_start(self, paths: list[str]) -> list[str]:
        """The repo paths under `start`, as the person would type them there."""
        prefix = f"{self.start}/" if self.start else ""
        return [p[len(prefix) :] for p in paths if p.startswith(prefix)]

    def drop(self, rel: str) -> list[str]:
        """Remove a file (or every added file under a directory); return the paths removed."""
        rel = self._from_root(rel.strip().rstrip("/"))
        gone = [p for p in self._paths if p == rel or p.startswith(f"{rel}/") or rel == "."]
        for p in gone:
            self._paths.remove(p)
            self._forced.discard(p)
        return gone

    def clear(self) -> None:
        """Remove every file."""
        self._paths.clear()
        self._forced.clear()

    def read(self) -> Snapshot:
        """Read every added file now (a file gone, unreadable or turned secret is left out)."""
        files: dict[str, str] = {}
        warnings: list[str] = []
        for rel in self._paths:
            try:
                path = safe_path(self.repo_root, rel)
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError, UnsafePathError) as exc:
                warnings.append(f"{rel} left out of the context: {_reason(exc)}")
                continue
            if rel not in self._forced and (reason := secret_reason(rel, text)):
                warnings.append(f"{reason}: left out (/add --force {rel} to send it)")
                continue
            files[rel] = text
        return Snapshot(files, warnings)

    def _from_root(self, typed: str) -> str:
        """A path typed from `start`, from the root instead (normalised; it may leave the repo)."""
        if PurePosixPath(typed).is_absolute():
            return typed
        return posixpath.normpath(posixpath.join(self.start, typed)) if typed else self.start or "."

    def _resolve(self, rel: str) -> Path:
        rel = rel.strip()
        absolute = Path(rel)
        if absolute.is_absolute() and absolute.is_relative_to(self.repo_root):  # e.g. from a traceback
            rel = absolute.relative_to(self.repo_root).as_posix()
        rel = self._from_root(rel)
        try:
            return safe_path(self.repo_root, rel)
        except UnsafePathError as exc:
            raise ContextError(f"cannot add {rel!r}: {exc}") from None

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.repo_root).as_posix()

    def _check_file(self, rel: str, path: Path, *, force: bool) -> None:
        if not path.is_file():
            raise ContextError(f"no such file in the repo: {rel}")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ContextError(f"{rel} is too large for the context (over {MAX_FILE_BYTES // 1000} kB)")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ContextError(f"{rel} is not a UTF-8 text file") from None
        if not force and (reason := secret_reason(rel, text)):
            raise SecretFileError(
                f"{reason}; not added. To send it to the model anyway: /add --force {rel}"
            )

    def _add_all(self, candidates: list[str], what: str) -> Added:
        """Add the repo files `candidates` (those under a directory, or matching a glob: `what`)."""
        added = Added([])
        for rel in candidates:
            if rel in self._paths:
                continue
            if len(added.paths) == MAX_DIR_FILES:
                added.skipped.append(f"the rest of {what}: at most {MAX_DIR_FILES} files are added at once")
                break
            try:
                self._check_file(rel, safe_path(self.repo_root, rel), force=False)
            except (ContextError, UnsafePathError) as exc:
                added.skipped.append(str(exc).split(";")[0])
                continue
            self._paths.append(rel)
            added.paths.append(rel)
        return added


def mentions(text: str) -> list[str]:
    """The `@path` words of `text`, in order, without the `@` (a sentence's full stop left off)."""
    return [match.rstrip(".:!?") for match in _MENTION.findall(text) if match.rstrip(".:!?")]


def context_block(files: dict[str, str]) -> str:
    """The files as the conversation's context, sent ahead of it ("" for none)."""
    return prompts.load("context", files=_file_blocks(files)) if files else ""


def changes_block(files: dict[str, str]) -> str:
    """Files added or changed since the model last saw them, told with a question ("" for none)."""
    return prompts.load("context_changed", files=_file_blocks(files)) if files else ""


def tokens_by_file(files: dict[str, str]) -> dict[str, int]:
    """About how many tokens each file takes in the context block."""
    return {rel: estimate_tokens(_file_block(rel, text)) for rel, text in files.items()}


def _file_blocks(files: dict[str, str]) -> str:
    return "\n\n".join(_file_block(rel, text) for rel, text in files.items())


def _file_block(rel: str, text: str) -> str:
    """A file as the model sees it: its path on one line, then its content in a fence."""
    return f"{rel}\n{fenced(text)}"


def fenced(text: str) -> str:
    """`text` in a code fence longer than any run of backticks in it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    body = text if text.endswith("\n") or not text else text + "\n"
    return f"{fence}\n{body}{fence}"


def _reason(exc: Exception) -> str:
    if isinstance(exc, FileNotFoundError):
        return "it no longer exists"
    if isinstance(exc, UnicodeDecodeError):
        return "it is not UTF-8 text"
    return str(exc)

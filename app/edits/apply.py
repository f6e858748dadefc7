"""Writing a ChangeSet (or the accepted part of it) to disk: all files or none.

Everything is checked before anything is written: path safety, that each file on disk still
holds the ChangeSet's `old_text` (content, not mtime) and `old_mode` where one is given, that
new files do not exist yet. Then every new content goes to a temp file beside its target
(fsync'd, with the old file's mode, or the new one where a mode change is accepted), and only
when all temp files exist are they renamed over their targets; deletions come last. If a rename
fails part-way, the files already replaced are put back.

Which files take part: with `accepted=None` every file and every hunk; otherwise only the
files whose path is a key of `accepted`, each with the listed hunk indices. A rename or a
deletion happens when its file takes part and (it has no hunks or) at least one hunk is accepted.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from app.edits import textfile
from app.edits.changeset import ChangeSet, FileChange
from app.edits.paths import UnsafePathError, safe_path


class ApplyError(Exception):
    """Nothing was written; `problems` says why, one line per file."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass
class ApplyResult:
    """The repo-relative paths written (created or changed) and deleted."""

    written: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


@dataclass
class _Write:
    rel: str
    target: Path
    data: bytes
    mode: int | None
    old_data: bytes | None
    """The bytes the target held before, to put back if a later rename fails."""
    old_mode: int | None = None
    """The permission bits it had before."""


@dataclass
class _Delete:
    rel: str
    path: Path
    old_data: bytes
    mode: int


def apply_changeset(
    repo_root: Path,
    changeset: ChangeSet,
    accepted: Mapping[str, Collection[int]] | None = None,
    *,
    before_write: Callable[[], None] | None = None,
) -> ApplyResult:
    """Write the accepted hunks of `changeset` under `repo_root`, or raise ApplyError and write nothing.

    `before_write` is called once every write is known to be possible and none is done yet: where
    a checkpoint is taken, so that a refused write leaves none."""
    writes: list[_Write] = []
    deletes: list[_Delete] = []
    problems: list[str] = []
    touched: set[str] = set()
    for change in changeset.files:
        if accepted is not None and change.path not in accepted:
            continue
        indices = range(len(change.hunks)) if accepted is None else accepted[change.path]
        try:
            _plan(repo_root, change, indices, writes, deletes, touched)
        except (UnsafePathError, textfile.NotTextError, _Refused) as error:
            problems.append(str(error))
    if problems:
        raise ApplyError(problems)
    if before_write is not None and (writes or deletes):
        before_write()
    _commit(writes, deletes)
    return ApplyResult([w.rel for w in writes], [d.rel for d in deletes])


class _Refused(Exception):
    """One file cannot be written (the message names it)."""


def _plan(
    root: Path,
    change: FileChange,
    indices: Collection[int],
    writes: list[_Write],
    deletes: list[_Delete],
    touched: set[str],
) -> None:
    """Check one file's change and add the writes and deletions it needs."""
    bad = [i for i in indices if not 0 <= i < len(change.hunks)]
    if bad:
        raise _Refused(f"{change.path}: no hunk {bad[0]} (the file has {len(change.hunks)})")
    source_rel = change.old_path or change.path
    source = safe_path(root, source_rel)
    target = safe_path(root, change.path)
    for rel, path in {source_rel: source, change.path: target}.items():
        real = os.path.realpath(path)  # a file and an in-repo symlink to it are one file
        if real in touched:
            raise _Refused(f"{rel}: changed twice in one ChangeSet")
        touched.add(real)
    new_text = change.text_with(indices)
    takes_effect = not change.blocks or bool(indices)

    if change.is_new:
        if _exists(source):
            raise _Refused(f"{change.path}: already exists on disk; it was created after the edit was made")
        if new_text is not None:
            _check_parent(root, target, change.path)
            writes.append(_Write(change.path, target, _encode(change.path, new_text, False), None, None))
        return

    old_data, mode, current = _read_current(source, source_rel)
    if current.text != _strip_bom(change.old_text or ""):
        raise _Refused(f"{source_rel}: changed on disk since the edit was made; not written")
    if change.old_mode is not None and git_mode(mode) != change.old_mode:
        raise _Refused(f"{source_rel}: its mode changed on disk since the edit was made; not written")
    if new_text is None:
        deletes.append(_Delete(source_rel, source, old_data, mode))
        return
    new_mode = with_git_mode(mode, change.mode_with(indices))
    if change.is_rename and takes_effect:
        if _exists(target):
            raise _Refused(f"{change.path}: cannot rename {source_rel} onto an existing file")
        _check_parent(root, target, change.path)
        writes.append(_Write(change.path, target, _encode(change.path, new_text, current.bom), new_mode, None))
        deletes.append(_Delete(source_rel, source, old_data, mode))
    elif new_text != current.text or new_mode != mode:
        real = Path(os.path.realpath(source))  # write through an in-repo symlink, keep the link
        data = _encode(source_rel, new_text, current.bom)
        writes.append(_Write(source_rel, real, data, new_mode, old_data, mode))


def git_mode(permissions: int) -> str:
    """The mode git records for a regular file with these permission bits."""
    return "100755" if permissions & 0o100 else "100644"


def with_git_mode(permissions: int, mode: str | None) -> int:
    """`permissions` made executable (where readable) or not, as git's `mode` says; None keeps them."""
    if mode is None or git_mode(permissions) == mode:
        return permissions
    return permissions | (permissions & 0o444) >> 2 if mode == "100755" else permissions & ~0o111


def _read_current(path: Path, rel: str) -> tuple[bytes, int, textfile.TextFile]:
    """The file's bytes, permission bits and decoded text, or _Refused when it is gone."""
    try:
        if not path.is_file():
            raise _Refused(f"{rel}: not a regular file" if _exists(path) else f"{rel}: no longer exists on disk")
        data = path.read_bytes()
        mode = path.stat().st_mode & 0o7777
    except OSError as error:
        raise _Refused(f"{rel}: cannot read ({error.strerror})") from None
    return data, mode, textfile.decode(data, rel)


def _check_parent(root: Path, target: Path, rel: str) -> None:
    """Refuse when a component on the way to `target` exists but is not a directory."""
    for parent in reversed(target.relative_to(root).parents):
        directory = root / parent
        if _exists(directory) and not directory.is_dir():
            raise _Refused(f"{rel}: {parent.as_posix()} is a file, not a directory")


def _exists(path: Path) -> bool:
    return os.path.lexists(path)


def _strip_bom(text: str) -> str:
    return text.removeprefix("\ufeff")


def _encode(rel: str, text: str, bom: bool) -> bytes:
    """The bytes for `text`; a BOM at the start of the text itself counts as `bom`."""
    if text.startswith("\ufeff"):
        text, bom = text[1:], True
    try:
        return textfile.TextFile(text, bom).encode()
    except UnicodeEncodeError as error:
        raise _Refused(f"{rel}: the new text cannot be encoded as UTF-8 ({error.reason})") from None


def _commit(writes: list[_Write], deletes: list[_Delete]) -> None:
    """Write every temp file, then rename them all into place, then delete; undo on failure."""
    temps: list[tuple[_Write, Path]] = []
    made_dirs: list[Path] = []
    try:
        for write in writes:
            made_dirs += _make_parents(write.target.parent)
            temps.append((write, textfile.write_temp(write.target, write.data, write.mode)))
    except OSError as error:
        for _, temp in temps:
            temp.unlink(missing_ok=True)
        _remove_dirs(made_dirs)
        raise ApplyError([f"{write.rel}: cannot write ({error.strerror or error})"]) from None

    done: list[_Write] = []
    removed: list[_Delete] = []
    try:
        for write, temp in temps:
            os.replace(temp, write.target)
            done.append(write)
        for delete in deletes:
            delete.path.unlink()
            removed.append(delete)
    except OSError as error:
        failed = write.rel if len(done) < len(temps) else deletes[len(removed)].rel
        _undo(done, removed, [t for w, t in temps if w not in done], made_dirs)
        raise ApplyError([f"{failed}: cannot write ({error.strerror or error}); nothing was changed"]) from None
    for directory in {w.target.parent for w in writes} | {d.path.parent for d in deletes}:
        textfile.fsync_dir(directory)


def _make_parents(directory: Path) -> list[Path]:
    """Create `directory` and its missing parents; return the ones created, outermost first."""
    missing = [d for d in [directory, *directory.parents] if not d.exists()]
    for made in reversed(missing):
        made.mkdir()
    return list(reversed(missing))


def _undo(done: list[_Write], removed: list[_Delete], temps: list[Path], made_dirs: list[Path]) -> None:
    """Put back what a failed commit changed (best effort: the failure is already reported)."""
    for temp in temps:
        temp.unlink(missing_ok=True)
    for write in done:
        if write.old_data is None:
            write.target.unlink(missing_ok=True)
        else:
            textfile.write_atomic(write.target, write.old_data, write.old_mode)
    for delete in removed:
        textfile.write_atomic(delete.path, delete.old_data, delete.mode)
    _remove_dirs(made_dirs)


def _remove_dirs(made_dirs: list[Path]) -> None:
    for directory in reversed(made_dirs):
        try:
            directory.rmdir()
        except OSError:
            pass

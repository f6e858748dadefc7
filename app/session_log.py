"""The session log: every conversation kept as it happens, so that it survives a crash and can be
resumed, and so that the review analytics (app/stats.py) can be computed from it.

One file per session, one JSON event per line, under the user data dir (never in the
repository), in a folder per repository, readable by the user only (0600). An event is written
whole with one `write` and flushed; at turn boundaries (`sync`) the file is fsynced too, so a
`kill -9` loses at most the event being written, and a torn last line is skipped on load, with
a note. The content of a file named like a secret and anything shaped like an API key is never
written. A log that reaches MAX_BYTES goes on in a new part (`ID.1.jsonl`, …), so no one file
grows without bound.

Events (`e`, with `t` the Unix time of each):
  session   the first: repo, level, provider (the session's start)
  turn      turn `i` of the conversation as it stands (a later one for the same `i` replaces it)
  compacted the first `dropped` turns were summarised away (indices shift down)
  base      the context files' texts the model was given ahead of the turns, and the repo map
  review    a review's decisions (path, hunk, lines, accepted, comment, seconds) and what it wrote
  request   one model request's usage and cost (turns, summaries, commit messages, completions)
  level     the slider moved
  switch    the provider failed over
  tally     ghost-text completions requested, shown, accepted
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.context.secrets import secret_reason

MAX_BYTES = 16_000_000
"""A log part this large is closed and the next part begun."""
_KEY = re.compile(r"\b(sk-(?:ant-)?[A-Za-z0-9_-]{16,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|xox[abp]-[A-Za-z0-9-]{10,})")
"""Shapes of API keys and tokens (OpenAI, Anthropic, AWS, GitHub, Slack): masked wherever they appear."""
REDACTED = "[not logged: a secret]"


def sessions_root() -> Path:
    """Where every repository's logs live: $EXOSUIT_SESSIONS, else the platform's user data dir."""
    if os.environ.get("EXOSUIT_SESSIONS"):
        return Path(os.environ["EXOSUIT_SESSIONS"]).expanduser()
    from platformdirs import user_data_path

    return user_data_path("exosuit") / "sessions"


def repo_folder(repo_root: Path) -> Path:
    """The folder of `repo_root`'s logs (named for a hash of its path)."""
    root = str(repo_root.resolve())
    return sessions_root() / f"{Path(root).name}-{hashlib.sha256(root.encode()).hexdigest()[:12]}"


def scrub(value: Any) -> Any:
    """`value` with anything shaped like an API key masked, in every string it holds."""
    if isinstance(value, str):
        return _KEY.sub(REDACTED, value)
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def unsecret(files: dict[str, str]) -> dict[str, str]:
    """`files` (path -> text) with the text of those named like secrets left out."""
    return {path: REDACTED if secret_reason(path) else text for path, text in files.items()}


class SessionLog:
    """The log of one session, appended to as it happens (from any thread). A log that cannot be
    written (a full disk) stops, and says why in `failed`: the session goes on without it."""

    def __init__(self, path: Path, part: int = 0) -> None:
        """`path`: the session's first part; `part`: the one to write (a new file)."""
        self.path = path
        self.id = path.name.split(".")[0]
        self.failed = ""
        self._lock = threading.Lock()
        self._part = part
        self._file = _open_new(self._part_path())

    @classmethod
    def start(cls, repo_root: Path, **fields: Any) -> SessionLog:
        """A new session's log for `repo_root`, its first event `session` with `fields`."""
        folder = repo_folder(repo_root)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        log = cls(folder / f"{stamp}-{os.urandom(3).hex()}.jsonl")
        log.append("session", repo=str(repo_root.resolve()), **fields)
        log.sync()
        return log

    @classmethod
    def resume(cls, path: Path) -> SessionLog:
        """Go on appending to the session at `path` (a new part of it, so no torn line is built on)."""
        return cls(path, len(parts(path)))

    def append(self, kind: str, **fields: Any) -> None:
        """Write one event (`e` = `kind`), whole, and flush it."""
        line = json.dumps({"e": kind, "t": round(time.time(), 3), **scrub(fields)}, ensure_ascii=False) + "\n"
        with self._lock:
            if self._file.closed:
                return
            try:
                self._file.write(line)
                self._file.flush()
                if self._file.tell() >= MAX_BYTES:
                    os.fsync(self._file.fileno())
                    self._file.close()
                    self._part += 1
                    self._file = _open_new(self._part_path())
            except OSError as exc:
                self._stop(exc)

    def sync(self) -> None:
        """fsync: a turn boundary (what was appended survives a crash of the machine too)."""
        with self._lock:
            if not self._file.closed:
                try:
                    os.fsync(self._file.fileno())
                except OSError as exc:
                    self._stop(exc)

    def close(self) -> None:
        self.sync()
        with self._lock:
            self._file.close()

    def _part_path(self) -> Path:
        return part_path(self.path, self._part)

    def _stop(self, exc: OSError) -> None:
        self.failed = f"the session log stopped: {exc.strerror or exc}"
        try:
            self._file.close()
        except OSError:
            pass


def _open_new(path: Path):  # noqa: ANN202 - a text file opened for appending
    """`path` created for appending, readable by the user only (never another's file)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
    return os.fdopen(descriptor, "a", encoding="utf-8")


def part_path(first: Path, number: int) -> Path:
    """Part `number` of the session whose first part (0) is `first`: ID.jsonl, ID.1.jsonl, …"""
    return first if number == 0 else first.with_name(f"{first.name.split('.')[0]}.{number}.jsonl")


def parts(path: Path) -> list[Path]:
    """The files of the session whose first part is `path`, in order."""
    found = [path]
    while (following := part_path(path, len(found))).exists():
        found.append(following)
    return found


@dataclass
class Loaded:
    """A session's events as read back, and what could not be read."""

    id: str
    events: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0
    """Lines that were not whole JSON events (a torn last line after a crash)."""

    @property
    def note(self) -> str:
        """One line on what was skipped, "" when nothing was."""
        if not self.skipped:
            return ""
        return f"{self.id}: {self.skipped} unreadable line{'s' * (self.skipped != 1)} skipped (cut off by a crash)"


def load(path: Path, files: list[Path] | None = None) -> Loaded:
    """Every event of the session at `path` (all its parts, or `files` when they are known), the
    unreadable lines skipped."""
    loaded = Loaded(path.name.split(".")[0])
    for part in files or parts(path):
        lines = [line for line in _text(part).splitlines() if line.strip()]
        try:  # all at once: one parse for the whole file, as nearly every file is whole
            events = json.loads(f"[{','.join(lines)}]")
        except ValueError:
            events = [_event(line) for line in lines]
        for event in events:
            if isinstance(event, dict) and "e" in event:
                loaded.events.append(event)
            else:
                loaded.skipped += 1
    return loaded


def _event(line: str) -> object:
    try:
        return json.loads(line)
    except ValueError:
        return None


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def sessions(repo_root: Path | None = None) -> list[list[Path]]:
    """Each session's files, first part first (of `repo_root`, else of every repository), the
    newest session first: one listing of each folder, no file opened."""
    folders = [repo_folder(repo_root)] if repo_root else [p for p in sessions_root().glob("*") if p.is_dir()]
    found: list[list[Path]] = []
    for folder in folders:
        try:
            names = {entry.name for entry in os.scandir(folder) if entry.name.endswith(".jsonl")}
        except OSError:
            continue
        for name in names:
            if name.count(".") == 1:  # a first part: ID.jsonl
                files = [folder / name]
                while (following := part_path(files[0], len(files))).name in names:
                    files.append(following)
                found.append(files)
    return sorted(found, key=lambda files: files[0].name, reverse=True)


def session_files(repo_root: Path | None = None) -> list[Path]:
    """The first part of every session (of `repo_root`, else of every repository), newest first."""
    return [files[0] for files in sessions(repo_root)]


def find(repo_root: Path, session_id: str | None) -> Path | None:
    """The session of `repo_root` with this id (or id prefix), the latest one for None."""
    files = session_files(repo_root)
    if session_id is None:
        return files[0] if files else None
    matches = [p for p in files if p.name.startswith(session_id)]
    return matches[0] if len(matches) == 1 else None


def prune(older_than: float, repo_root: Path | None = None) -> list[str]:
    """Delete the sessions last written more than `older_than` seconds ago; their ids."""
    cutoff, gone = time.time() - older_than, []
    for files in sessions(repo_root):
        if max(p.stat().st_mtime for p in files) < cutoff:
            for part in files:
                part.unlink(missing_ok=True)
            gone.append(files[0].name.split(".")[0])
    return gone


@dataclass(frozen=True)
class Summary:
    """One session at a glance (`exosuit sessions`, the TUI's picker)."""

    id: str
    path: Path
    started: float
    first_instruction: str
    level: str
    turns: int
    """The most questions the conversation held at once (the person's, not the loop's feedback
    or tool turns; a compaction or /clear lowers what it holds, not this)."""
    cost: float
    """USD, of the requests whose price is known."""

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(self.started)),
                "first_instruction": self.first_instruction, "level": self.level, "turns": self.turns,
                "cost": round(self.cost, 6)}


def summarize(path: Path, loaded: Loaded | None = None) -> Summary:
    """The summary of the session at `path` (read now unless `loaded` is given)."""
    loaded = loaded or load(path)
    start = next((e for e in loaded.events if e["e"] == "session"), {})
    level, first, most, cost = start.get("level", ""), "", 0, 0.0
    kinds: list[str] = []
    for event in loaded.events:
        if event["e"] == "turns":
            kinds = kinds[: event["keep"]] + [t.get("kind", "user") for t in event["add"]]
            most = max(most, kinds.count("user"))
            first = first or next((t["prompt"] for t in event["add"] if t.get("kind") == "user"), "")
        elif event["e"] == "request" and event.get("cost"):
            cost += event["cost"]
        elif event["e"] == "level":
            level = event["level"]
    line = first.strip().splitlines()[0][:100] if first.strip() else ""
    return Summary(loaded.id, path, start.get("t", 0.0), line, level, most, cost)

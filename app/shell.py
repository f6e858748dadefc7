"""Running a command for the model: in the sandbox, with a deadline, stoppable, its output capped.

The sandbox is bubblewrap (`bwrap`, the mechanism Claude Code's Linux sandbox uses): the whole
filesystem read-only, the repository writable except its `.git`, its secrets files (`.env`,
keys: see `secret_files`) unreadable, a private `/tmp`, no network unless asked for, its own process
namespace (nothing outlives it), and an environment holding only what a build needs: never the
API keys or tokens of the person's shell. Without `bwrap` a
command runs unsandboxed, with the same environment, deadline and output cap, and says so
(`CommandResult.sandboxed`); the autonomy policy then asks before every command.

A command runs as its own process group; a deadline or a stop kills the whole group at once.
Output (stdout and stderr together, as a terminal shows them) keeps its first and last
`HEAD`/`TAIL` bytes, and says how much was cut between them.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO

HEAD = 8_000
TAIL = 8_000
"""Bytes of output kept from the start and from the end of a command's output."""
DEFAULT_TIMEOUT = 120.0
KEPT_ENV = ("PATH", "LANG", "LANGUAGE", "TZ", "TERM", "USER", "LOGNAME", "SHELL", "VIRTUAL_ENV")
"""The variables a command sees from the person's environment (and `LC_*`); everything else,
keys and tokens included, stays out."""


@dataclass(frozen=True)
class CommandResult:
    """How a command ended and what it printed."""

    command: str
    exit_code: int | None
    """None when it did not exit by itself (deadline, stop)."""
    output: str
    seconds: float
    sandboxed: bool
    timed_out: bool = False
    stopped: bool = False
    cut: int = 0
    """Bytes of output left out between the head and the tail."""

    @property
    def ending(self) -> str:
        """How it ended, in a few words: "exit 0, 0.4s", "stopped, 2.0s (unsandboxed)"."""
        if self.timed_out:
            end = f"killed after {self.seconds:.0f}s (its deadline)"
        elif self.stopped:
            end = "stopped"
        else:
            end = f"exit {self.exit_code}"
        return f"{end}, {self.seconds:.1f}s" + ("" if self.sandboxed else " (unsandboxed)")

    def summary(self) -> str:
        """One line: the command and how it ended."""
        return f"{self.command}: {self.ending}"


@cache
def sandbox_available() -> bool:
    """Whether bubblewrap is installed and can make a sandbox here (a container may forbid it)."""
    if shutil.which("bwrap") is None:
        return False
    probe = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--unshare-net", "--", "true"], capture_output=True, check=False)
    return probe.returncode == 0


def run_command(
    repo: Path, command: str, *, timeout: float = DEFAULT_TIMEOUT, network: bool = False,
    stop: threading.Event | None = None, sandbox: bool = True,
) -> CommandResult:
    """Run `command` with bash in `repo` (sandboxed when `sandbox` and bubblewrap can), until it
    exits, `timeout` seconds pass or `stop` is set."""
    repo = repo.resolve()
    sandboxed = sandbox and sandbox_available()
    argv = [*_bwrap(repo, network), "bash", "-c", command] if sandboxed else ["bash", "-c", command]
    started = time.monotonic()
    process = subprocess.Popen(
        argv, cwd=repo, env=_environment(sandboxed), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, start_new_session=True,
    )
    output = _Capped()
    reader = threading.Thread(target=output.read, args=(process.stdout,), daemon=True)
    reader.start()
    timed_out = stopped = False
    while not (timed_out or stopped):
        try:
            process.wait(timeout=0.05)  # returns as soon as it exits
            break
        except subprocess.TimeoutExpired:
            timed_out, stopped = time.monotonic() - started >= timeout, stop is not None and stop.is_set()
    if timed_out or stopped:
        _kill_group(process)
    process.wait()
    reader.join(5)
    exit_code = None if timed_out or stopped else process.returncode
    return CommandResult(command, exit_code, output.text(), time.monotonic() - started, sandboxed, timed_out, stopped, output.cut)


SKIPPED_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", "target", "dist", "build"}
"""Directories not searched for secrets files to hide (big, generated, or the repository's own)."""


def secret_files(repo: Path) -> list[Path]:
    """The files in `repo` named like secrets (`.env`, keys, credentials; ignored ones too), which
    a sandboxed command cannot read ("Permission denied"): what it prints goes back to the model."""
    from app.context import secret_reason

    found = []
    for directory, subdirs, names in os.walk(repo):
        subdirs[:] = [d for d in subdirs if d not in SKIPPED_DIRS]
        for name in names:
            path = Path(directory, name)
            if secret_reason(path.relative_to(repo).as_posix()) and path.is_file():
                found.append(path)
    return sorted(found)


def _bwrap(repo: Path, network: bool) -> list[str]:
    """The bubblewrap command line. Order matters: the private /tmp comes before the repository's
    bind, or a repository under /tmp would be hidden by it."""
    argv = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
            "--bind", str(repo), str(repo)]
    if (repo / ".git").exists():
        argv += ["--ro-bind", str(repo / ".git"), str(repo / ".git")]
    for secret in secret_files(repo):
        argv += ["--ro-bind", "/dev/null", str(secret)]
    if not network:
        argv.append("--unshare-net")
    return [*argv, "--unshare-pid", "--die-with-parent", "--chdir", str(repo), "--"]


def _environment(sandboxed: bool) -> dict[str, str]:
    """The command's variables: KEPT_ENV; in the sandbox a HOME in its private /tmp (so caches
    land neither in the repository nor in the person's home)."""
    env = {k: v for k, v in os.environ.items() if k in KEPT_ENV or k.startswith("LC_")}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    home = "/tmp" if sandboxed else os.environ.get("HOME", "/tmp")
    # No bytecode caches: they would land in the repository, and an edit that keeps a file's
    # size within the same second leaves a stale one that Python trusts.
    return {**env, "HOME": home, "GIT_TERMINAL_PROMPT": "0", "PYTHONDONTWRITEBYTECODE": "1"}


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class _Capped:
    """A command's output as it is read: the first HEAD bytes, the last TAIL, the count between."""

    def __init__(self) -> None:
        self.head = bytearray()
        self.tail = bytearray()
        self.cut = 0

    def read(self, stream: IO[bytes]) -> None:
        for chunk in iter(lambda: stream.read1(65536), b""):  # type: ignore[attr-defined]
            room = max(0, HEAD - len(self.head))
            self.head += chunk[:room]
            self.tail += chunk[room:]
            if len(self.tail) > TAIL:
                self.cut += len(self.tail) - TAIL
                del self.tail[:-TAIL]

    def text(self) -> str:
        middle = f"\n[... {self.cut:,} bytes of output cut ...]\n".encode() if self.cut else b""
        return (bytes(self.head) + middle + bytes(self.tail)).decode("utf-8", "replace")

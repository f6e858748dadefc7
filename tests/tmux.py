"""A real terminal for end-to-end tests: one tmux session running one shell command.

Each terminal runs on a tmux server of its own (`-L`, no config file), so nothing outside the test
- another tmux session, a client attached elsewhere, the user's tmux.conf - can resize or restyle it.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

needs_tmux = [
    pytest.mark.tmux,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]
"""The marks every tmux test module sets as its `pytestmark`."""


class Terminal:
    """A tmux session running `command` in a true-colour terminal of `width` x `height`."""

    def __init__(self, command: str, width: int = 120, height: int = 35) -> None:
        self.name = f"exosuit-test-{uuid.uuid4().hex[:8]}"
        size = ["-x", str(width), "-y", str(height)]
        # The size comes from the terminal itself: the shell tmux starts was sometimes handed
        # COLUMNS=80 LINES=24, which the app's size query (shutil.get_terminal_size) prefers.
        command = f"unset COLUMNS LINES; {command}"
        self._tmux("new-session", "-d", "-s", self.name, *size, "-e", "COLORTERM=truecolor", command)
        self._socket = self._tmux("display-message", "-p", "#{socket_path}", check=False).strip()

    def _tmux(self, *args: str, check: bool = True) -> str:
        """Run a tmux command on this terminal's own server; returns its output."""
        command = ["tmux", "-L", self.name, "-f", "/dev/null", *args]
        return subprocess.run(command, capture_output=True, text=True, check=check).stdout

    def screen(self) -> str:
        """The text on the screen now."""
        return self._tmux("capture-pane", "-p", "-t", self.name, check=False)

    def wait_for(self, text: str, timeout: float = 20) -> str:
        """Wait until `text` is on the screen; returns the screen."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in (screen := self.screen()):
                return screen
            time.sleep(0.1)
        size = self._tmux("display-message", "-p", "-t", self.name, "#{window_width}x#{window_height}", check=False)
        raise AssertionError(f"{text!r} never appeared; the screen ({size.strip()}) was:\n{self.screen()}")

    def type(self, text: str) -> None:
        """Type `text` literally."""
        self._tmux("send-keys", "-t", self.name, "-l", text)

    def keys(self, *keys: str) -> None:
        """Press keys by tmux name ("Enter", "C-s", "y"), a moment apart like a person."""
        for key in keys:
            self._tmux("send-keys", "-t", self.name, key)
            time.sleep(0.15)

    def close(self) -> None:
        self._tmux("kill-server", check=False)
        if self._socket:
            Path(self._socket).unlink(missing_ok=True)


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    """Terminals the test opens (append them); all are closed afterwards."""
    opened: list[Terminal] = []
    yield opened
    for terminal in opened:
        terminal.close()

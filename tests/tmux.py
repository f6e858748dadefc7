"""A real terminal for end-to-end tests: one tmux session running one shell command."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator

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
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, *size, "-e", "COLORTERM=truecolor", command], check=True
        )

    def screen(self) -> str:
        """The text on the screen now."""
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True).stdout

    def wait_for(self, text: str, timeout: float = 20) -> str:
        """Wait until `text` is on the screen; returns the screen."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in (screen := self.screen()):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{self.screen()}")

    def type(self, text: str) -> None:
        """Type `text` literally."""
        subprocess.run(["tmux", "send-keys", "-t", self.name, "-l", text], check=True)

    def keys(self, *keys: str) -> None:
        """Press keys by tmux name ("Enter", "C-s", "y"), a moment apart like a person."""
        for key in keys:
            subprocess.run(["tmux", "send-keys", "-t", self.name, key], check=True)
            time.sleep(0.15)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    """Terminals the test opens (append them); all are closed afterwards."""
    opened: list[Terminal] = []
    yield opened
    for terminal in opened:
        terminal.close()

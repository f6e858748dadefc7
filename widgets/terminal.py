"""What a full-screen app needs of the machine: a terminal (drawn on through stdout, keys read
through stdin), and a folder its screenshots can go to."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from platformdirs import user_data_path
from textual.app import App


def terminal_for_keys() -> bool:
    """Whether the app can draw on a terminal and read keys from it; keys come from the terminal
    (/dev/tty) even when something was piped into stdin."""
    if not sys.stdout.isatty():
        return False
    if sys.stdin.isatty():
        return True
    try:
        tty = os.open("/dev/tty", os.O_RDONLY)
    except OSError:
        return False
    os.dup2(tty, sys.stdin.fileno())
    os.close(tty)
    return True


def take_screenshot(app: App[object], filename: str | None = None, path: str | None = None) -> None:
    """The palette's Screenshot: an SVG of the screen, saved in exosuit's data folder (Textual's
    default, ~/Downloads, is often missing) or `path`, and a notice that says where, or why not."""
    folder = Path(path).expanduser() if path else user_data_path("exosuit") / "screenshots"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        saved = app.save_screenshot(filename, str(folder))
    except OSError as exc:
        app.notify(f"Not saved in {folder}: {exc.strerror or exc}", title="Screenshot", severity="error")
        return
    app.notify(f"Saved to {saved}", title="Screenshot")

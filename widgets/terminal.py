"""The terminal a full-screen app needs: drawn on through stdout, keys read through stdin."""

from __future__ import annotations

import os
import sys


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

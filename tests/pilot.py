"""Pilot's wait for a settled screen, made safe against widgets that close while it waits.

`Pilot.press()` and `Pilot.pause()` wait until every widget of the current screen has handled a
callback queued on it. A widget removed in the meantime (a block of a streaming Markdown answer,
the review screen when a key dismisses it) drops its queue, and the wait then runs into its
30-second timeout (textual 8.2.8, `Pilot._wait_for_screen`). This version stops waiting for a
widget once it has closed, and is otherwise the same.
"""

from __future__ import annotations

import asyncio
import time

from textual.message_pump import MessagePump
from textual.pilot import Pilot, WaitForScreenTimeout


async def wait_for_screen(self: Pilot, timeout: float = 30.0) -> bool:
    """Wait until the app and the current screen's widgets have handled what was queued so far."""
    try:
        screen = self.app.screen
    except Exception:
        return False
    waiting: set[MessagePump] = set()

    def handled(pump: MessagePump) -> None:
        waiting.discard(pump)

    for pump in [self.app, *screen.walk_children(with_self=True)]:
        if pump.call_later(handled, pump):
            waiting.add(pump)
    deadline = time.monotonic() + timeout
    while waiting:
        waiting = {pump for pump in waiting if not (pump._closing or pump._closed)}
        if self.app._exception_event.is_set():
            return False
        if waiting and time.monotonic() > deadline:
            stuck = ", ".join(sorted(repr(pump) for pump in waiting))
            raise WaitForScreenTimeout(f"Timed out while waiting for widgets to process pending messages: {stuck}")
        await asyncio.sleep(0.002)
    return True

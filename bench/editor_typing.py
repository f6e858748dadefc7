"""Typing in the editor pane against Textual's own TextArea: key → screen on Python files of
1,000 to 10,000 lines, highlighted, and the re-parse the pane leaves for a pause in typing.

    .venv/bin/python bench/editor_typing.py

A statement is typed a key at a time inside a function (through the unfinished states real
typing passes). Each key is timed from the edit it makes (`insert`, as a key press does) to the
visible lines drawn again (`render_lines`); Textual's own dispatch of the key is left out. No
terminal assistant peer has an editor pane, so the peer is the TextArea the pane is built on
(widgets/fast_text_area.py says what differs). Target: under 16 ms median at 10,000 lines.

Figures here (2 cores), 2026-12-07:
       lines   TextArea   editor pane (p95)   ratio   re-parse at a pause
       1,000    61 ms     6.0 ms (10 ms)       10×        14 ms
       5,000   302 ms     8.8 ms (18 ms)       34×        32 ms
      10,000   557 ms    10.2 ms (22 ms)       55×        50 ms
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textual.app import App, ComposeResult  # noqa: E402
from textual.geometry import Region  # noqa: E402
from textual.widgets import TextArea  # noqa: E402

from widgets.editor_pane import EditorPane  # noqa: E402
from widgets.fast_text_area import FastTextArea  # noqa: E402

TYPED = "\n    total = compute(value, limit=3) * 2"
"""Typed a key at a time inside a function."""


class EditorApp(App[None]):
    def __init__(self, area: TextArea) -> None:
        super().__init__()
        self.area = area

    def compose(self) -> ComposeResult:
        yield self.area


def source(lines: int) -> str:
    return "".join(f"def function_{i}(value):\n    return value + {i}\n" for i in range(lines // 2))


async def typing(area: TextArea, lines: int) -> tuple[list[float], list[float]]:
    """Per key: the time to take the character in and draw the visible lines again; per pause
    (after each word, the pane only): the time to parse again and draw the new colours."""
    keys, pauses = [], []
    async with EditorApp(area).run_test(size=(120, 40)) as pilot:
        area.focus()
        area.move_cursor((lines // 2, len(area.document[lines // 2])))
        await pilot.pause()
        region = Region(0, 0, area.size.width, area.size.height)
        for character in TYPED:
            started = time.perf_counter()
            area.insert(character)
            area.render_lines(region)
            keys.append((time.perf_counter() - started) * 1000)
            if isinstance(area, FastTextArea) and character == " ":
                started = time.perf_counter()
                area.reparse()
                area.render_lines(region)
                pauses.append((time.perf_counter() - started) * 1000)
            await pilot.pause()
    return keys, pauses


def main() -> int:
    print(f"typing {TYPED!r} a key at a time into a highlighted Python file (medians):")
    print("   lines   TextArea   editor pane (p95)   ratio   re-parse at a pause")
    for lines in (1_000, 5_000, 10_000):
        text = source(lines)
        theirs, _ = asyncio.run(typing(TextArea(text, language="python", soft_wrap=False, show_line_numbers=True), lines))
        ours, pauses = asyncio.run(typing(EditorPane("big.py", text), lines))
        mine, peer = statistics.median(ours), statistics.median(theirs)
        print(f"  {lines:>6,}   {peer:6.0f} ms   {mine:5.1f} ms ({sorted(ours)[int(len(ours) * .95)]:4.0f} ms)"
              f"   {peer / mine:5.0f}×   {statistics.median(pauses):8.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

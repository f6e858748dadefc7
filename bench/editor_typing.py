"""Typing in the editor pane: key → screen on files of 1,000 to 10,000 lines, highlighted and
plain (Textual's TextArea highlights the whole document on every edit, which is why long files
are shown plain: see `MAX_HIGHLIGHTED_LINES` in widgets/editor_pane.py).

    .venv/bin/python bench/editor_typing.py [--keys 40]

Each key is timed from the edit it makes (`insert`, as a key press does) to the visible lines
drawn again (`render_lines`); Textual's own dispatch of the key is left out. No terminal assistant peer has an editor pane to compare with. Target: under 16 ms
median on a 10,000-line file.

Figures here (2 cores, medians of 20 keys), 2026-12-07 — the target is not met:
       lines    plain    highlighted
       1,000   17.2 ms     92.6 ms
       5,000   42.7 ms    369.5 ms
      10,000   54.7 ms    545.7 ms
TextArea's own cost grows with the document (its wrapped-document height and the whole-document
highlight); meeting 16 ms wants a highlighter that parses incrementally and queries only the
visible lines (as widgets/syntax.py does for the diff view).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textual.app import App, ComposeResult  # noqa: E402

from widgets import editor_pane  # noqa: E402


class EditorApp(App[None]):
    def __init__(self, text: str, highlighted: bool) -> None:
        super().__init__()
        self.text, self.highlighted = text, highlighted

    def compose(self) -> ComposeResult:
        editor_pane.MAX_HIGHLIGHTED_LINES = 10**9 if self.highlighted else 0
        yield editor_pane.EditorPane("big.py", self.text)


async def per_key(lines: int, highlighted: bool, keys: int) -> float:
    """The median time to take one typed character in and draw the visible lines again."""
    from textual.geometry import Region

    text = "".join(f"def function_{i}(value):\n    return value + {i}\n" for i in range(lines // 2))
    app = EditorApp(text, highlighted)
    times = []
    async with app.run_test(size=(120, 40)) as pilot:
        editor = app.query_one(editor_pane.EditorPane)
        editor.focus()
        editor.move_cursor((lines // 2, 0))
        await pilot.pause()
        region = Region(0, 0, editor.size.width, editor.size.height)
        for _ in range(keys):
            started = time.perf_counter()
            editor.insert("x")  # what a key press does, then the visible lines drawn
            editor.render_lines(region)
            times.append((time.perf_counter() - started) * 1000)
            await pilot.pause()
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=40)
    args = parser.parse_args()
    print(f"key → visible lines drawn, median of {args.keys} keys:")
    for lines in (1_000, 5_000, 10_000):
        plain = asyncio.run(per_key(lines, False, args.keys))
        highlighted = asyncio.run(per_key(lines, True, args.keys))
        print(f"  {lines:>6,} lines   plain {plain:6.1f} ms   highlighted {highlighted:6.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

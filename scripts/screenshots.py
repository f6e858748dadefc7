"""Regenerate `screenshots/*.svg` and `*.png` from the real app.

    .venv/bin/python scripts/screenshots.py                      # every scenario, into screenshots/
    .venv/bin/python scripts/screenshots.py review-help --out /tmp  # only the ones named, elsewhere
    .venv/bin/python scripts/screenshots.py --list                # the scenarios' names

Each `Scenario` builds an app (given a scratch directory it may use as a repository), presses
keys and saves the screen. Append to `SCENARIOS` to add one; the snapshot tests in
`tests/snapshots/` run the same scenarios. PNGs are drawn with cairosvg, after pointing the SVG at
a monospace font that is installed here (the SVG names Fira Code, which usually is not) and
placing each character in its cell (see `_in_cells`).
"""

from __future__ import annotations

import argparse
import asyncio
import html
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.cells import cell_len
from textual.app import App
from textual.pilot import Pilot

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a file, the repo is not on the path

from app.edits.changeset import ChangeSet  # noqa: E402
from app.review import WriteAccepted  # noqa: E402
from app.workspace import Workspace  # noqa: E402
from scripts import chat_samples as chat  # noqa: E402
from scripts.review_samples import (  # noqa: E402
    SAMPLE_FILES,
    WHITESPACE_FILES,
    large_changeset,
    sample_changeset,
    whitespace_changeset,
)

OUT = Path(__file__).resolve().parent.parent / "screenshots"


@dataclass(frozen=True)
class Scenario:
    name: str
    """File name without extension."""
    make_app: Callable[[Path], App[object]]
    """Builds the app, given a scratch directory."""
    keys: tuple[str, ...] = ()
    size: tuple[int, int] = (120, 36)


def review_app(changeset: Callable[[], ChangeSet], files: dict[str, str] = SAMPLE_FILES) -> Callable[[Path], App[object]]:
    """A factory for the review app on `changeset()`, with the `files` it applies to written to the directory."""

    def make(directory: Path) -> App[object]:
        from widgets.review_command import ReviewApp

        for path, text in files.items():
            (directory / path).write_text(text, encoding="utf-8")
        return ReviewApp(changeset(), WriteAccepted(Workspace(directory)))

    return make


SCENARIOS: list[Scenario] = [
    Scenario("review-unified", review_app(sample_changeset), ("y", "r", *"keep listening on all interfaces", "enter", "k")),
    Scenario("review-side-by-side", review_app(sample_changeset), ("y", "t")),
    Scenario("review-help", review_app(sample_changeset), ("question_mark",)),
    Scenario("review-large", review_app(large_changeset), ("J", "J", "j", "y", "n")),
    Scenario("review-whitespace", review_app(whitespace_changeset, WHITESPACE_FILES)),
    Scenario(
        "review-whitespace-side-by-side", review_app(whitespace_changeset, WHITESPACE_FILES), ("t",), (160, 36)
    ),
    # The main screen (scripts/chat_samples.py: answers come from a local wire-protocol server).
    # An answer with an edit opens the review; accepting it writes the file and returns to the chat.
    Scenario("chat-review", chat.ANSWER, chat.typed("/add app/greet.py", "Use an f-string in greet")),
    Scenario(
        "chat-answer", chat.ANSWER, (*chat.typed("/add app/greet.py", "Use an f-string in greet"), "y", "ctrl+s")
    ),
    Scenario("chat-failover", chat.FAILOVER, chat.typed("Summarise the repo")),
    # An edit that breaks the file's syntax goes back once; still broken, its hunk is flagged.
    Scenario("chat-review-syntax", chat.SYNTAX, chat.typed("/add app/greet.py", "Add type hints to greet")),
    Scenario("chat-offline", chat.OFFLINE),
    # At Agent level: each tool call is a line; a command waits for the person's yes.
    Scenario("chat-agent-approval", chat.AGENT, chat.typed("Modernise greet")),
    Scenario("chat-agent", chat.AGENT, (*chat.typed("Modernise greet"), "y", "wait:1200", "Y", "ctrl+s", "wait:1500")),
    Scenario("chat-model-picker", chat.PICKER, (*"/model", "enter", "wait:600")),
    # The context window: the list of what the next request holds, compacting, a question held back.
    Scenario("chat-context", chat.CONTEXT, (*chat.typed("/add shop/", "What does Cart.total do?"), "ctrl+o", "wait:300")),
    Scenario("chat-compact", chat.COMPACT, chat.typed(
        "/add shop/cart.py", "What does Cart.total do?", "And order_step_3?", "What is PRICE_7?", "/compact")),
    # Every AI change is a checkpoint: the Rewind screen lists them and puts the files back.
    Scenario("chat-rewind", chat.ANSWER, (*chat.typed("/add app/greet.py", "Use an f-string in greet"), "y", "ctrl+s",
                                          "wait:600", *"/undo", "enter", "wait:300", *"/redo", "enter", "wait:300",
                                          *"/rewind", "enter", "wait:400", "down", "down", "space", "wait:200")),
    # The editor pane at the Tab level: ghost text at the cursor after a pause in typing, in the
    # second of two files open in tabs (the first with an unsaved edit).
    Scenario("editor-ghost", chat.EDITOR, ("alt+1", *"/edit app/report.py", "enter", "wait:300", "end", "enter",
                                           "ctrl+e", *"/edit app/shapes.py", "enter", "wait:300", *["down"] * 8,
                                           "end", "x", "backspace", "wait:800")),
    # The Edit level: ctrl+k on a block, an instruction, and the range's change to decide, over the editor.
    Scenario("editor-edit", chat.EDIT_RANGE, ("alt+2", *"/edit app/shapes.py", "enter", "wait:300", *["down"] * 4,
                                              "ctrl+k", "wait:200", *"reject a negative radius, add a docstring",
                                              "enter", "wait:1500")),
    # Review analytics from the session logs: how fast the person verifies, how often they say no.
    Scenario("chat-stats", chat.stats_app, (*"/stats", "enter", "wait:400")),
    # Quit or crash, then pick up where you were: /resume lists the logged sessions.
    Scenario("chat-resume", chat.stats_app, (*"/resume", "enter", "wait:300")),
    Scenario("chat-overflow", chat.OVERFLOW, chat.typed("/add shop/", "What does Cart.total do?", "And order_step_3?", "What is PRICE_7?")),
]


async def play(scenario: Scenario, pilot: Pilot[object]) -> None:
    """Press the scenario's keys, then wait until the screen is settled."""
    await pilot.pause()
    for key in scenario.keys:
        await pilot.press(key)
    await pilot.pause()
    # Syntax highlighting is built in background workers: wait for it, and for what it draws.
    while highlighting := [w for w in pilot.app.workers if w.group == "highlight" and not w.is_finished]:
        await pilot.app.workers.wait_for_complete(highlighting)
        await pilot.pause()
    await pilot.wait_for_scheduled_animations()


async def shoot(scenario: Scenario, out: Path = OUT) -> Path:
    """Run one scenario headless and save its SVG; returns the path."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        app = scenario.make_app(Path(scratch))
        async with app.run_test(size=scenario.size) as pilot:
            await play(scenario, pilot)
            path = Path(app.save_screenshot(f"{scenario.name}.svg", str(out)))
    return path


def to_png(svg: Path) -> Path:
    """Rasterize an SVG screenshot next to it (2x scale)."""
    import cairosvg

    text = svg.read_text(encoding="utf-8").replace("Fira Code, monospace", '"DejaVu Sans Mono", monospace')
    text = _TEXT_RUN.sub(_in_cells, text)
    png = svg.with_suffix(".png")
    cairosvg.svg2png(bytestring=text.encode("utf-8"), write_to=str(png))
    return png


_TEXT_RUN = re.compile(r'(<text [^>]*?)x="([\d.]+)"([^>]*?)textLength="([\d.]+)"([^>]*)>([^<]*)</text>')
"""A run of text in Textual's SVG: its start, the width of its cells, and its characters."""
_BOX_SIZE = ' style="font-size:23px"'
"""Box-drawing runs are drawn a little larger (Textual's SVG uses 20px in 12.2px by 24.4px
cells), so their lines meet across cells instead of leaving gaps between them."""


def _in_cells(run: re.Match[str]) -> str:
    """The run with an x for each character, at its cell: cairosvg ignores `textLength`, and
    DejaVu Sans Mono's advance (12.04px) falls short of a cell, so a long line would end early
    and the right border of a box would be out of line."""
    head, x, middle, length, tail, escaped = run.groups()
    chars = html.unescape(escaped)
    if not cell_len(chars):
        return run.group(0)
    cell = float(length) / cell_len(chars)
    places, at = [], float(x)
    for char in chars:
        places.append(f"{at:.2f}")
        at += cell * cell_len(char)
    box = _BOX_SIZE if all("\u2500" <= char <= "\u257f" for char in chars) else ""
    return f'{head}x="{" ".join(places)}"{middle}{tail}{box}>{escaped}</text>'


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Regenerate the screenshots (SVG and PNG) from the real app.")
    parser.add_argument("names", nargs="*", metavar="SCENARIO", help="only these scenarios (default: all; see --list)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"the folder to write to (default: {OUT})")
    parser.add_argument("--list", action="store_true", help="print the scenarios' names and exit")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(s.name for s in SCENARIOS))
        return 0
    unknown = sorted(set(args.names) - {s.name for s in SCENARIOS})
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)}; known: {', '.join(s.name for s in SCENARIOS)}")
    for scenario in [s for s in SCENARIOS if not args.names or s.name in args.names]:
        svg = asyncio.run(shoot(scenario, args.out))
        print(f"{svg}  {to_png(svg)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

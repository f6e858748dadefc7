"""FastTextArea draws exactly what Textual's TextArea draws, however it got there: keys typed
within a line (only that line drawn again), new lines, deletions across lines, undo and redo,
tabs and wide characters; the colours of an unfinished parse catch up on the re-parse."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import TextArea

from widgets.fast_text_area import FastTextArea

SOURCE = "".join(f'def function_{i}(value):\n    """Doc {i}."""\n    return value + {i}\n\n' for i in range(60))


class Both(App[None]):
    """The two side by side, fed the same edits."""

    def __init__(self, text: str, language: str | None) -> None:
        super().__init__()
        self.text, self.language = text, language

    def compose(self) -> ComposeResult:
        yield TextArea(self.text, language=self.language, soft_wrap=False, show_line_numbers=True, id="plain")
        yield FastTextArea(self.text, language=self.language, soft_wrap=False, show_line_numbers=True, id="fast")


async def drawn(pilot: Pilot, area: TextArea) -> list[str]:
    """The visible lines with their styles, as segments, `area` focused (its cursor shown)."""
    area.cursor_blink = False
    area.focus()
    await pilot.pause()
    return [repr(list(strip)) for strip in area.render_lines(Region(0, 0, area.size.width, area.size.height))]


async def test_typing_new_lines_deleting_undo_and_redo_draw_exactly_what_textarea_draws() -> None:
    app = Both(SOURCE, "python")
    async with app.run_test(size=(100, 50)) as pilot:
        plain, fast = app.query_one("#plain", TextArea), app.query_one("#fast", FastTextArea)
        assert await drawn(pilot, fast) == await drawn(pilot, plain)
        for area in (plain, fast):
            area.move_cursor((5, 4))
        steps = [
            lambda area: [area.insert(character) for character in "total = compute("],  # within a line
            lambda area: area.insert('"""\n    x = 1\n'),  # opens a string over several lines
            lambda area: area.delete((3, 0), (9, 2)),  # across lines
            lambda area: area.undo(),
            lambda area: area.redo(),
            lambda area: area.replace("lambda: 0", (0, 0), (0, 3)),
        ]
        for step in steps:
            for area in (plain, fast):
                step(area)
                area.scroll_to(0, 0, animate=False)
            fast.reparse()  # the pause in typing
            await pilot.pause()
            assert fast.text == plain.text
            assert await drawn(pilot, fast) == await drawn(pilot, plain)


async def test_a_key_within_a_line_shows_at_once_and_only_that_line_is_drawn_again() -> None:
    app = Both(SOURCE, "python")
    async with app.run_test(size=(100, 50)) as pilot:
        plain, fast = app.query_one("#plain", TextArea), app.query_one("#fast", FastTextArea)
        fast.move_cursor((4, 4))
        plain.move_cursor((4, 4))
        await pilot.pause()
        before = await drawn(pilot, fast)
        for area in (plain, fast):
            area.insert("x")
            area.replace("y", (8, 4), (8, 6))  # away from the cursor too
        assert fast.document.stale  # not parsed again yet
        after = await drawn(pilot, fast)
        changed = [row for row, (old, new) in enumerate(zip(before, after)) if old != new]
        assert changed == [5, 9] and "x" in after[5] and "y" in after[9]  # below the border: drawn at once
        fast.reparse()
        assert await drawn(pilot, fast) == await drawn(pilot, plain)


async def test_the_width_counts_tabs_and_wide_characters_as_textarea_does() -> None:
    for text in ("a\tb\n\t\tdeep\nplain", "wide 漢字漢字漢字\nnarrow", "ascii only\nlonger line here"):
        app = Both(text, None)
        async with app.run_test(size=(100, 20)) as pilot:
            plain, fast = app.query_one("#plain", TextArea), app.query_one("#fast", FastTextArea)
            assert fast.virtual_size == plain.virtual_size, text
            for area in (plain, fast):
                area.insert("more 漢\t")
            assert fast.virtual_size == plain.virtual_size, text
            assert await drawn(pilot, fast) == await drawn(pilot, plain)

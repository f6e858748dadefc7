"""Changes the eye cannot see in a diff are drawn on the changed lines: a missing final newline,
a carriage return one side lacks, whitespace that changed or ends the line."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.color import Color
from textual.strip import Strip

from app.edits.changeset import ChangeSet, FileChange
from app.review import WriteAccepted
from app.workspace import Workspace
from tests.widgets.conftest import make_repo
from widgets.diff_view import NO_NEWLINE, _expand_tabs
from widgets.review import ReviewScreen
from widgets.review_command import ReviewApp

SIZE = (160, 40)


async def drawn(tmp_path: Path, *changes: FileChange, split: bool = False) -> tuple[list[Strip], set[Color | None]]:
    """The rows the review shows for `changes` (after syntax highlighting), and the backgrounds
    of changed words."""
    app = ReviewApp(ChangeSet(list(changes)), WriteAccepted(Workspace(tmp_path)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        while highlighting := [w for w in app.workers if w.group == "highlight" and not w.is_finished]:
            await app.workers.wait_for_complete(highlighting)
            await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        view = app.screen.diff_view
        if split:
            await pilot.press("t")
            await pilot.pause()
        words = {view.get_component_rich_style(f"diff-view--{side}-word").bgcolor for side in ("added", "removed")}
        return [view.render_line(y) for y in range(view.scrollable_content_region.height)], words


def row(strips: list[Strip], part: str) -> str:
    """The one row whose text contains `part`."""
    [found] = [strip.text for strip in strips if part in strip.text]
    return found


def word_background(words: set[Color | None], strip: Strip, part: str) -> bool:
    """Whether `part` is drawn on a changed-word background (`words`)."""
    segment = next(s for s in strip if part in s.text)
    return segment.style is not None and segment.style.bgcolor in words


async def test_a_change_that_only_drops_the_final_newline_says_so_on_the_side_without_it(tmp_path: Path) -> None:
    strips, words = await drawn(tmp_path, FileChange("notes.txt", "line one\nline two\n", "line one\nline two"))
    assert row(strips, "- line two").rstrip().endswith("- line two")
    assert row(strips, "+ line two").rstrip().endswith(f"+ line two {NO_NEWLINE}")
    marked = next(strip for strip in strips if NO_NEWLINE in strip.text)
    assert word_background(words, marked, NO_NEWLINE)  # it is the change: highlighted as one


async def test_side_by_side_marks_the_missing_newline_too(tmp_path: Path) -> None:
    strips, _ = await drawn(tmp_path, FileChange("notes.txt", "line one\nline two", "line one\nline two\n"), split=True)
    pair = row(strips, "line two")
    old, new = pair.split("│")
    assert old.rstrip().endswith(f"- line two {NO_NEWLINE}") and new.rstrip().endswith("+ line two")


async def test_a_last_line_changed_in_a_file_without_a_newline_marks_both_sides_plainly(tmp_path: Path) -> None:
    strips, words = await drawn(tmp_path, FileChange("notes.txt", "a\nb", "a\nc"))
    assert row(strips, "- b").rstrip().endswith(f"- b {NO_NEWLINE}")
    assert row(strips, "+ c").rstrip().endswith(f"+ c {NO_NEWLINE}")
    assert not any(word_background(words, s, NO_NEWLINE) for s in strips if NO_NEWLINE in s.text)  # not the change


async def test_the_model_reads_the_missing_newline_in_a_rejected_hunk(tmp_path: Path) -> None:
    make_repo(tmp_path, {"notes.txt": "line one\nline two\n"})
    change = FileChange("notes.txt", "line one\nline two\n", "line one\nline two")
    assert "+line two\n\\ No newline at end of file\n" in change.hunks[0].text
    app = ReviewApp(ChangeSet([change]), WriteAccepted(Workspace(tmp_path)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("n", "ctrl+s")
        await pilot.pause()
    feedback = app.return_value.feedback_for_model()
    assert feedback is not None and "+line two\n\\ No newline at end of file\n" in feedback


@pytest.mark.parametrize("split", [False, True], ids=["unified", "side-by-side"])
async def test_a_carriage_return_only_one_side_has_is_drawn_where_it_is(tmp_path: Path, split: bool) -> None:
    crlf_to_lf = FileChange("a.txt", "same\r\nx = 1\r\n", "same\r\nx = 1\n")
    crlf_kept = FileChange("b.txt", "y = 1\r\n", "y = 2\r\n")
    strips, _ = await drawn(tmp_path, crlf_to_lf, crlf_kept, split=split)
    changed = "\n".join(strip.text for strip in strips if "x = 1" in strip.text)
    assert "- x = 1^M" in changed and changed.count("^M") == 1  # on the old side only
    assert "^M" not in row(strips, "same") and "^M" not in "".join(s.text for s in strips if "y = " in s.text)


async def test_a_change_that_only_adds_the_final_newline_marks_the_side_without_it(tmp_path: Path) -> None:
    strips, words = await drawn(tmp_path, FileChange("notes.txt", "line one\nline two", "line one\nline two\n"))
    assert row(strips, "- line two").rstrip().endswith(f"- line two {NO_NEWLINE}")
    assert row(strips, "+ line two").rstrip().endswith("+ line two")
    assert word_background(words, row_strip(strips, NO_NEWLINE), NO_NEWLINE)


def row_strip(strips: list[Strip], part: str) -> Strip:
    """The one row whose text contains `part`."""
    [found] = [strip for strip in strips if part in strip.text]
    return found


@pytest.mark.parametrize("split", [False, True], ids=["unified", "side-by-side"])
async def test_whitespace_that_changed_is_drawn_as_dots_and_arrows(tmp_path: Path, split: bool) -> None:
    strips, words = await drawn(
        tmp_path,
        FileChange("blank.txt", "a\n    \nb\n", "a\n\nb\n"),  # a line of spaces emptied
        FileChange("star.txt", " * \n", " *       \n"),
        FileChange("Makefile", "test:\n\tpytest -q\n", "test:\n    pytest -q\n"),  # a tab turned into spaces
        split=split,
    )
    assert "- ····" in row(strips, "- ····")  # the whitespace-only line is not drawn as an empty one
    star = "\n".join(strip.text for strip in strips if "*" in strip.text)
    assert "-  *·" in star and "+  *·······" in star
    assert word_background(words, row_strip(strips, "*·······"), "·······")  # the change, highlighted
    tab = "\n".join(strip.text for strip in strips if "pytest -q" in strip.text)
    assert "- →   pytest -q" in tab and "+ ····pytest -q" in tab
    assert word_background(words, row_strip(strips, "→"), "→")


async def test_a_changed_word_keeps_its_spaces_plain(tmp_path: Path) -> None:
    strips, _ = await drawn(
        tmp_path,
        FileChange("a.txt", "x = 1 + 2\n", "x = 10 + 20\n"),
        # the new side's changed range is only spaces, but on the old side a word went with them
        FileChange("b.txt", "value = first second third\n", "value = first   third\n"),
    )
    assert not any("·" in strip.text or "→" in strip.text for strip in strips)


@pytest.mark.parametrize("split", [False, True], ids=["unified", "side-by-side"])
async def test_context_lines_are_drawn_as_they_are(tmp_path: Path, split: bool) -> None:
    change = FileChange("a.txt", "  keep  \n\tindented \nlast\n", "  keep  \n\tindented \nfirst\n")
    strips, _ = await drawn(tmp_path, change, split=split)
    assert "keep  " in row(strips, "keep") and "    indented " in row(strips, "indented")
    assert not any(mark in strip.text for strip in strips for mark in ("·", "→", NO_NEWLINE, "^M"))


def test_whitespace_shown_in_a_range_is_drawn_to_the_tab_stop() -> None:
    assert _expand_tabs("a\t b\t", [], [(1, 3)]) == ("a→  ·b  ", [])

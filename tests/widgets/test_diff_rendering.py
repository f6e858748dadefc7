"""The DiffView's line drawing and highlighting helpers agree with what they replace.

A line of code is drawn from its text and style spans without `rich.text.Text` (which cost most
of a row's drawing time); these tests hold it to the cells `Text` draws, tabs, wide characters
and horizontal scrolling included. Highlighting runs of lines in one query must give the spans
of highlighting each line on its own. The scrollbar, redrawn only when its picture changes,
must look as one drawn afresh.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from scripts.review_samples import SERVER_NEW, large_changeset
from app.review import WriteAccepted
from app.workspace import Workspace
from widgets.diff_view import (
    TAB_SIZE,
    DiffView,
    StyleSpan,
    _changed_words,
    _cropped,
    _expand_tabs,
)
from widgets.review_command import ReviewApp
from widgets.syntax import LineHighlighter

STYLES = [Style(color="red"), Style(bold=True), Style(bgcolor="green"), Style(color="blue", italic=True)]
BASE = Style(color="white", bgcolor="black")


def cells(segments: list[Segment]) -> list[tuple[str, Style | None]]:
    """Each character drawn, with its style (segments may be cut differently and still agree)."""
    return [(char, segment.style) for segment in segments for char in segment.text]


def with_text(text: str, spans: list[StyleSpan], scroll_x: int, width: int) -> list[Segment]:
    """The line as `rich.text.Text` draws it (the way DiffView drew it before)."""
    code = Text(text, BASE)
    for start, end, style in spans:
        code.stylize(style, start, end)
    if "\t" in text:
        code.expand_tabs(TAB_SIZE)
    if scroll_x:
        code = code[scroll_x:]
    code.truncate(width, overflow="crop", pad=True)
    if not code.spans:
        return [Segment(code.plain, BASE)]
    return list(code.render(Console()))


line_text = st.text(alphabet=st.sampled_from(list("ab \t(x)=1é漢")), max_size=30)


@st.composite
def lines(draw: st.DrawFn) -> tuple[str, list[StyleSpan]]:
    text = draw(line_text)
    span = st.tuples(st.integers(0, len(text)), st.integers(0, len(text)), st.sampled_from(STYLES))
    spans = [(start, end, style) for start, end, style in draw(st.lists(span, max_size=8)) if start < end]
    return text, spans


@settings(max_examples=400, deadline=None)
@given(lines(), st.integers(0, 12), st.integers(1, 40))
def test_a_line_is_drawn_as_rich_text_draws_it(line: tuple[str, list[StyleSpan]], scroll_x: int, width: int) -> None:
    text, spans = line
    expanded = _expand_tabs(text, spans) if "\t" in text else (text, spans)
    drawn = _cropped(expanded, BASE, scroll_x, width)
    assert Segment.get_line_length(drawn) == width
    expected = cells(with_text(text, spans, scroll_x, width))
    # where the line goes on past an edge (and there is room for a mark), the edge cell says so
    hidden_left = scroll_x > 0 and bool(expanded[0][:scroll_x].strip()) and width > 1
    cut = cell_len(expanded[0][scroll_x:]) > width and width > 1
    assert (cells(drawn)[0][0] == "‹") is hidden_left
    assert (cells(drawn)[-1][0] == "›") is cut
    if not (hidden_left or cut):
        assert cells(drawn) == expected
    elif text.isascii():
        assert cells(drawn)[hidden_left : width - cut] == expected[hidden_left : width - cut]


def test_a_line_cut_at_the_right_ends_in_a_mark_and_one_scrolled_past_starts_with_one() -> None:
    drawn = "".join(segment.text for segment in _cropped(("x = compute(alpha, beta)", []), BASE, 4, 10))
    assert drawn == "‹ompute(a›"  # the edge cells make way for the marks
    assert "".join(segment.text for segment in _cropped(("short", []), BASE, 0, 10)) == "short     "


def test_tabs_reach_the_next_stop_and_spans_over_a_tab_cover_its_spaces() -> None:
    text, spans = _expand_tabs("\tif x:\treturn", [(0, 3, STYLES[0]), (6, 7, STYLES[1])])
    assert text == "    if x:   return"
    assert spans == [(0, 6, STYLES[0]), (9, 12, STYLES[1])]


def test_a_span_past_the_text_ends_with_it() -> None:
    """The highlighter's lines keep a CRLF file's carriage returns, so a span running to the end
    of a line in a multi-line string goes one past the text drawn (it used to crash on a tab)."""
    assert _expand_tabs("\tmore", [(0, 6, STYLES[0])]) == ("    more", [(0, 8, STYLES[0])])


def test_changed_words_mark_the_words_each_side_changed() -> None:
    old, new = "total = weight * sample", "total = weight * sample / scale"
    assert _changed_words(old, new)[:2] == ((), ((23, 31),))
    assert _changed_words("a = 1", "completely different words here") == ((), (), (), ())


def test_highlighting_runs_of_lines_gives_the_spans_of_each_line_alone() -> None:
    lines = [0, 1, 2, 5, 6, 7, 8, 20, 33]
    together = LineHighlighter(SERVER_NEW, "python")
    together.prepare(lines)
    alone = LineHighlighter(SERVER_NEW, "python")
    assert sum(bool(together.spans(line)) for line in lines) >= 7  # line 1 is blank
    for line in lines:
        assert sorted(together.spans(line)) == sorted(alone.spans(line)), line


async def test_the_scrollbar_redrawn_only_when_its_picture_changes_shows_where_the_view_is(tmp_path: Path) -> None:
    app = ReviewApp(large_changeset(1000, 5), WriteAccepted(Workspace(tmp_path)))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(DiffView)
        bar = view.vertical_scrollbar
        pictures = set()
        for _ in range(15):
            await pilot.press("j")
            await pilot.pause()
            shown = app.export_screenshot()
            bar.refresh()  # what a scrollbar drawn afresh at this place looks like
            await pilot.pause()
            assert app.export_screenshot() == shown, view.scroll_y
            pictures.add(shown)
        assert view.scroll_y > 100 and len(pictures) == 15
        assert bar.position == view.scroll_y


async def test_scrollbars_kept_in_step_by_the_view_show_where_it_is_after_each_toggle(tmp_path: Path) -> None:
    app = ReviewApp(large_changeset(1000, 5), WriteAccepted(Workspace(tmp_path)))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(DiffView)
        seen = set()
        for key in "jjjjjtjjtjjjt":
            await pilot.press(key)
            await pilot.pause()
            shown = app.export_screenshot()
            view.vertical_scrollbar.refresh()  # both scrollbars drawn afresh at this place
            view.horizontal_scrollbar.refresh()
            await pilot.pause()
            assert app.export_screenshot() == shown, (key, view.split, view.scroll_y)
            bar = view.vertical_scrollbar
            assert (bar.window_virtual_size, bar.window_size) == (view.virtual_size.height, view.scrollable_content_region.height)
            seen.add((view.split, view.show_horizontal_scrollbar))
        assert seen == {(False, False), (True, True)}  # side by side overflows here, unified not

"""The review screen in small and common terminal sizes: nothing a reviewer needs is cut off."""

from __future__ import annotations

from pathlib import Path

from app.edits.changeset import ChangeSet
from app.review import WriteAccepted
from app.workspace import Workspace
from scripts.review_samples import sample_changeset
from widgets.diff_view import DiffView
from widgets.file_list import FileList
from widgets.review import BAR_KEYS, ReviewBar
from widgets.review_command import ReviewApp


def bar_lines(app: ReviewApp) -> list[str]:
    bar = app.screen.query_one(ReviewBar)
    lines = bar.render().plain.split("\n")
    assert all(len(line) <= bar.content_size.width for line in lines), lines
    return lines


async def test_80_columns_hide_the_file_list_and_keep_the_essential_keys(sample_repo: Path) -> None:
    app = ReviewApp(sample_changeset(), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not app.screen.query_one(FileList).display
        assert app.screen.query_one(DiffView).size.width == 80
        status, keys = bar_lines(app)
        for essential in ("y/n accept/reject", "^s apply", "q quit", "? help"):
            assert essential in keys
        assert "t view" not in keys  # the least needed keys give way (all are in `?`)
        assert "file 1/4 · hunk 1/" in status  # no file list: the place says there are more files


async def test_100_columns_keep_the_keys_line_when_the_status_line_is_long(sample_repo: Path) -> None:
    app = ReviewApp(sample_changeset(), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.screen.query_one(FileList).display
        for _ in range(sample_changeset().hunk_count):
            await pilot.press("y")
        await pilot.pause()
        status, keys = bar_lines(app)
        assert "all decided: ctrl+s writes the accepted hunks" in status
        assert "^s apply" in keys and "q quit" in keys


async def test_120_columns_show_every_key(sample_repo: Path) -> None:
    app = ReviewApp(sample_changeset(), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        status, keys = bar_lines(app)
        assert keys == "".join(f" {key} {description} " for key, description, _ in BAR_KEYS).rstrip()


async def test_a_single_file_gives_the_diff_the_whole_width(sample_repo: Path) -> None:
    app = ReviewApp(ChangeSet(sample_changeset().files[:1]), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert not app.screen.query_one(FileList).display
        assert app.screen.query_one(DiffView).size.width >= 118

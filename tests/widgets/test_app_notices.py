"""Notices of the review app: where a screenshot went (Textual's ~/Downloads may not exist), what a review wrote."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.edits.changeset import ChangeSet, FileChange
from app.review import WriteAccepted
from app.workspace import Workspace
from widgets.review_command import ReviewApp


async def test_a_screenshot_goes_to_the_data_folder_and_the_notice_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/Downloads
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    app = ReviewApp(ChangeSet([FileChange("a.txt", "a\n", "b\n")]), WriteAccepted(Workspace(tmp_path)))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.action_screenshot()
        await pilot.pause()
        [saved] = (tmp_path / "data" / "exosuit" / "screenshots").glob("*.svg")
        assert saved.read_text().startswith("<svg")
        [notice] = app._notifications
        assert notice.message == f"Saved to {saved}" and notice.severity == "information"


async def test_a_folder_that_cannot_be_made_is_named_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    app = ReviewApp(ChangeSet([FileChange("a.txt", "a\n", "b\n")]), WriteAccepted(Workspace(tmp_path)))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.action_screenshot(path=str(tmp_path / "file" / "shots"))
        await pilot.pause()
        [notice] = app._notifications
        assert notice.severity == "error" and notice.message.startswith(f"Not saved in {tmp_path / 'file' / 'shots'}: ")


async def test_a_review_that_writes_nothing_is_not_titled_applied(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a\n")
    app = ReviewApp(ChangeSet([FileChange("a.txt", "a\n", "b\n")]), WriteAccepted(Workspace(tmp_path)))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("n", "ctrl+s")
        await pilot.pause()
        [notice] = app._notifications
        assert notice.title == "Review closed" and notice.message.startswith("Nothing written.")

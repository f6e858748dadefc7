"""ctrl+q during a review: decisions are not thrown away without asking, as with q."""

from __future__ import annotations

from pathlib import Path

from scripts.review_samples import sample_changeset
from app.review import WriteAccepted
from app.workspace import Workspace
from widgets.review import ReviewScreen
from widgets.review_command import ReviewApp
from widgets.review_dialogs import ConfirmScreen

SIZE = (120, 36)


async def test_ctrl_q_with_decisions_asks_first(sample_repo: Path) -> None:
    app = ReviewApp(sample_changeset(), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("y", "ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen) and len(app.screen.review.decisions) == 1
        await pilot.press("ctrl+q", "y")
        await pilot.pause()
    assert app.return_value is not None and not app.return_value.applied


async def test_ctrl_q_without_decisions_quits_at_once(sample_repo: Path) -> None:
    app = ReviewApp(sample_changeset(), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running

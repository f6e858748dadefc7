"""Snapshot tests of the review screen: the same scenarios as `scripts/screenshots.py`."""

from __future__ import annotations

from pathlib import Path

import pytest

from textual.pilot import Pilot

from scripts.screenshots import SCENARIOS, Scenario, play

REVIEW = [s for s in SCENARIOS if s.name.startswith("review-")]


@pytest.mark.parametrize("scenario", REVIEW, ids=[s.name for s in REVIEW])
def test_review_screen(scenario: Scenario, snap_compare: object, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot[object]) -> None:
        await play(scenario, pilot)

    app = scenario.make_app(tmp_path)
    assert snap_compare(app, terminal_size=scenario.size, run_before=run_before)

"""What is remembered between runs: the slider's level per repository."""

from __future__ import annotations

import os
from pathlib import Path

from app.state import remember_level, remembered_level, starting_level, state_path


def test_the_level_is_remembered_per_repository_and_the_flag_comes_first(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    assert remembered_level(one) is None and starting_level(None, one, "files") == "files"
    remember_level(one, "agent")
    assert remembered_level(one) == "agent" and remembered_level(two) is None
    assert starting_level(None, one, "files") == "agent" and starting_level("files", one, "agent") == "files"
    assert state_path() == Path(os.environ["EXOSUIT_STATE"])


def test_a_corrupt_state_file_is_treated_as_empty_and_replaced(tmp_path: Path) -> None:
    state_path().write_text("{not json")
    assert remembered_level(tmp_path) is None
    remember_level(tmp_path, "agent")
    assert remembered_level(tmp_path) == "agent"

"""What Exosuit remembers between runs, per repository: the autonomy slider's level.

Kept in one small JSON file in the user's state directory ($EXOSUIT_STATE, else the platform's),
written atomically; a file that cannot be read or parsed is treated as empty, never an error.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

LEVELS = ("files", "agent")
"""The levels that are remembered (the ones that work today)."""


def state_path() -> Path:
    if os.environ.get("EXOSUIT_STATE"):
        return Path(os.environ["EXOSUIT_STATE"]).expanduser()
    from platformdirs import user_state_path

    return user_state_path("exosuit") / "state.json"


def remembered_level(root: Path) -> str | None:
    """The level last chosen in the repository at `root`, if any."""
    level = _read().get("levels", {}).get(str(root.resolve()))
    return level if level in LEVELS else None


def remember_level(root: Path, level: str) -> None:
    """Keep `level` as the one the repository at `root` opens at next time (errors are ignored:
    losing this is harmless)."""
    state = _read()
    levels = state.get("levels") if isinstance(state.get("levels"), dict) else {}
    state["levels"] = {**levels, str(root.resolve()): level}
    path = state_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as handle:
            json.dump(state, handle, indent=1)
        os.replace(handle.name, path)
    except OSError:
        pass


def starting_level(flag: str | None, root: Path, configured: str) -> str:
    """The level to open at: the --autonomy flag, else the one remembered for the repository,
    else `[autonomy] level` from the config."""
    return flag or remembered_level(root) or configured


def _read() -> dict:
    try:
        state = json.loads(state_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}

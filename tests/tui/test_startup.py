"""Start-up stays light: opening the TUI imports no provider SDK and loads no local model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import argparse, asyncio, sys
from pathlib import Path
from app.commands.common import settings
from app.chat import ChatSession
from widgets.tui import ExosuitApp

root = Path(sys.argv[1])
session = ChatSession.from_config(root, settings(root, argparse.Namespace(provider=None, model=None)))

async def main():
    async with ExosuitApp(session).run_test() as pilot:
        await pilot.pause()
        print("providers:", " ".join(p.kind for p in session.router.providers))

asyncio.run(main())
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"anthropic", "openai", "llama_cpp", "httpx"})
print("heavy:", " ".join(heavy))
"""


def test_opening_the_tui_imports_no_sdk(repo: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    env |= {
        "ANTHROPIC_API_KEY": "x", "OPENAI_API_KEY": "x",
        "EXOSUIT_CONFIG": str(repo.parent / "none.toml"), "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(repo)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "providers: anthropic openai local" in result.stdout
    assert "heavy: \n" in result.stdout

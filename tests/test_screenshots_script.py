"""scripts/screenshots.py as a person runs it: from a file, with --help, --list and --out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "screenshots.py"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_help_and_list_work_from_any_folder(tmp_path: Path) -> None:
    assert "--out" in run("--help", cwd=tmp_path).stdout
    assert "review-help" in run("--list", cwd=tmp_path).stdout.split()


def test_an_unknown_scenario_names_the_known_ones(tmp_path: Path) -> None:
    result = run("nope", cwd=tmp_path)
    assert result.returncode == 2 and "unknown scenario nope; known: review-unified" in result.stderr


def test_out_writes_the_chosen_scenario_there(tmp_path: Path) -> None:
    result = run("review-help", "--out", str(tmp_path / "shots"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "shots").iterdir()) == ["review-help.png", "review-help.svg"]


def test_each_character_of_a_run_is_placed_in_its_cell() -> None:
    sys.path.insert(0, str(SCRIPT.parent.parent))
    from scripts.screenshots import _TEXT_RUN, _in_cells

    svg = '<text class="r1" x="12.2" y="44.4" textLength="48.8" clip-path="url(#l)">a&#160;世</text>'
    assert _TEXT_RUN.sub(_in_cells, svg) == (
        '<text class="r1" x="12.20 24.40 36.60" y="44.4"  clip-path="url(#l)">a&#160;世</text>'
    )
    border = '<text class="r2" x="0" y="1" textLength="24.4" clip-path="url(#l)">╭─</text>'
    assert 'x="0.00 12.20"' in _TEXT_RUN.sub(_in_cells, border) and "font-size:23px" in _TEXT_RUN.sub(_in_cells, border)

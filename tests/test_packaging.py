"""The wheel ships everything the app needs, and the core stays free of UI imports."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_contains_packages_and_data(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
    )
    (wheel,) = tmp_path.glob("exosuit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    source_files = {
        p.relative_to(ROOT).as_posix()
        for package in ("app", "widgets", "prompts")
        for p in (ROOT / package).rglob("*")
        if p.is_file() and p.suffix in {".py", ".md", ".toml", ".tcss"} and "__pycache__" not in p.parts
    }
    assert source_files <= names, f"missing from the wheel: {sorted(source_files - names)}"
    assert not {n for n in names if n.startswith("tests/")}
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "exosuit = app.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_core_never_imports_textual() -> None:
    code = (
        "import pkgutil, importlib, sys, app\n"
        "for m in pkgutil.walk_packages(app.__path__, 'app.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in {'textual', 'widgets'})\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_version_flag() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "app.cli", "--version"], capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode == 0
    assert out.stdout.startswith("exosuit 0.")

"""The wheel ships everything the app needs, and the core stays free of UI imports."""

from __future__ import annotations

import ast
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


def test_no_core_module_imports_the_ui_even_inside_a_function() -> None:
    """The UI is handed in by the caller: an import in a function body would load it at run time."""
    bad = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            bad += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in {"textual", "widgets"}]
    assert bad == []


def test_version_flag() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "app.cli", "--version"], capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode == 0
    assert out.stdout.startswith("exosuit 0.")

"""Build `corpus.json.xz`: real changes from the release history of three packages.

- GitPython, a dependency: its newest release is the copy installed in this venv.
- paramiko 1.16 .. 2.2: code from before formatters, with lines of spaces and trailing
  whitespace that releases cleaned up (whitespace-only changes), and `_winapi.py`, `_version.py`.
- attrs 17.1 .. 19.1: nearly all of it lives in private modules (`_make.py`, `_compat.py`,
  `_funcs.py`) next to `__init__.py`.

Each consecutive pair of releases (wheels from PyPI, `pip download`) is one step of history.
For every Python file changed in a step the corpus keeps the old text and the changes as difflib
opcodes, plus the list of all the package's paths (so that basename resolution meets the real
duplicates: base.py, util.py, fun.py, ...).

Run once with network access; `run.py` then works offline from the committed corpus.

    .venv/bin/python bench/edits/make_corpus.py
"""

from __future__ import annotations

import difflib
import json
import lzma
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import git

PACKAGES = {
    "gitpython": ["3.1.55", "3.1.56", "3.1.57", "3.1.58", "3.1.59", "3.1.60", "3.1.61", "3.1.62", "3.2.0"],
    "paramiko": ["1.16.0", "1.17.0", "1.18.0", "2.0.0", "2.1.0", "2.2.0"],
    "attrs": ["17.1.0", "17.2.0", "17.3.0", "17.4.0", "18.1.0", "18.2.0", "19.1.0"],
}
INSTALLED = "gitpython"
"""The package whose newest version is the copy installed here (GitPython, as `git`)."""
OUT = Path(__file__).with_name("corpus.json.xz")


def wheel_files(wheel: Path) -> dict[str, str]:
    with zipfile.ZipFile(wheel) as archive:
        return {n: archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".py")}


def installed_files() -> tuple[str, dict[str, str]]:
    root = Path(git.__file__).parent
    files = {f"git/{p.relative_to(root).as_posix()}": p.read_text("utf-8") for p in root.rglob("*.py")}
    return git.__version__, files


def download(package: str, directory: Path) -> list[tuple[str, dict[str, str]]]:
    releases = []
    for version in PACKAGES[package]:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:",
             f"{package}=={version}", "-d", str(directory)],
            check=True,
        )
        # Old wheels spell the name as published (GitPython-, Click-): match it case-insensitively.
        [wheel] = [w for w in directory.glob("*.whl") if w.name.lower().startswith(f"{package}-{version}-")]
        releases.append((version, wheel_files(wheel)))
    return releases


def step(package: str, old_version: str, old: dict[str, str], new_version: str, new: dict[str, str]) -> dict:
    files = {}
    for path in sorted(old):
        if path in new and new[path] != old[path]:
            a, b = old[path].splitlines(keepends=True), new[path].splitlines(keepends=True)
            ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
            files[path] = {
                "old": old[path],
                "ops": [[i1, i2, b[j1:j2]] for tag, i1, i2, j1, j2 in ops if tag != "equal"],
            }
    return {"package": package, "from": old_version, "to": new_version, "paths": sorted(old), "files": files}


def whitespace_only(steps: list[dict]) -> tuple[int, int]:
    """Changed lines whose new text differs from the old one in whitespace only, and of those
    the lines of spaces (or tabs) that became empty or the reverse."""
    lines = blank = 0
    for s in steps:
        for change in s["files"].values():
            old = change["old"].splitlines(keepends=True)
            for i1, i2, new in change["ops"]:
                for a, b in zip(old[i1:i2], new):
                    if a != b and a.split() == b.split():
                        lines += 1
                        blank += not a.strip()
    return lines, blank


def main() -> None:
    steps, sources = [], []
    for package in PACKAGES:
        with tempfile.TemporaryDirectory() as tmp:
            releases = download(package, Path(tmp))
        if package == INSTALLED:
            releases.append(installed_files())
        steps += [step(package, *releases[k], *releases[k + 1]) for k in range(len(releases) - 1)]
        sources.append(f"{package} releases {releases[0][0]} .. {releases[-1][0]}")
    corpus = {"source": "; ".join(sources), "steps": steps}
    # xz with a large window stores each file once though it recurs across steps.
    OUT.write_bytes(lzma.compress(json.dumps(corpus).encode("utf-8"), preset=9 | lzma.PRESET_EXTREME))
    changes = sum(len(f["ops"]) for s in steps for f in s["files"].values())
    private = {p for s in steps for p in s["files"] if p.rsplit("/", 1)[-1].startswith("_")}
    lines, blank = whitespace_only(steps)
    print(f"{OUT.name}: {len(steps)} steps, {changes} changed regions, {OUT.stat().st_size // 1024} KiB")
    print(f"  {len(private)} changed files named _x.py: {', '.join(sorted(private))}")
    print(f"  {lines} changed lines differ in whitespace only, {blank} of them lines of blanks")


if __name__ == "__main__":
    main()

"""Build `corpus.json.xz`: real changes from the release history of GitPython, a dependency.

Each consecutive pair of releases (wheels from PyPI, `pip download`; the newest is the copy
installed in this venv) is one step of history. For every Python file changed in a step the
corpus keeps the old text and the changes as difflib opcodes, plus the list of all the package's
paths (so that basename resolution meets the real duplicates: base.py, util.py, fun.py, ...).

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

PACKAGE = "gitpython"
VERSIONS = ["3.1.55", "3.1.56", "3.1.57", "3.1.58", "3.1.59", "3.1.60", "3.1.61", "3.1.62", "3.2.0"]
OUT = Path(__file__).with_name("corpus.json.xz")


def wheel_files(wheel: Path) -> dict[str, str]:
    with zipfile.ZipFile(wheel) as archive:
        return {n: archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".py")}


def installed_files() -> tuple[str, dict[str, str]]:
    root = Path(git.__file__).parent
    files = {f"git/{p.relative_to(root).as_posix()}": p.read_text("utf-8") for p in root.rglob("*.py")}
    return git.__version__, files


def download(directory: Path) -> list[tuple[str, dict[str, str]]]:
    releases = []
    for version in VERSIONS:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:",
             f"{PACKAGE}=={version}", "-d", str(directory)],
            check=True,
        )
        [wheel] = directory.glob(f"{PACKAGE}-{version}-*.whl")
        releases.append((version, wheel_files(wheel)))
    return releases


def step(old_version: str, old: dict[str, str], new_version: str, new: dict[str, str]) -> dict:
    files = {}
    for path in sorted(old):
        if path in new and new[path] != old[path]:
            a, b = old[path].splitlines(keepends=True), new[path].splitlines(keepends=True)
            ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
            files[path] = {
                "old": old[path],
                "ops": [[i1, i2, b[j1:j2]] for tag, i1, i2, j1, j2 in ops if tag != "equal"],
            }
    return {"from": old_version, "to": new_version, "paths": sorted(old), "files": files}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        releases = download(Path(tmp))
    releases.append(installed_files())
    steps = [step(*releases[k], *releases[k + 1]) for k in range(len(releases) - 1)]
    corpus = {"source": f"{PACKAGE} releases {releases[0][0]} .. {releases[-1][0]}", "steps": steps}
    # xz with a large window stores each file once though it recurs across steps (~165 KiB).
    OUT.write_bytes(lzma.compress(json.dumps(corpus).encode("utf-8"), preset=9 | lzma.PRESET_EXTREME))
    changes = sum(len(f["ops"]) for s in steps for f in s["files"].values())
    print(f"{OUT.name}: {len(steps)} steps, {changes} changed regions, {OUT.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()

"""The repo map's cost: seconds and peak memory (of the process and its parse workers) to build
it, cold (no tag cache), warm (the cache from the run before, nothing changed: the kept map is
read back) and touched (one file's time changed since: it is parsed again and the map ranked
anew), beside aider's `RepoMap` on the same files in the same run. Each build runs in a fresh
process; the figures count from before the map's imports, not the interpreter's start.

    .venv/bin/python bench/repo_map.py --repo PATH [--repo PATH ...] [--aider-python PATH] [--runs 3]

`--aider-python` is the interpreter of a virtualenv with aider-chat installed (a benchmark-only
tool: the product never imports it), e.g. `python -m venv /tmp/aider-venv &&
/tmp/aider-venv/bin/pip install aider-chat==0.86.2`. Repositories used for the figures: click
8.1.8's source tree and SQLAlchemy 2.0.36's (`lib/` and all of it), from their sdists.

Figures here (2 cores, 1024-token maps, medians of 3 runs), Exosuit | aider 0.86.2, 2026-12-07
(a slower day on this machine than the first figures: the ratios held):
    click 8.1.8 (46 files)             cold 0.38 | 1.17 s   warm 0.10 | 0.98 s   touched 0.15 | 0.91 s   peak 26 | 96 MB
    SQLAlchemy 2.0.36 lib/ (255 files) cold 1.91 | 5.43 s   warm 0.13 | 1.84 s   touched 0.51 | 1.92 s   peak 44 | 153 MB
    SQLAlchemy 2.0.36 all (698 files)  cold 5.41 | 16.3 s   warm 0.13 | 4.03 s   touched 1.12 | 3.58 s   peak 87 | 220 MB
Cold parses in two processes on two cores.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.context.secrets import secret_reason  # noqa: E402
from app.context.tags import language_of  # noqa: E402
from app.edits.paths import repo_files  # noqa: E402

OURS = """
import json, resource, sys, time
from pathlib import Path
started = time.perf_counter()
from app.context import repo_map
built = repo_map.build(Path(sys.argv[1]), tokens=1024)
peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(json.dumps({"seconds": time.perf_counter() - started, "peak_kb": peak,
                  "files": built.files, "parsed": built.parsed, "chars": len(built.text)}))
"""

AIDER = """
import json, resource, sys, time
from pathlib import Path
started = time.perf_counter()
from aider.repomap import RepoMap

class Quiet:
    def tool_output(self, *args, **kwargs): pass
    tool_warning = tool_error = tool_output
    def read_text(self, name, silent=False):
        try:
            return Path(name).read_text(errors="replace")
        except OSError:
            return None

class FourCharsAToken:
    def token_count(self, text): return len(text) // 4

root = sys.argv[1]
files = [str(Path(root) / rel) for rel in Path(sys.argv[2]).read_text().splitlines()]
text = RepoMap(map_tokens=1024, root=root, main_model=FourCharsAToken(), io=Quiet()).get_repo_map([], files) or ""
print(json.dumps({"seconds": time.perf_counter() - started, "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "files": len(files), "chars": len(text)}))
"""


def measure(python: str, script: str, args: list[str], cwd: Path, env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run([python, "-c", script, *args], capture_output=True, text=True, cwd=cwd, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{python} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_repo(repo: Path, aider: str | None, runs: int) -> None:
    import os

    sources = sorted(r for r in repo_files(repo) if language_of(r) and not secret_reason(r))
    rows: dict[str, list[dict[str, float]]] = {
        "ours cold": [], "ours warm": [], "ours touched": [], "aider cold": [], "aider warm": [], "aider touched": []}
    touched = repo / sources[len(sources) // 2]
    with tempfile.TemporaryDirectory() as scratch:
        listing = Path(scratch) / "files.txt"
        listing.write_text("\n".join(sources))
        for _ in range(runs):
            env = {**os.environ, "EXOSUIT_CACHE": str(Path(scratch) / "cache")}
            shutil.rmtree(Path(scratch) / "cache", ignore_errors=True)
            rows["ours cold"].append(measure(sys.executable, OURS, [str(repo)], ROOT, env))
            rows["ours warm"].append(measure(sys.executable, OURS, [str(repo)], ROOT, env))
            os.utime(touched)
            rows["ours touched"].append(measure(sys.executable, OURS, [str(repo)], ROOT, env))
            if aider:
                for cache in repo.glob(".aider.tags.cache.v*"):
                    shutil.rmtree(cache)
                rows["aider cold"].append(measure(aider, AIDER, [str(repo), str(listing)], repo, dict(os.environ)))
                rows["aider warm"].append(measure(aider, AIDER, [str(repo), str(listing)], repo, dict(os.environ)))
                os.utime(touched)
                rows["aider touched"].append(measure(aider, AIDER, [str(repo), str(listing)], repo, dict(os.environ)))
        for cache in repo.glob(".aider.tags.cache.v*"):
            shutil.rmtree(cache)
    print(f"{repo} ({len(sources)} source files)")
    for name, results in rows.items():
        if results:
            seconds = statistics.median(r["seconds"] for r in results)
            peak = statistics.median(r["peak_kb"] for r in results) / 1024
            print(f"  {name:<13} {seconds:6.2f} s   peak {peak:5.0f} MB   map {int(results[0]['chars']):,} chars")
    if rows["aider cold"]:
        for kind in ("cold", "warm", "touched"):
            ours = statistics.median(r["seconds"] for r in rows[f"ours {kind}"])
            theirs = statistics.median(r["seconds"] for r in rows[f"aider {kind}"])
            print(f"  {kind}: {ours / theirs:.2f}x aider's time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", action="append", type=Path, required=True)
    parser.add_argument("--aider-python", help="a Python with aider-chat installed, to run its RepoMap on the same files")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for repo in args.repo:
        bench_repo(repo.resolve(), args.aider_python, args.runs)


if __name__ == "__main__":
    main()

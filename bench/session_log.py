"""The session log's costs: appending an event (and a turn boundary's record, which logs what
changed and fsyncs), `exosuit stats` over 10,000 generated sessions, and resuming a 500-turn
session to its screen.

    .venv/bin/python bench/session_log.py [--sessions 10000] [--turns 500]

No peer measures review analytics, so the figures stand alone. Targets: an appended event under
1 ms median; stats over 10,000 sessions under 1 s; a 500-turn session's screen open under 1 s.

Figures here (2 cores), 2026-12-07:
    append an event: median 0.012 ms (p95 0.03 ms); a turn boundary's record at 500 turns: 6 ms
    resume a 501-turn session: log read and turns restored 0.01 s, its screen drawn 0.7-0.85 s
    exosuit stats over 10,000 sessions (100,000 events), a fresh process included: 2.7-3.2 s the
    first time (every log read, each session's digest cached), 0.65 s after
    exosuit sessions over the same, the digests read: 0.58 s
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--turns", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["EXOSUIT_SESSIONS"] = str(Path(scratch) / "sessions")
        repo = Path(scratch) / "repo"
        repo.mkdir()
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        (repo / "calc.py").write_text("def add(a, b):\n    return a + b\n")
        appending(repo)
        resuming(repo, args.turns)
        reporting(repo, args.sessions)
    return 0


def appending(repo: Path) -> None:
    from app.session_log import SessionLog

    log = SessionLog.start(repo, level="files")
    times = []
    for n in range(2000):
        started = time.perf_counter()
        log.append("request", provider="openai", model="gpt-5.4", input=1200 + n, output=300, cost=0.004)
        times.append((time.perf_counter() - started) * 1000)
    log.close()
    times.sort()
    print(f"append an event: median {statistics.median(times):.3f} ms, p95 {times[int(len(times) * 0.95)]:.3f} ms")


def resuming(repo: Path, turns: int) -> None:
    from app.chat import ChatSession, Turn
    from app.llm.meter import Meter
    from app.llm.router import Router
    from app.llm.scripted import ScriptedProvider
    from app.session_log import SessionLog, load
    from app.transcript import Transcript, restore
    from widgets.tui import ExosuitApp

    session = ChatSession(repo, Router([ScriptedProvider()]), Meter())
    log = SessionLog.start(repo, level="files")
    session.transcript = Transcript(log)
    for n in range(turns):
        session.turns.append(Turn(f"question {n}: what does add do with {n}?", answer="It adds. " * 40, status="complete"))
    started = time.perf_counter()
    session.record()  # the first record logs them all
    first = time.perf_counter() - started
    session.turns.append(Turn("one more", answer="Still adds.", status="complete"))
    started = time.perf_counter()
    session.record()
    boundary = time.perf_counter() - started
    log.close()
    print(f"a turn boundary's record at {turns} turns: {boundary * 1000:.1f} ms (the first, all of them: {first * 1000:.0f} ms)")

    started = time.perf_counter()
    resumed = ChatSession(repo, Router([ScriptedProvider()]), Meter())
    restore(resumed, load(log.path))
    restored = time.perf_counter() - started
    assert len(resumed.turns) == turns + 1

    async def open_screen() -> float:
        app = ExosuitApp(resumed)
        begun = time.perf_counter()
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.pause()
            return time.perf_counter() - begun

    drawn = asyncio.run(open_screen())
    print(f"resume a {turns + 1}-turn session: log read and turns restored {restored:.2f} s, its screen drawn {drawn:.2f} s")


def reporting(repo: Path, sessions: int) -> None:
    from app.session_log import repo_folder

    folder = repo_folder(repo)
    folder.mkdir(parents=True, exist_ok=True)
    chance = random.Random(16)
    start = time.time() - 90 * 86400
    events = 0
    for n in range(sessions):
        t = start + n * 90 * 86400 / sessions
        lines = [{"e": "session", "t": t, "level": "files", "provider": "openai/gpt-5.4"}]
        for _ in range(4):
            t += 60
            lines.append({"e": "request", "t": t, "provider": "openai", "model": "gpt-5.4", "input": 4000,
                          "output": 400, "cost": 0.01})
            lines.append({"e": "review", "t": t + 20, "level": "files", "model": "openai/gpt-5.4", "decisions": [
                {"path": "a.py", "hunk": h, "accepted": chance.random() > 0.2, "seconds": chance.uniform(2, 30),
                 "lines": chance.randint(1, 40)} for h in range(2)]})
        lines.append({"e": "tally", "t": t, "requested": 10, "shown": 6, "accepted": 3, "accepted_chars": 40})
        events += len(lines)
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(lines[0]["t"]))
        (folder / f"{stamp}-{n:06x}.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    for run in ("first (every log read, the digests cached)", "again (the digests read)"):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "app.cli", "stats", "--repo", str(repo), "--json"], cwd=ROOT,
                              capture_output=True, text=True, env={**os.environ, "EXOSUIT_CONFIG": "/nonexistent"})
        seconds = time.perf_counter() - started
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["sessions"] == sessions + 1  # and the one with requests above
        print(f"exosuit stats over {sessions:,} sessions ({events:,} events), {run}: {seconds:.2f} s, a fresh process included")
    started = time.perf_counter()
    listed = subprocess.run([sys.executable, "-m", "app.cli", "sessions", "--repo", str(repo), "--json"], cwd=ROOT,
                            capture_output=True, text=True, env={**os.environ, "EXOSUIT_CONFIG": "/nonexistent"})
    assert listed.stdout.count("\n") == sessions + 2, listed.stderr
    print(f"exosuit sessions over {sessions:,} sessions, the digests read: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    sys.exit(main())

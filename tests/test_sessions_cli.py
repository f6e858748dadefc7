"""`exosuit run` logs its session, `exosuit sessions` lists it, `exosuit run --resume` goes on with
its conversation (the wire server sees the same messages the original would have sent), `exosuit
stats` gives the hand-computed figures of a hand-made log, and a `kill -9` at any moment leaves
every log loadable and every file either as it was or as the accepted change."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import session_log
from app.session_log import load
from tests.test_run import CALC, FIX, ROOT, run
from tests.widgets.conftest import make_repo
from tests.wire_server import Reply, WireServer


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    make_repo(root, {"calc.py": CALC})
    return root


def exosuit(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", *args, "--repo", str(repo)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "EXOSUIT_CONFIG": "/nonexistent/config.toml"})


def test_a_run_is_logged_listed_and_resumed_with_the_same_conversation(repo: Path, wire_server: WireServer) -> None:
    wire_server.script(Reply("Fixed:\n\n" + FIX), Reply("Fix add"), Reply("It adds."))  # the answer, its commit message…
    assert run(repo, wire_server, "--add", "calc.py", "--yes", "fix add").returncode == 0
    [listed] = [json.loads(line) for line in exosuit(repo, "sessions", "--json").stdout.splitlines()]
    assert listed["first_instruction"] == "fix add" and listed["level"] == "files" and listed["turns"] == 1
    assert set(listed) == {"id", "started", "first_instruction", "level", "turns", "cost"}
    first = session_log.find(repo, listed["id"])
    assert first is not None and oct(first.stat().st_mode & 0o777) == "0o600"

    resumed = run(repo, wire_server, "--resume", listed["id"][:15], "--yes", "what does it do now?")
    assert resumed.returncode == 0, resumed.stderr
    asked, again = wire_server.requests[0].body["messages"], wire_server.requests[-1].body["messages"]
    assert again[: len(asked)] == asked  # system prompt, context block, question: as the original sent them
    assert again[len(asked)] == {"role": "assistant", "content": "Fixed:\n\n" + FIX}
    assert again[-1]["content"].endswith("what does it do now?") and len(again) == len(asked) + 2
    assert [e["e"] for e in load(first).events].count("turns") >= 2  # it went on in the same session's log
    assert len(session_log.session_files(repo)) == 1
    assert exosuit(repo, "sessions").stdout.count("\n") >= 1


def test_stats_on_a_hand_made_log(repo: Path) -> None:
    folder = session_log.repo_folder(repo)
    folder.mkdir(parents=True)
    day = time.mktime((2026, 12, 1, 12, 0, 0, 0, 0, -1))
    lines = [
        {"e": "session", "t": day, "repo": str(repo), "level": "files"},
        {"e": "request", "t": day + 1, "provider": "openai", "model": "gpt-5.4", "input": 1000, "output": 100, "cost": 0.01},
        {"e": "review", "t": day + 2, "level": "files", "model": "openai/gpt-5.4", "decisions": [
            {"path": "a.py", "hunk": 0, "accepted": True, "seconds": 4.0, "lines": 10},
            {"path": "a.py", "hunk": 1, "accepted": False, "comment": "no", "seconds": 10.0, "lines": 30},
            {"path": "b.py", "hunk": 0, "accepted": True, "edited": True, "seconds": 6.0, "lines": 10}]},
        {"e": "level", "t": day + 3, "level": "agent"},
        {"e": "request", "t": day + 4, "provider": "anthropic", "model": "claude", "input": 500, "output": 50, "cost": None},
        {"e": "review", "t": day + 5, "level": "agent", "model": "anthropic/claude", "decisions": [
            {"path": "c.py", "hunk": 0, "accepted": False, "seconds": 2.0, "lines": 5}]},
        {"e": "tally", "t": day + 6, "requested": 9, "shown": 4, "accepted": 1, "accepted_chars": 12},
    ]
    (folder / "20261201-120000-abcdef.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines) + '{"e": "tu')
    figures = json.loads(exosuit(repo, "stats", "--json").stdout)
    total = figures["total"]
    assert (total["hunks"], total["accepted"], total["rejected"], total["edited"], total["rejected_with_comment"]) == (4, 2, 2, 1, 1)
    assert total["accept_rate"] == 0.5 and total["median_seconds_per_hunk"] == 5.0  # of 2, 4, 6, 10
    assert total["seconds_per_100_lines"] == round(22 * 100 / 55, 3) and total["cost"] == 0.01
    assert (total["input_tokens"], total["output_tokens"], total["requests"]) == (1500, 150, 2)
    assert figures["by_model"]["openai/gpt-5.4"]["hunks"] == 3 and figures["by_model"]["anthropic/claude"]["accept_rate"] == 0.0
    assert figures["by_level"]["agent"]["input_tokens"] == 500 and figures["by_level"]["files"]["hunks"] == 3
    assert list(figures["by_day"]) == ["2026-12-01"] and figures["completions"]["accept_rate"] == 0.25
    text = exosuit(repo, "stats").stdout
    assert "4 hunks · 50% accepted (1 edited), 2 rejected (1 with a comment) · 5.0 s/hunk · 40 s/100 lines" in text
    assert "ghost text: 1 of 4 suggestions taken (25%)" in text and "1 unreadable line skipped" in text
    assert json.loads(exosuit(repo, "stats", "--since", "1d", "--json").stdout)["sessions"] == 0


def test_kill_9_at_any_moment_leaves_every_log_loadable_and_the_file_whole(repo: Path, wire_server: WireServer) -> None:
    kills = 50
    wire_server.script(*[Reply("Fixed:\n\n", *[FIX[i:i + 9] for i in range(0, len(FIX), 9)], delay=0.004)
                         for _ in range(kills)])
    env = {**os.environ, "OPENAI_BASE_URL": wire_server.openai_url, "EXOSUIT_MODEL": "gpt-5.4",
           "EXOSUIT_MAX_RETRIES": "0", "EXOSUIT_TIMEOUT": "5", "EXOSUIT_CONFIG": "/nonexistent/config.toml"}
    fixed = CALC.replace("a - b", "a + b")
    chance = random.Random(16)
    for _ in range(kills):
        process = subprocess.Popen([sys.executable, "-m", "app.cli", "run", "--repo", str(repo), "--add", "calc.py",
                                    "--yes", "fix add"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(chance.uniform(0.2, 1.2))
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert (repo / "calc.py").read_text() in (CALC, fixed)
        (repo / "calc.py").write_text(CALC)
    logs = session_log.session_files(repo)
    assert logs and all(load(path).skipped <= 1 for path in logs)  # at most the line being written
    assert any(e["e"] == "turns" for path in logs for e in load(path).events)  # some got as far as a turn


def test_the_digests_cache_gives_the_same_figures_and_a_straddling_session_is_read_again(repo: Path) -> None:
    from app import stats

    folder = session_log.repo_folder(repo)
    folder.mkdir(parents=True)
    lines = [{"e": "session", "t": 1000.0, "level": "files"},
             {"e": "review", "t": 1010.0, "model": "m", "decisions": [{"accepted": True, "seconds": 3.0, "lines": 4}]},
             {"e": "review", "t": 2010.0, "model": "m", "decisions": [{"accepted": False, "seconds": 9.0, "lines": 2}]}]
    log = folder / "19700101-000000-aaaaaa.jsonl"
    log.write_text("".join(json.dumps(line) + "\n" for line in lines))
    cold = stats.compute(stats.digests(repo)).as_json()
    assert (folder / stats.DIGESTS).stat().st_mode & 0o777 == 0o600 and stats.compute(stats.digests(repo)).as_json() == cold
    assert cold["total"]["hunks"] == 2
    later = stats.compute(stats.digests(repo), since=2000.0).as_json()  # the session straddles the cut
    assert later["total"]["hunks"] == 1 and later["total"]["rejected"] == 1
    with open(log, "a") as file:
        file.write(json.dumps({"e": "review", "t": 3000.0, "model": "m", "decisions": [{"accepted": True}]}) + "\n")
    assert stats.compute(stats.digests(repo)).as_json()["total"]["hunks"] == 3  # changed: read again


def test_the_figures_read_every_count_of_the_ghost_text_tally() -> None:
    from dataclasses import fields

    from app import stats
    from app.completion import Tally

    assert stats.COMPLETIONS == tuple(f.name for f in fields(Tally))

"""bench/model_tasks.py judges honestly: scripted answers through the real SDK and wire server
come out correct, wrong and refused as they should."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from tests.wire_server import Reply, WireServer, openai_config

BENCH = Path(__file__).resolve().parents[1] / "bench" / "model_tasks.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("model_tasks_bench", BENCH)
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench  # dataclasses look their module up there
    spec.loader.exec_module(bench)
    return bench


def test_the_task_bench_tells_correct_from_wrong_and_refused(wire_server: WireServer) -> None:
    bench = load_bench()
    task = bench.TASKS[0]  # divide raises ValueError for a zero divisor
    calc = bench.REPO["calc.py"]
    fixed = calc.replace("    return a / b\n", "    if b == 0:\n        raise ValueError('b is zero')\n    return a / b\n")
    broken = calc.replace("    return a / b\n", "    return a // b\n")
    provider = openai_config(wire_server, name="bench", model="m")
    wire_server.script(Reply(f"calc.py\n```python\n{fixed}```\n"))
    assert bench.run_task(task, provider).verdict == "correct"
    wire_server.script(Reply(f"calc.py\n```python\n{broken}```\n"))
    assert bench.run_task(task, provider).verdict == "wrong"
    unchanged = Reply(f"calc.py\n```python\n{calc}```\n")
    wire_server.script(unchanged, unchanged)  # written back as it was, and again when told so
    outcome = bench.run_task(task, provider)
    assert outcome.verdict == "refused" and "it changes nothing" in outcome.detail

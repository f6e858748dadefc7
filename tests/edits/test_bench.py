"""The edit benchmark on a few real changes per release step: nothing may come out wrong."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "edits" / "run.py"


def test_benchmark_sample_has_no_wrong_results() -> None:
    spec = importlib.util.spec_from_file_location("edits_bench", BENCH)
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench  # dataclasses look their module up there
    spec.loader.exec_module(bench)
    outcomes = bench.run(limit=2)
    wrong = [f"{o.kind} {o.case.path}: {o.detail}" for o in outcomes if o.verdict == "wrong"]
    assert wrong == []
    kinds = {o.kind for o in outcomes}
    assert {
        "sr-exact", "diff-no-numbers", "whole-elided", "neg-twice", "neg-missing", "sr-underscore", "sr-decorated",
        "sr-path-in-fence", "sr-no-extension", "neg-no-extension", "diff-devnull-update", "diff-eof-newline-cut",
        "neg-eof-marker-mid",
    } <= kinds
    correct = sum(o.verdict == "correct" for o in outcomes)
    assert correct >= 0.9 * len(outcomes)

"""Ghost text from the embedded Qwen2.5-Coder-1.5B on this CPU: time to the first suggestion
cold (the model loaded by the request) and warm (the next keystroke's request, the same loaded
model, so llama.cpp's prompt cache reads only what changed), through `Completions` as the
editor pane asks it. The model is opt-in: `exosuit model install qwen2.5-coder-1.5b` first.

    .venv/bin/python bench/embedded_ghost.py [--runs 5] [--threads 1]

No terminal assistant peer completes offline, so the figures stand alone. Each warm run types one
more character of the line, as a person would before pressing alt+\\.

Figures here (2 cores, one thread), 2026-12-07: cold 10.8 s (the 1.1 GB file read and loaded,
the prompt read), warm median 0.8 s over 5 runs; the suggestion each time the rest of
"return width * height".
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.completion import Completions  # noqa: E402
from app.config import ProviderConfig  # noqa: E402
from app.llm.downloads import installed  # noqa: E402
from app.llm.embedded import EmbeddedProvider  # noqa: E402
from app.llm.meter import Meter  # noqa: E402
from app.llm.router import Router  # noqa: E402

MODEL = "qwen2.5-coder-1.5b"
BEFORE = (
    "import math\n\n\ndef circle_area(radius: float) -> float:\n    return math.pi * radius ** 2\n\n\n"
    "def rectangle_area(width: float, height: float) -> float:\n    "
)
AFTER = "\n\n\ndef describe(shape: str) -> str:\n    return f\"a {shape}\"\n"
TYPED = "return "
"""Typed one character per warm run after the cold one."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="warm runs (at most the length of TYPED)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if installed(MODEL) is None:
        print(f"{MODEL} is not installed: exosuit model install {MODEL}")
        return 1
    provider = EmbeddedProvider(ProviderConfig(name=MODEL, kind="local", model=MODEL, threads=args.threads))
    ghost = Completions(Router([provider]), Meter())
    started = time.perf_counter()
    cold = ghost.complete(BEFORE, AFTER)
    cold_seconds = time.perf_counter() - started
    print(f"cold: {cold_seconds:5.2f} s  {cold!r}  (load and first request)")
    warm = []
    for typed in range(1, min(args.runs, len(TYPED)) + 1):
        before = BEFORE + TYPED[:typed]
        started = time.perf_counter()
        text = ghost.complete(before, AFTER)
        warm.append(time.perf_counter() - started)
        print(f"warm: {warm[-1]:5.2f} s  {text!r}")
    print(f"time to the first suggestion: cold {cold_seconds:.1f} s, warm median {statistics.median(warm):.1f} s"
          f" over {len(warm)} runs ({args.threads} thread{'s' if args.threads > 1 else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

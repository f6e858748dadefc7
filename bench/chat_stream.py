"""How fast the main screen takes in a streamed answer: SDK -> ChatSession -> Markdown stream.

The local wire server sends an answer of N small chunks (Markdown with a code fence) as fast as it
can; the timer runs from pressing enter to the answer being shown complete. Prints the median over
a few runs and the chunks per second the whole path sustains (a fast hosted model sends ~50-150).

    .venv/bin/python bench/chat_stream.py [chunks] [runs]
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.chat import ChatSession  # noqa: E402
from app.config import Config, ProviderConfig  # noqa: E402
from app.llm.meter import Meter  # noqa: E402
from app.llm.registry import build_router  # noqa: E402
from tests.wire_server import Reply, WireServer  # noqa: E402
from widgets.answer_view import AnswerView  # noqa: E402
from widgets.prompt_input import PromptInput  # noqa: E402
from widgets.tui import ExosuitApp  # noqa: E402


def answer_chunks(count: int) -> list[str]:
    """`count` chunks of a plausible answer: prose, then a long code block, then prose."""
    words = ["Here ", "is ", "the ", "change:\n\n", "```python\n"]
    body = [f"x{n} = {n}  # line\n" if n % 4 == 0 else "value " for n in range(count - len(words) - 2)]
    return [*words, *body, "```\n\n", "Done."]


async def one_run(repo: Path, server: WireServer, chunks: list[str]) -> float:
    server.script(Reply(*chunks))
    config = Config(providers=[ProviderConfig(
        name="openai", kind="openai", model="gpt-4.1-mini", base_url=server.openai_url, api_key="x"
    )])
    app = ExosuitApp(ChatSession(repo, build_router(config), Meter()))
    async with app.run_test(size=(120, 40)) as pilot:
        prompt = app.screen.query_one(PromptInput)
        prompt.text = "go"
        start = time.perf_counter()
        await pilot.press("end", "enter")
        await pilot.pause()
        view = app.screen.query_one(AnswerView)
        while view.status in ("waiting", "streaming"):
            await asyncio.sleep(0.005)
        elapsed = time.perf_counter() - start
        assert view.status == "complete" and view.text == "".join(chunks)
    return elapsed


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    chunks = answer_chunks(count)
    with tempfile.TemporaryDirectory() as tmp, WireServer() as server:
        subprocess.run(["git", "init", "-q", tmp], check=True)
        times = sorted(asyncio.run(one_run(Path(tmp), server, chunks)) for _ in range(runs))
    median = statistics.median(times)
    print(
        f"{count} chunks: median {median * 1000:.0f} ms from enter to complete answer "
        f"({count / median:.0f} chunks/s; min {times[0] * 1000:.0f}, max {times[-1] * 1000:.0f} ms, {runs} runs)"
    )


if __name__ == "__main__":
    main()

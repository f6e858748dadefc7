"""Tokens a server with a prompt cache must process again per turn, in a scripted 10-turn
conversation with edits: Exosuit's request layout against the one it replaced.

A server's prompt cache (llama.cpp's slot cache, vLLM's prefix cache, OpenAI's and Anthropic's
prompt caching) reuses the longest start of a request that matches the previous one; everything
after the first difference is read again (on two CPU cores, ~40 tokens/s). Three files are in the
context; most turns end with an applied edit to one of them. The requests are the ones the real
OpenAI SDK sends to the local wire server, through ChatSession; the old layout (the files, as
they are now, in the system message ahead of the conversation) is rebuilt from the same turns.
Tokens are estimated at 4 characters each.

    .venv/bin/python bench/prefix_cache.py

Figures (2 CPUs): Exosuit 2,868 tokens re-processed over the 10 turns, the old layout 5,768
(2.0x); per turn after the first, a median of 256 against 528. Ours costs the changed file once;
the old layout's cost grows with the conversation after the files (923-999 tokens by turns 8-9).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.chat import ChatSession  # noqa: E402
from app.config import Config, ProviderConfig  # noqa: E402
from app.context import context_block  # noqa: E402
from app.llm.meter import Meter, estimate_tokens  # noqa: E402
from app.llm.registry import build_router  # noqa: E402
from tests.wire_server import Reply, WireServer  # noqa: E402

FILES = {
    name: "".join(f"def {name[:-3]}_{n}(a, b):\n    return a + b + {n}\n\n\n" for n in range(12))
    for name in ("calc.py", "shapes.py", "report.py")
}
TURNS = [
    ("add type hints to calc_0", "calc.py"), ("explain shapes_3", None), ("make report_2 subtract", "report.py"),
    ("rename calc_5's arguments", "calc.py"), ("what does report_7 return?", None), ("fix shapes_1", "shapes.py"),
    ("add a docstring to calc_9", "calc.py"), ("make shapes_4 multiply", "shapes.py"), ("thanks", None),
    ("and report_11 divide", "report.py"),
]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, WireServer() as server:
        repo = Path(tmp)
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        for name, text in FILES.items():
            (repo / name).write_text(text)
        config = Config(providers=[ProviderConfig(
            name="openai", kind="openai", model="gpt-4.1-mini", base_url=server.openai_url, api_key="x", max_retries=0,
        )])
        session = ChatSession(repo, build_router(config), Meter())
        for name in FILES:
            session.context.add(name)
        ours: list[list[dict]] = []
        old: list[list[dict]] = []
        history: list[dict] = []
        for number, (question, edited) in enumerate(TURNS):
            answer = f"Answer {number}: " + "some explanation of the change. " * 8
            server.script(Reply(answer))
            list(session.stream_turn(question))
            ours.append(server.requests[-1].body["messages"])
            system = ours[-1][0]["content"].split("\n\nThe user added these")[0]
            current = {name: (repo / name).read_text() for name in FILES}
            old.append([{"role": "system", "content": f"{system}\n\n{context_block(current)}"}, *history,
                        {"role": "user", "content": question}])
            history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
            if edited:  # the person accepts the edit: one function of the file changes on disk
                path = repo / edited
                path.write_text(path.read_text().replace(f"return a + b + {number}\n", f"return a - b + {number}\n", 1)
                                .replace("    return a + b + 1\n", "    return a * b + 1\n", 1))
        print(report("Exosuit", ours, "old layout", old))


def reprocessed(requests: list[list[dict]]) -> list[int]:
    """Per request, the estimated tokens after its longest common start with the one before."""
    texts = [json.dumps(messages) for messages in requests]
    counts = [estimate_tokens(texts[0])]
    for before, after in zip(texts, texts[1:]):
        common = next((i for i, (a, b) in enumerate(zip(before, after)) if a != b), min(len(before), len(after)))
        counts.append(estimate_tokens(after[common:]))
    return counts


def report(name: str, ours: list[list[dict]], peer_name: str, peer: list[list[dict]]) -> str:
    mine, theirs = reprocessed(ours), reprocessed(peer)
    lines = [f"{'turn':>4} {name:>10} {peer_name:>12}"]
    lines += [f"{n + 1:>4} {a:>10,} {b:>12,}" for n, (a, b) in enumerate(zip(mine, theirs))]
    lines.append(f"total {sum(mine):>9,} {sum(theirs):>12,}   ratio {sum(theirs) / sum(mine):.1f}x")
    lines.append(
        f"median per turn after the first: {statistics.median(mine[1:]):,.0f} against {statistics.median(theirs[1:]):,.0f}"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()

"""The agent loop's own time per step: from the model's answer received (its Done) to the next
request sent, minus the time the tool itself ran, over a 50-step session.

    .venv/bin/python bench/agent_steps.py [--steps 50] [--runs 5]

Two ways: the scripted in-process model (the loop, ChatSession, the policy and the tool
dispatch alone), and the real OpenAI SDK against the local wire server (plus the SDK building
and sending the request: measured to its arrival at the server). Each step calls read_file on a small file. Targets: under 3 ms
median with the scripted model, under 20 ms through the SDK. The anchor, measured on this
machine: mini-swe-agent 2.4.6's loop with its deterministic model costs 0.74 ms a step beyond the
commands it runs.

Figures here (2 cores, 5 runs of 50 steps): scripted model median 0.14 ms (p90 0.19 ms), 0.2x the
anchor; OpenAI SDK + wire server median 11.3 ms (p90 23 ms), most of it the SDK and the HTTP hop.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.agent.loop import Agent, Answer, Budget, ToolFinished  # noqa: E402
from app.chat import ChatSession  # noqa: E402
from app.config import Config  # noqa: E402
from app.conversation import Conversation  # noqa: E402
from app.llm.base import ChatRequest, Done, StreamEvent, ToolCall  # noqa: E402
from app.llm.meter import Meter  # noqa: E402
from app.llm.registry import build_router  # noqa: E402
from app.llm.router import Router  # noqa: E402
from app.llm.scripted import Reply, ScriptedProvider  # noqa: E402
from tests.wire_server import Call, WireServer, openai_config  # noqa: E402
from tests.wire_server import Reply as WireReply  # noqa: E402


class Timed:
    """Wraps a provider: when each request started and when its answer was received."""

    def __init__(self, provider: object) -> None:
        self.provider = provider
        self.starts: list[float] = []
        self.dones: list[float] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self.provider, name)

    def stream_chat(self, request: ChatRequest) -> Iterator[StreamEvent]:
        self.starts.append(time.perf_counter())
        for event in self.provider.stream_chat(request):  # type: ignore[attr-defined]
            if isinstance(event, Done):
                self.dones.append(time.perf_counter())
            yield event


class NoApprover:
    def approve(self, request: object) -> Answer:
        return Answer(False)


def step_overheads(repo: Path, provider: object, steps: int, server: WireServer | None = None) -> list[float]:
    """Milliseconds of the loop's own time for each step of one session: from an answer's Done to
    the next request's start (as the server received it, when there is one), minus the tool's run."""
    timed = Timed(provider)
    session = ChatSession(repo, Router([timed]), Meter())  # type: ignore[list-item]
    agent = Agent(Conversation(session, reviewer=None), NoApprover(), budget=Budget(max_steps=steps + 1))  # type: ignore[arg-type]
    tool_seconds = [e.seconds for e in agent.run("explore") if isinstance(e, ToolFinished)]
    starts = [r.received for r in server.requests[-len(timed.starts):]] if server else timed.starts
    gaps = [start - done for done, start in zip(timed.dones, starts[1:])]
    return [(gap - tool) * 1000 for gap, tool in zip(gaps, tool_seconds)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        (repo / "a.py").write_text("x = 1\n" * 40)
        # Each step its own range: the same call again and again is a model going round, which stops the run.
        calls = [ToolCall(f"c{i}", "read_file", {"path": "a.py", "end_line": i + 1}) for i in range(args.steps)]
        scripted: list[float] = []
        for _ in range(args.runs):
            model = ScriptedProvider(*[Reply(tool_calls=(c,)) for c in calls], "done")
            scripted += step_overheads(repo, model, args.steps)
        through_sdk: list[float] = []
        with WireServer() as server:
            for _ in range(args.runs):
                server.script(*[WireReply(tool_calls=[Call("read_file", c.arguments, id=c.id)]) for c in calls],
                              WireReply("done"))
                provider = build_router(Config(providers=[openai_config(server)])).active
                through_sdk += step_overheads(repo, provider, args.steps, server)
    for name, values in (("scripted model", scripted), ("OpenAI SDK + wire server", through_sdk)):
        print(f"{name:<26} {len(values)} steps: median {statistics.median(values):.2f} ms, "
              f"p90 {statistics.quantiles(values, n=10)[-1]:.2f} ms per step (the loop's own time)")
    print(f"mini-swe-agent 2.4.6 anchor: 0.74 ms; ratio (scripted) {statistics.median(scripted) / 0.74:.1f}x")


if __name__ == "__main__":
    main()

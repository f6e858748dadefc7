"""Main-screen apps for screenshots: a sample repo, and providers answering from the wire server.

The answers go through the real `openai` / `anthropic` SDKs to a scripted local server, so the
screenshots show exactly what a user sees. The server lives as long as the process.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from textual.app import App

from tests.wire_server import Behaviour, Call, Reply, Status, WireServer

GREET = 'def greet(name):\n    return "hello " + name\n'

EDIT_ANSWER = Reply(
    "`greet` builds the string by concatenation. An f-string with type hints reads better:\n\n",
    "app/greet.py\n```python\n<<<<<<< SEARCH\ndef greet(name):\n",
    '    return "hello " + name\n=======\ndef greet(name: str) -> str:\n',
    '    return f"hello {name}"\n>>>>>>> REPLACE\n```\n\n',
    "Callers are unaffected: the result is the same string.",
    usage=(1840, 96),
)


def _broken_edit(intro: str) -> Reply:
    return Reply(
        intro,
        "app/greet.py\n```python\n<<<<<<< SEARCH\ndef greet(name):\n=======\ndef greet(name: str -> str:\n",
        ">>>>>>> REPLACE\n```\n",
        usage=(1790, 40),
    )


AGENT_STEPS = (
    Reply("I'll read `greet` and look for its callers first.", tool_calls=[Call("read_file", {"path": "app/greet.py"}, id="c1")],
          usage=(2100, 40)),
    Reply(tool_calls=[Call("run_command", {"command": "grep -rn 'greet(' --include=*.py ."}, id="c2")], usage=(2300, 30)),
    Reply(tool_calls=[Call("propose_edit", {"edits": "".join(EDIT_ANSWER.chunks[1:4])}, id="c3")], usage=(2450, 90)),
    Reply("Done: `greet` takes and returns a `str` and uses an f-string. Its only caller is itself, so nothing "
          "else changes.", usage=(2600, 35)),
)
"""An agent session: a read, a command (approved), an edit (reviewed), the answer."""

BROKEN_ANSWERS = (_broken_edit("Typed `greet`:\n\n"), _broken_edit("Corrected:\n\n"))
"""An edit that leaves greet.py unparsable, and a "correction" that still does."""


def sample_repo(directory: Path) -> Path:
    """A small git repository in `directory`/demo-repo."""
    repo = directory / "demo-repo"
    (repo / "app").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "app" / "greet.py").write_text(GREET, encoding="utf-8")
    (repo / "README.md").write_text("# demo\n", encoding="utf-8")
    return repo


def chat_app(
    kinds: tuple[str, ...], *script: Behaviour, models: list[str] | None = None, agent: bool = False,
    files: dict[str, str] | None = None, window: int | None = None, map_tokens: int = 0,
) -> Callable[[Path], App[object]]:
    """A factory for the main screen with providers of `kinds` (failover order) answering `script`,
    the server offering `models` (GET /v1/models) when given, at Agent level when `agent`, the
    repository holding `files` too, the models' context window `window` when given, and a repo map
    of `map_tokens` sent with each request."""

    def make(directory: Path) -> App[object]:
        from app.autonomy import Level
        from app.chat import ChatSession
        from app.config import Config, ProviderConfig
        from app.llm.meter import Meter
        from app.llm.registry import build_router
        from widgets.tui import ExosuitApp

        server = WireServer().start()
        server.script(*script)
        if models is not None:
            server.models = models
        urls = {"openai": server.openai_url, "anthropic": server.url}
        default = {"openai": "gpt-4.1-mini", "anthropic": "claude-sonnet-4-5", "local": "SmolLM2-135M-Instruct"}
        providers = [
            ProviderConfig(kind, kind, default[kind], base_url=urls.get(kind), api_key="demo", max_retries=0,
                           context_window=window)
            for kind in kinds
        ]
        repo = sample_repo(directory)
        for rel, text in (files or {}).items():
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            (repo / rel).write_text(text, encoding="utf-8")
        session = ChatSession(repo, build_router(Config(providers=providers)), Meter(), map_tokens=map_tokens)
        return ExosuitApp(session, Level.AGENT if agent else Level.FILES)

    return make


def typed(*lines: str) -> tuple[str, ...]:
    """Keys that type each line and press enter, then wait for the answer to stream in."""
    keys: list[str] = []
    for line in lines:
        keys += [*line, "enter", "wait:400"]
    return (*keys, "wait:1200")


ANSWER = chat_app(("openai",), EDIT_ANSWER)
FAILOVER = chat_app(
    ("anthropic", "openai"), Status(529, "overloaded"), Reply("Switched providers; the conversation continues here.")
)
SYNTAX = chat_app(("openai",), *BROKEN_ANSWERS)
OFFLINE = chat_app(("local",))
PICKER = chat_app(("openai", "local"), models=["gpt-4.1", "gpt-4.1-mini", "gpt-4o", "o4-mini", "qwen2.5-coder-32b"])
AGENT = chat_app(("openai",), *AGENT_STEPS, agent=True)


SHOP = {
    "shop/orders.py": "".join(f"def order_step_{i}(order, amount):\n    \"\"\"Step {i} of placing an order.\"\"\"\n"
                              f"    return order.total + amount * {i}\n\n\n" for i in range(60)),
    "shop/cart.py": "class Cart:\n    def __init__(self):\n        self.items = []\n\n    def add(self, item):\n"
                    "        self.items.append(item)\n\n    def total(self):\n        return sum(i.price for i in self.items)\n",
    "shop/prices.py": "".join(f"PRICE_{i} = {i * 100}\n" for i in range(80)),
}
"""A bigger sample project: files of different sizes for the context list."""
LONG_ANSWERS = (
    Reply("`Cart.total` sums each item's `price`; an empty cart totals 0. " * 12),
    Reply("`order_step_3` adds three times the amount to the order's total. " * 12),
    Reply("Yes: `PRICE_7` is 700, as every price is its index times 100."),
)
SUMMARY = Reply(
    "The person is reading the shop package before changing how orders are priced.\n\n"
    "- `shop/cart.py`: `Cart.total` sums item prices; an empty cart totals 0.\n"
    "- `shop/orders.py`: `order_step_N` adds N times the amount to the order's total.\n"
    "- No files were changed yet; next: make `order_step_*` use the prices in `shop/prices.py`."
)
CONTEXT = chat_app(("anthropic",), *LONG_ANSWERS, files=SHOP, map_tokens=1024)
COMPACT = chat_app(("anthropic",), *LONG_ANSWERS, SUMMARY, files=SHOP, map_tokens=1024)
OVERFLOW = chat_app(("anthropic",), *LONG_ANSWERS, files=SHOP, window=3400, map_tokens=1024)
SHAPES = {"app/shapes.py": (
    "import math\n\n\ndef area_of_circle(radius: float) -> float:\n    return math.pi * radius ** 2\n\n\n"
    "def area_of_square(side: float) -> float:\n    \n"
), "app/report.py": "from app.shapes import area_of_circle\n\n\ndef report(radius: float) -> str:\n    return f\"{area_of_circle(radius):.2f}\"\n"}
"""Files to complete in the editor pane (one more open in a tab of its own)."""
EDITOR = chat_app(("openai",), Reply(""), Reply("return side ** 2"), files=SHAPES)  # report.py asks first
EDIT_RANGE = chat_app(("openai",), Reply(
    "```python\ndef area_of_circle(radius: float) -> float:\n    \"\"\"The area of a circle of `radius`.\"\"\"\n"
    "    if radius < 0:\n        raise ValueError(\"a radius is never negative\")\n    return math.pi * radius ** 2\n```\n"
), files=SHAPES)


QUESTIONS = ["Add type hints to app/shapes.py", "Why does area_of_square return None?", "Write tests for the shapes",
             "Rename area_of_circle to circle_area everywhere", "Make report() round to two places",
             "Use math.tau in area_of_circle", "Explain the repo layout"]
"""What the made-up sessions began with."""


def logged_sessions(repo: Path, days: int = 12) -> None:
    """Two weeks of made-up but plausible session logs for `repo` (under $EXOSUIT_SESSIONS): the
    person gets quicker with practice, says no more often to the smaller model."""
    import json
    import random
    import time

    from app import session_log

    chance = random.Random(7)
    folder = session_log.repo_folder(repo)
    folder.mkdir(parents=True, exist_ok=True)
    start = time.time() - days * 86400
    for day in range(days):
        t = start + day * 86400
        for number in range(chance.randint(1, 3)):
            model, level = chance.choice([("anthropic/claude-sonnet-4-5", "files"), ("openai/gpt-4.1-mini", "agent"),
                                          ("anthropic/claude-sonnet-4-5", "agent")])
            events: list[dict] = [{"e": "session", "t": t, "level": level, "provider": model}]
            asked = chance.choice(QUESTIONS)
            events.append({"e": "turns", "t": t + 1, "keep": 0, "add": [
                {"prompt": asked, "kind": "user", "answer": "Done: see the review.", "status": "complete", "provider": model}]})
            for _ in range(chance.randint(2, 5)):
                t += chance.uniform(60, 600)
                provider, name = model.split("/")
                events.append({"e": "request", "t": t, "provider": provider, "model": name,
                               "input": chance.randint(3000, 20000), "output": chance.randint(200, 1500),
                               "cost": round(chance.uniform(0.002, 0.04), 4)})
                pace = 14 - day * 0.7 + chance.uniform(-3, 3)
                no = 0.35 if "mini" in model else 0.15
                decisions = [{"path": "app/shapes.py", "hunk": h, "accepted": chance.random() > no,
                              "edited": chance.random() < 0.08,
                              "comment": "keep the old name" if chance.random() < 0.5 else "",
                              "seconds": max(1.5, pace * chance.uniform(0.6, 1.6)), "lines": chance.randint(2, 30)}
                             for h in range(chance.randint(1, 4))]
                events.append({"e": "review", "t": t + 30, "level": level, "model": model, "decisions": decisions})
            events.append({"e": "tally", "t": t + 60, "requested": 40, "shown": 25, "accepted": chance.randint(8, 16),
                           "accepted_chars": 300})
            stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(events[0]["t"]))
            (folder / f"{stamp}-{number:06x}.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))


def stats_app(directory: Path) -> App[object]:
    """The main screen of a repository with two weeks of logged sessions (for the Stats screen)."""
    import os

    os.environ["EXOSUIT_SESSIONS"] = str(directory / "sessions")
    make = chat_app(("openai",))
    app = make(directory)
    logged_sessions(directory / "demo-repo")
    return app

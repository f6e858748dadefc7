"""The repo-map lines a completion's prompt starts with: where the names used near the cursor are
defined, and how, for the definitions the code shown to the model does not hold."""

from __future__ import annotations

import time
from pathlib import Path

from app.completion import Completions
from app.config import Config
from app.context.nearby import MAX_LINES, Nearby
from app.llm.meter import Meter
from app.llm.registry import build_router
from tests.wire_server import Reply, WireServer, openai_config
from tests.widgets.conftest import make_repo

GEOMETRY = "class Shape:\n    def scaled(self, factor: float) -> 'Shape':\n        ...\n\n\ndef square(side: float) -> float:\n    return side * side\n"


def indexed(root: Path) -> Nearby:
    nearby = Nearby(root)
    nearby.refresh()
    return nearby


MAIN = "from geometry import Shape, square\n\n\ndef area(side):\n    total = square(side)\n    return "


def test_the_names_near_the_cursor_come_with_their_signatures(tmp_path: Path) -> None:
    make_repo(tmp_path, {"geometry.py": GEOMETRY, "main.py": MAIN + "\n", "web/app.js": "function square(n) { return n * n }\n"})
    lines = indexed(tmp_path).lines("main.py", MAIN, "\n")
    assert lines == (
        "# Definitions used below, from elsewhere in the repository:\n"
        "# geometry.py:6: def square(side: float) -> float:\n"
        "# web/app.js:1: function square(n)\n"  # the same name in JavaScript: the model picks
        "# geometry.py:1: class Shape:\n"
    )
    assert indexed(tmp_path).lines("web/page.js", "square(", "").startswith("// Definitions used below")


def test_what_the_model_is_shown_anyway_or_cannot_use_is_left_out(tmp_path: Path) -> None:
    make_repo(tmp_path, {"geometry.py": GEOMETRY, "main.py": MAIN, "notes.txt": "square\n",
                         **{f"m{i}.py": "def run():\n    pass\n" for i in range(5)}})
    nearby = indexed(tmp_path)
    assert nearby.lines("geometry.py", GEOMETRY, "") == ""  # its own definitions are on screen
    assert nearby.lines("notes.txt", "square(", "") == ""  # no language of the map
    assert nearby.lines("main.py", "run()\n", "") == ""  # defined in five files: says nothing
    assert nearby.lines("main.py", "unknown_name(", "") == ""
    many = "\n".join(f"def fn{i}(x{i}):\n    pass" for i in range(10))
    make_repo(tmp_path, {"many.py": many})
    assert nearby.lines("main.py", " ".join(f"fn{i}()" for i in range(10)), "") == ""  # the index is 30 s old first
    listed = indexed(tmp_path).lines("main.py", " ".join(f"fn{i}()" for i in range(10)), "").splitlines()
    assert len(listed) == 1 + MAX_LINES and listed[1] == "# many.py:19: def fn9(x9):"  # the nearest first


def test_the_prompt_starts_with_them_and_the_suggestion_is_unchanged(tmp_path: Path, wire_server: WireServer) -> None:
    make_repo(tmp_path, {"geometry.py": GEOMETRY, "main.py": MAIN})
    wire_server.script(Reply("total\n"), Reply("total\n"))
    config = Config(providers=[openai_config(wire_server, fim="native", model="qwen2.5-coder")])
    ghost = Completions(build_router(config), Meter(), nearby=indexed(tmp_path))
    assert ghost.complete(MAIN, "\n", "main.py") == "total"
    prompt = wire_server.requests[0].body["prompt"]
    assert prompt.startswith("# Definitions used below") and prompt.endswith(MAIN)
    assert "# geometry.py:6: def square(side: float) -> float:\n" in prompt
    assert ghost.complete(MAIN, "\n\n", "") == "total" and wire_server.requests[1].body["prompt"] == MAIN  # no file: no lines


def test_a_suggestion_never_waits_for_the_index(tmp_path: Path) -> None:
    make_repo(tmp_path, {"geometry.py": GEOMETRY, "main.py": MAIN})
    nearby = Nearby(tmp_path)
    assert nearby.lines("main.py", MAIN, "") == ""  # none yet: it is built in the background
    deadline = time.monotonic() + 10
    while not nearby.lines("main.py", MAIN, "") and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "def square(side: float)" in nearby.lines("main.py", MAIN, "")


def test_of_overloads_only_the_last_is_listed(tmp_path: Path) -> None:
    overloads = ("from typing import overload\n\n\n@overload\ndef parse(x: int) -> int: ...\n@overload\n"
                 "def parse(x: str) -> str: ...\ndef parse(x):\n    return x\n")
    make_repo(tmp_path, {"parsing.py": overloads, "main.py": "parse(1)\n"})
    assert indexed(tmp_path).lines("main.py", "parse(", "").splitlines()[1:] == ["# parsing.py:8: def parse(x):"]


def test_a_name_imported_from_outside_the_repository_is_not_looked_up_in_it(tmp_path: Path) -> None:
    make_repo(tmp_path, {"dialects/array.py": "def Any(other, arrexpr):\n    pass\n", "geometry.py": GEOMETRY,
                         "main.py": "x\n"})
    code = "from typing import Any, Optional\nfrom geometry import square\n\n\ndef f(x: Any) -> Any:\n    return square("
    lines = indexed(tmp_path).lines("main.py", code, ")\n")
    assert "def Any" not in lines and "def square(side: float) -> float:" in lines  # typing's Any; the repo's square
    assert "def Any" in indexed(tmp_path).lines("main.py", "from dialects.array import Any\nAny(", "")


def test_imports_from_outside_are_read_in_every_form() -> None:
    from app.context.nearby import _imported_from_outside, _roots

    code = ("from typing import Any\nfrom typing import (\n    Callable,  # a comment\n    cast as c,\n)\n"
            "from . import sibling\nfrom app.util import helper\nfrom lib_less import thing  # why\n")
    roots = _roots(["app/util.py", "app/__init__.py", "src/lib_less.py", "lib/pkg/sub/__init__.py"])
    assert roots == {"app", "lib_less", "pkg", "sub"}
    assert _imported_from_outside(code, roots) == {"Any", "Callable", "c"}

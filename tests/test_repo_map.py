"""The repo map on a real temp git repository in eight languages: the definitions it extracts and
lists, its ranking for the conversation, its determinism across hash seeds, the cache that
re-parses only what changed, and the files it never shows."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.context import repo_map
from app.context.tags import TagCache, parse
from tests.widgets.conftest import make_repo

FILES = {
    "shop/models.py": "class Order:\n    def total(self) -> int:\n        return 1\n\n\ndef make_order(items: list) -> 'Order':\n    return Order()\n",
    "shop/views.py": "from typing import Any\nfrom shop.models import Order, make_order\n\n\ndef show(order: Order) -> Any:\n    return make_order([])\n",
    "shop/cli.py": "from shop.models import Order\n\n\ndef main() -> None:\n    Order().total()\n",
    "web/app.js": "export class Cart {\n  add(item) { return item; }\n}\nfunction checkout(cart) {\n  return new Cart();\n}\n",
    "web/api.ts": "interface Payment { amount: number }\nexport function pay(p: Payment): boolean {\n  return checkout(p);\n}\n",
    "web/Button.tsx": "export function Button(props: { label: string }) {\n  return <button>{props.label}</button>;\n}\n",
    "svc/main.go": "package main\n\ntype Server struct{}\n\nfunc (s *Server) Serve() error { return nil }\n\nfunc NewServer() *Server { return &Server{} }\n",
    "core/lib.rs": "pub struct Engine;\n\nimpl Engine {\n    pub fn start(&self) {}\n}\n\npub fn build_engine() -> Engine { Engine }\n",
    "java/Billing.java": "public class Billing {\n    public int charge(int cents) { return cents; }\n}\n",
    "native/util.c": "int checksum(const char *data, int n) {\n    return n;\n}\n",
    "native/vec.cpp": "class Vector {\npublic:\n    double norm() const { return 0; }\n};\nint dot(int a, int b) { return a * b; }\n",
    ".env": "API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz0123456789\n",
    "secrets.py": "def leaked():\n    return 'x'\n",
    "shop/config.py": "def connect(key='sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345'):\n    pass\n",
}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EXOSUIT_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "repo"
    root.mkdir()
    make_repo(root, FILES)
    return root


def test_each_language_gives_its_definitions_with_lines_and_signatures(repo: Path) -> None:
    cache = TagCache(repo)
    tags = cache.tags(cache.versions(sorted(FILES)))
    names = {rel: [(d.name, d.line, d.kind) for d in t.definitions] for rel, t in tags.items()}
    assert names["shop/models.py"] == [("Order", 1, "class"), ("total", 2, "function"), ("make_order", 6, "function")]
    assert ("Cart", 1, "class") in names["web/app.js"] and ("checkout", 4, "function") in names["web/app.js"]
    assert ("Payment", 1, "interface") in names["web/api.ts"] and ("pay", 2, "function") in names["web/api.ts"]
    assert ("Button", 1, "function") in names["web/Button.tsx"]
    assert {("Server", 3), ("Serve", 5), ("NewServer", 7)} <= {(n, line) for n, line, _ in names["svc/main.go"]}
    assert {("Engine", 1), ("start", 4), ("build_engine", 7)} <= {(n, line) for n, line, _ in names["core/lib.rs"]}
    assert {"Billing", "charge"} <= {n for n, _, _ in names["java/Billing.java"]}
    assert ("checksum", 1, "function") in names["native/util.c"]
    assert {"Vector", "dot"} <= {n for n, _, _ in names["native/vec.cpp"]}
    models = {d.name: d.signature for d in tags["shop/models.py"].definitions}
    assert models == {"Order": "class Order:", "total": "    def total(self) -> int:", "make_order": "def make_order(items: list) -> 'Order':"}
    assert ".env" not in tags  # not a language of the map


def test_references_are_what_a_file_uses_but_not_names_it_takes_from_the_standard_library() -> None:
    tags = parse(FILES["shop/views.py"].encode(), "python")
    assert tags.references.get("Order") == 2 and tags.references.get("make_order") == 2
    assert "Any" not in tags.references  # typing.Any, not a repository's Any
    assert parse(b"int f(void) { return helper(1); }\n", "c").references["helper"] == 1  # C: every identifier


def test_the_map_lists_the_used_definitions_first_leaves_out_the_focus_and_never_shows_secrets(repo: Path) -> None:
    built = repo_map.build(repo, tokens=2000)
    assert built.text.startswith("shop/models.py\n    1│class Order:\n")  # used by two files: ranked first
    assert "    6│def make_order(items: list) -> 'Order':" in built.text
    assert "leaked" not in built.text and "API_KEY" not in built.text  # secrets.py is named like a secrets file
    assert "connect" not in built.text and "sk-ant" not in built.text  # config.py holds a token
    assert built.files == 12 and built.definitions > 15
    focused = repo_map.build(repo, tokens=2000, focus=("shop/models.py",))
    assert "shop/models.py" not in focused.text  # the model has the file itself
    short = repo_map.build(repo, tokens=40)
    assert len(short.text) <= 40 * 4 and short.text.startswith("shop/models.py\n")


def test_a_mentioned_identifier_pulls_its_definition_up(repo: Path) -> None:
    first = repo_map.build(repo, tokens=2000).text.split("\n\n")[0]
    assert not first.startswith("java/Billing.java")
    mentioned = repo_map.build(repo, tokens=2000, mentioned=("Billing",)).text
    assert mentioned.startswith("java/Billing.java\n")


def test_generated_minified_binary_and_large_files_are_left_out_with_a_note(repo: Path) -> None:
    extra = {
        "proto/order_pb2.py": "class OrderMessage:\n    pass\n",
        "gen/client.go": "// Code generated by protoc. DO NOT EDIT.\npackage gen\n\nfunc Generated() {}\n",
        "web/vendor.js": "function squeezed(a){return a}" + ";var x=1" * 4000 + "\n",
        "tools/blob.py": "def hidden():\n    pass\n\0\0",
        "data/huge.py": "def enormous():\n    pass\n" + "# padding\n" * 110_000,
    }
    for rel, text in extra.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    text = repo_map.build(repo, tokens=2000).text
    for name in ("OrderMessage", "Generated", "squeezed", "hidden", "enormous"):
        assert name not in text
    assert text.endswith(
        "(Left out of the map — binary: tools/blob.py; generated: gen/client.go, proto/order_pb2.py;"
        " minified: web/vendor.js; over 1 MB: data/huge.py.)\n"
    )
    assert "class Order:" in text  # the rest of the map is as before
    (repo / "tools/blob.py").unlink()  # the note is made anew, never a stale kept one
    assert "binary" not in repo_map.build(repo, tokens=2000).text


def test_the_project_configures_the_deny_list_both_ways(repo: Path) -> None:
    from app.context import secrets

    (repo / "deploy").mkdir()
    (repo / "deploy" / "prod.py").write_text("def rotate_credentials():\n    pass\n")
    try:
        secrets.configure(["deploy/*"], ["secrets.py"])
        text = repo_map.build(repo, tokens=2000).text
        assert "rotate_credentials" not in text and "def leaked" in text
        assert secrets.secret_reason("deploy/prod.py") == "deploy/prod.py is in the project's secret_files"
        assert secrets.secret_reason("app/secrets.py") is None  # a name pattern matches in any directory
        assert secrets.secret_reason(".env") is not None  # the built-in list still holds
    finally:
        secrets.configure([], [])
    assert "def leaked" not in repo_map.build(repo, tokens=2000).text


def test_the_map_is_the_same_whatever_the_hash_seed(repo: Path, tmp_path: Path) -> None:
    def mapped(seed: str) -> str:
        env = {**os.environ, "PYTHONHASHSEED": seed, "EXOSUIT_CACHE": str(tmp_path / f"cache-{seed}")}
        done = subprocess.run([sys.executable, "-m", "app.cli", "map", "--repo", str(repo), "--tokens", "2000"],
                              capture_output=True, text=True, env=env, check=True)
        return done.stdout

    first = mapped("1")
    assert first and first == mapped("2") and first == mapped("3")


def test_a_warm_run_parses_only_the_file_that_changed(repo: Path) -> None:
    cache = TagCache(repo)
    repo_map.build(repo, cache=cache)
    assert len(cache.parsed) == 12
    repo_map.build(repo, cache=cache)
    assert cache.parsed == []
    views = repo / "shop" / "views.py"
    views.write_text(views.read_text() + "\n\ndef refund(order: Order) -> None:\n    pass\n")
    os.utime(views, ns=(time.time_ns(), time.time_ns() + 10**9))
    built = repo_map.build(repo, tokens=2000, cache=TagCache(repo))  # a new process: the cache on disk
    assert built.parsed == 1 and "def refund(order: Order) -> None:" in built.text


def test_a_damaged_cache_is_parsed_again_not_an_error(repo: Path, tmp_path: Path) -> None:
    repo_map.build(repo)
    with sqlite3.connect(tmp_path / "cache" / "tags.sqlite") as db:
        db.execute("UPDATE tags SET data = x'00ff00'")
        db.execute("DELETE FROM maps")
    built = repo_map.build(repo)
    assert built.parsed == 12 and "class Order:" in built.text
    (tmp_path / "cache" / "tags.sqlite").write_bytes(b"not a database")
    assert "class Order:" in repo_map.build(repo).text


def test_exosuit_map_prints_the_map_and_refuses_a_focus_outside_the_repository(repo: Path, tmp_path: Path) -> None:
    env = {**os.environ, "EXOSUIT_CACHE": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-m", "app.cli", "map", "--repo", str(repo), "--focus", str(repo / "shop" / "views.py")],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0 and done.stdout.startswith("shop/models.py\n")
    assert "definitions from 12 files" in done.stderr
    outside = subprocess.run([sys.executable, "-m", "app.cli", "map", "--repo", str(repo), "--focus", str(tmp_path)],
                             capture_output=True, text=True, env=env)
    assert outside.returncode != 0 and "not inside the repository" in outside.stderr


def test_many_files_are_parsed_in_parallel_processes_with_the_same_tags(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.context import tags as tags_module

    serial = TagCache(repo, tmp_path / "serial.sqlite")
    expected = serial.tags(serial.versions(sorted(FILES)))
    monkeypatch.setattr(tags_module, "PARALLEL_FILES", 2)
    parallel = TagCache(repo, tmp_path / "parallel.sqlite")
    assert parallel.tags(parallel.versions(sorted(FILES))) == expected and len(parallel.parsed) == 13


def test_the_map_goes_with_each_request_and_no_deny_listed_file_reaches_the_server(repo: Path, wire_server) -> None:  # noqa: ANN001
    from app.agent.loop import Agent
    from app.chat import ChatSession
    from app.config import Config
    from app.conversation import Conversation
    from app.llm.meter import Meter
    from app.llm.registry import build_router
    from tests.test_agent import ScriptedApprover
    from tests.test_conversation import ScriptedReviewer
    from tests.wire_server import Call, Reply, openai_config

    (repo / "id_rsa").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----\n")
    wire_server.script(
        Reply(tool_calls=[Call("read_file", {"path": ".env"}, id="c1")]),
        Reply(tool_calls=[Call("search", {"pattern": "sk-|KEY|leaked"}, id="c2")]),
        Reply(tool_calls=[Call("repo_map", {}, id="c3")]),
        Reply("done"),
    )
    session = ChatSession(repo, build_router(Config(providers=[openai_config(wire_server)])), Meter(), map_tokens=1024)
    session.context.add("shop/views.py")
    list(Agent(Conversation(session, ScriptedReviewer()), ScriptedApprover()).run("look around"))
    sent = "".join(str(request.body) for request in wire_server.requests)
    assert "1│class Order:" in str(wire_server.requests[0].body["messages"][0])  # the map, ahead of the context
    for secret in ("sk-proj-abcdef", "sk-ant-api03", "OPENSSH PRIVATE", "b3BlbnNzaC1rZXk", "def leaked", "def connect"):
        assert secret not in sent

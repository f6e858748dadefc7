"""The agent's tools as text, for a model served without tool calling: reading the one action of
a reply (and refusing what is not one), and the agent working through it with a scripted model
and through the real OpenAI SDK against the wire server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.agent.loop import Agent, AgentEnded, Answer, ToolFinished
from app.agent.text_protocol import TextProtocol
from app.agent.tools import TOOLS
from app.chat import ChatSession
from app.config import Config
from app.conversation import Conversation, Notice
from app.llm.base import ToolCall, ToolResult
from app.llm.meter import Meter
from app.llm.registry import build_router
from app.llm.router import Router
from app.llm.scripted import ScriptedProvider
from tests.test_agent import CALC, FIX, TEST, ScriptedApprover
from tests.test_conversation import ScriptedReviewer, accept_all
from tests.widgets.conftest import make_repo
from tests.wire_server import Reply as WireReply
from tests.wire_server import Status, WireServer, openai_config

TEXT = TextProtocol(TOOLS)


def parse(answer: str) -> list[tuple[str, dict[str, object], str]]:
    return [(c.name, c.arguments, c.invalid) for c in TEXT.parse(answer)[0]]


def test_arguments_are_key_value_lines_with_integers_read_as_such() -> None:
    answer = "Let me look.\n\n```read_file\npath: calc.py\nstart_line: 2\nend_line: `9`\n```\n"
    assert parse(answer) == [("read_file", {"path": "calc.py", "start_line": 2, "end_line": "9"}, "")]
    assert parse("```search\n{\"pattern\": \"def \\\\w+\", \"path\": \"app\"}\n```") == [("search", {"pattern": "def \\w+", "path": "app"}, "")]
    assert parse("```run_tests\n```") == [("run_tests", {}, "")]


def test_a_body_that_is_not_arguments_is_kept_as_invalid_for_the_tool_layer_to_refuse() -> None:
    assert parse("```read_file\nplease read calc.py\n```") == [("read_file", {}, "please read calc.py")]
    assert parse("```search\n{\"pattern\": \n```") == [("search", {}, '{"pattern":')]


def test_a_command_is_the_body_and_ends_at_the_first_fence() -> None:
    answer = "```run_command\npython -m pytest -q tests\n```\n<result>\nall passed (made up)\n```\ntext\n```"
    assert parse(answer) == [("run_command", {"command": "python -m pytest -q tests"}, "")]


def test_edits_keep_their_own_fences_with_or_without_the_closing_fence_of_the_action() -> None:
    assert parse(f"I'll fix it.\n```propose_edit\n{FIX}```\n") == [("propose_edit", {"edits": FIX.rstrip("\n")}, "")]
    assert parse(f"```propose_edit\n{FIX}") == [("propose_edit", {"edits": FIX.rstrip("\n").removesuffix("```").rstrip("\n")}, "")]


def test_a_reply_without_an_action_is_a_final_answer_and_other_fences_are_not_actions() -> None:
    assert parse("Done: add adds now.") == []
    assert parse("Run this yourself:\n```bash\nrm -rf build\n```\n```python\nprint(1)\n```") == []
    assert parse("``` read_file\npath: x\n```") != []  # a space after the backticks is still the name


def test_only_the_first_action_is_carried_out_and_the_reply_is_kept_up_to_its_end() -> None:
    answer = "Reading.\n```read_file\npath: a.py\n```\n<result>\nmade up\n</result>\n```read_file\npath: b.py\n```"
    calls, kept = TEXT.parse(answer)
    assert [(c.name, c.arguments) for c in calls] == [("read_file", {"path": "a.py"})]
    assert kept == "Reading.\n```read_file\npath: a.py\n```"
    edit = f"```propose_edit\n{FIX}```\nNow the tests:\n```run_tests\n```\n"
    assert TEXT.parse(edit)[1] == f"```propose_edit\n{FIX}```"
    assert TEXT.parse("no action here\n")[1] == "no action here\n"
    assert TEXT.results(calls, [ToolResult(calls[0].id, "1\tx = 1")]) == '<result tool="read_file">\n1\tx = 1\n</result>'
    assert TEXT.results([ToolCall("text-1", "search", {"pattern": "("})], [ToolResult("text-1", "search: bad", True)]) == (
        '<result tool="search" error="true">\nsearch: bad\n</result>')


def test_the_instructions_name_every_tool_with_its_block_and_a_real_example_path() -> None:
    said = TEXT.instructions("calc.py")
    assert all(f"```{tool.name}\n" in said for tool in TOOLS)
    assert "path: calc.py\nstart_line: 1" in said and "```run_command\n<command>\n```" in said
    assert "Optional: `start_line`, `end_line`." in said


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    make_repo(root, {"calc.py": CALC, "test_calc.py": TEST})
    return root


def test_the_agent_reads_edits_and_tests_through_text_actions(repo: Path) -> None:
    model = ScriptedProvider(
        "I'll read it first.\n```read_file\npath: calc.py\n```\n<result>\nmade up by the model\n</result>",
        f"It subtracts.\n```propose_edit\n{FIX}```",
        "```run_tests\n```",
        "Fixed: add adds.",
    )
    model.supports_tools = False
    session = ChatSession(repo, Router([model]), Meter())
    approver = ScriptedApprover(Answer(True))
    events = list(Agent(Conversation(session, ScriptedReviewer(accept_all)), approver).run("fix add"))
    assert events[-1] == AgentEnded("done", "Fixed: add adds.", 4)
    assert [e.name for e in events if isinstance(e, ToolFinished)] == ["read_file", "propose_edit", "run_tests"]
    assert "return a + b" in (repo / "calc.py").read_text()
    last = model.requests[-1]
    assert all(r.tools == () for r in model.requests) and "```read_file\n" in last.system
    said = [m.content for m in last.messages if m.role == "user"]
    assert said[1] == '<result tool="read_file">\n1\tdef add(a, b):\n2\t    return a - b\n</result>'
    assert said[2] == '<result tool="propose_edit">\nWrote calc.py\n</result>'
    assert said[3].startswith('<result tool="run_tests">\npython -m pytest -q: exit 0')
    assert all(not m.tool_calls and not m.tool_results for m in last.messages)
    assert last.messages[1].content == "I'll read it first.\n```read_file\npath: calc.py\n```"  # not what it made up


def test_a_malformed_text_action_gets_one_line_back_and_nothing_runs(repo: Path) -> None:
    model = ScriptedProvider("```run_command\n```", "```read_file\nthe calc file\n```", "ok")
    model.supports_tools = False
    session = ChatSession(repo, Router([model]), Meter())
    approver = ScriptedApprover()
    events = list(Agent(Conversation(session, ScriptedReviewer()), approver).run("go"))
    assert [e.summary for e in events if isinstance(e, ToolFinished)] == [
        "run_command: `command` is required",
        "read_file: the arguments are neither a JSON object nor `key: value` lines: the calc file",
    ]
    assert approver.asked == [] and events[-1].reason == "done"


def test_through_the_openai_sdk_a_server_without_tools_gets_them_as_text(repo: Path, wire_server: WireServer) -> None:
    wire_server.script(WireReply("```read_file\npath: calc.py\n```"), WireReply("It subtracts."))
    config = openai_config(wire_server, tools=False)
    session = ChatSession(repo, build_router(Config(providers=[config])), Meter())
    events = list(Agent(Conversation(session, ScriptedReviewer()), ScriptedApprover()).run("why?"))
    assert events[-1] == AgentEnded("done", "It subtracts.", 2)
    bodies = [r.body for r in wire_server.requests]
    assert all("tools" not in b for b in bodies)
    assert bodies[1]["messages"][-1] == {"role": "user", "content": '<result tool="read_file">\n1\tdef add(a, b):\n2\t    return a - b\n</result>'}


def test_a_server_that_refuses_tools_is_asked_the_question_again_with_them_as_text(repo: Path, wire_server: WireServer) -> None:
    wire_server.script(Status(400, "this model does not support tools"), WireReply("I would read calc.py."),
                       WireReply("```list_files\n```"), WireReply("Two files."))
    session = ChatSession(repo, build_router(Config(providers=[openai_config(wire_server)])), Meter())
    events = list(Agent(Conversation(session, ScriptedReviewer()), ScriptedApprover()).run("what is here?"))
    assert Notice("openai takes no tool calls: asking again with the tools described as text", "warning") in events
    assert events[-1] == AgentEnded("done", "Two files.", 3)
    asked_again = wire_server.requests[2].body
    assert "tools" not in asked_again and "```list_files" in json.dumps(asked_again["messages"][0])
    assert [m["content"] for m in asked_again["messages"] if m["role"] == "user"] == ["what is here?"]

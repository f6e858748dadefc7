"""The agent's tools for a model or server without tool calling: one fenced action per reply.

The embedded model and many local servers take no `tools`. Their model is told the tools in the
system prompt and calls one by ending its reply with a block fenced by its name:

    ```read_file
    path: app/main.py
    start_line: 40
    ```

Arguments are `key: value` lines (a JSON object is read too). `run_command` and `propose_edit`
take their one argument, `command` and `edits`, as the block's whole body; `propose_edit`'s
edits hold fences of their own, so its block ends at the reply's last fence line. Only the first
action of a reply is carried out, and the reply is kept only up to its end: what a small model
writes after it (a result it made up, more actions) never reaches its later requests. The result
goes back as the next user message, in a `<result>` element. A reply without an action is the
model's final answer.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import prompts
from app.llm.base import ToolCall, ToolResult, ToolSpec

BODY_ARGUMENTS = {"run_command": "command", "propose_edit": "edits"}
"""Tools whose block body is one argument, as it is written (not `key: value` lines)."""
FENCE_ENDS_AT_LAST = frozenset({"propose_edit"})
"""Tools whose body may hold fenced blocks: their action ends at the reply's last fence."""

_OPENER = re.compile(r"^\s*```+\s*([A-Za-z_]+)\s*$")
_FENCE = re.compile(r"^\s*```+\s*$")
_ARGUMENT = re.compile(r"^\s*([A-Za-z_]+)\s*[:=]\s*(.*?)\s*$")


@dataclass(frozen=True)
class TextProtocol:
    """How tool calls are written in, and read from, plain text for the `tools` offered."""

    tools: tuple[ToolSpec, ...]

    def instructions(self, example: str) -> str:
        """The system prompt's part that teaches the format and lists the tools (`example`: a
        real file of the repository, for the example's path)."""
        return prompts.load("agent_text_tools", example=example, tools="\n".join(_describe(t) for t in self.tools))

    def parse(self, answer: str) -> tuple[list[ToolCall], str]:
        """The call the reply makes (at most one: its first action), or [] for a final answer;
        and the reply as kept, up to the end of that action."""
        names = {t.name for t in self.tools}
        lines = answer.splitlines()
        starts = [i for i, line in enumerate(lines) if (m := _OPENER.match(line)) and m.group(1) in names]
        if not starts:
            return [], answer
        start, stop = starts[0], starts[1] if len(starts) > 1 else len(lines)
        spec = next(t for t in self.tools if t.name == _OPENER.match(lines[start]).group(1))  # type: ignore[union-attr]
        fences = [i for i in range(start + 1, stop) if _FENCE.match(lines[i])]
        end = (fences[-1] if spec.name in FENCE_ENDS_AT_LAST else fences[0]) if fences else stop
        call = ToolCall("text-1", spec.name, *_arguments(spec, "\n".join(lines[start + 1 : end])))
        return [call], "\n".join(lines[: min(end, stop - 1) + 1])

    def results(self, calls: list[ToolCall], results: list[ToolResult]) -> str:
        """The next user message: what each call was answered."""
        return "\n\n".join(_result(call, result) for call, result in zip(calls, results))


def _arguments(spec: ToolSpec, body: str) -> tuple[dict[str, Any], str]:
    """The call's arguments and, when they cannot be read, the body as written (`invalid`)."""
    if spec.name in BODY_ARGUMENTS:
        text = body.strip("\n") if spec.name == "propose_edit" else body.strip()
        return ({BODY_ARGUMENTS[spec.name]: text} if text else {}), ""
    if body.strip().startswith("{"):
        try:
            parsed = json.loads(body)
        except json.JSONDecodeError:
            parsed = None
        return (parsed, "") if isinstance(parsed, dict) else ({}, body.strip())
    integers = {k for k, v in spec.input_schema["properties"].items() if v.get("type") == "integer"}
    arguments: dict[str, Any] = {}
    for line in body.splitlines():
        if not line.strip():
            continue
        match = _ARGUMENT.match(line)
        if not match:
            return {}, body.strip()
        key, value = match.groups()
        arguments[key] = int(value) if key in integers and re.fullmatch(r"-?\d+", value) else value.strip("`'\"")
    return arguments, ""


def _result(call: ToolCall, result: ToolResult) -> str:
    error = ' error="true"' if result.is_error else ""
    return f'<result tool="{call.name}"{error}>\n{result.content}\n</result>'


def _describe(spec: ToolSpec) -> str:
    """One tool for the prompt: what it does, and its block."""
    properties, required = spec.input_schema["properties"], spec.input_schema.get("required", [])
    if spec.name in BODY_ARGUMENTS:
        lines, optional = [f"<{BODY_ARGUMENTS[spec.name]}>"], []
    else:
        lines = [f"{key}: <{key}>" for key in properties if key in required]
        optional = [f"`{key}`" for key in properties if key not in required]
    block = "\n".join([f"```{spec.name}", *lines, "```"])
    more = f" Optional: {', '.join(optional)}." if optional else ""
    return f"- `{spec.name}`: {spec.description}{more}\n{block}"

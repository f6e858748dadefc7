"""The system prompt for the model in use: how to answer, and which edit format to write.

Small models botch SEARCH/REPLACE blocks (a missing divider, shifted indentation) and do well
with whole files; they also pay for every prompt token before their first one. So the prompt is
chosen per provider: whole files and the compact prompt for the embedded model, for models whose
name gives a size of at most 15B parameters, and for unknown models on a local or private server;
SEARCH/REPLACE and the full prompt for the rest. A provider's `edit_format` and `prompt` settings
override the choice. Whatever the prompt asks for, the edit engine reads every format.

The example path in the prompt is a real file (the first in the context, else one of the
repository's), never a placeholder a model could copy as a label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import prompts

if TYPE_CHECKING:
    from app.config import ProviderConfig

SMALL_MODEL_BILLIONS = 15.0
"""A model whose name states at most this many billion parameters gets the small-model prompt."""

_SIZE = re.compile(r"(?<![a-z0-9.])(?:(\d+)x)?(\d+(?:\.\d+)?)([bm])(?![a-z])", re.I)
"""A parameter count in a model name: `qwen2.5-coder:1.5b`, `Llama-3.1-8B-Instruct`, `8x7b`, `135m`."""
_STRONG_FAMILIES = re.compile(r"\b(?:gpt-[45]|o[134]\b|o[134]-|claude|gemini)", re.I)
"""Hosted frontier models, recognised by name even behind a local proxy."""
DEFAULT_EXAMPLE = "main.py"
_DOC_SUFFIXES = {".md", ".rst", ".txt", ".toml", ".cfg", ".ini", ".json", ".yaml", ".yml", ".lock"}
"""Files a prompt's example names only when the repository has nothing else."""


@dataclass(frozen=True)
class Style:
    """What the system prompt asks of the model."""

    edit_format: str
    """"whole" or "search-replace"."""
    prompt: str
    """"full" or "compact"."""
    why: str
    """Why "auto" chose so, in a few words ("a 1.5B model", "a local server")."""


def choose(config: ProviderConfig | None, model: str) -> Style:
    """The style for `model` served by the provider `config` (None: a provider with no config)."""
    small, why = _is_small(config, model)
    edit_format = config.edit_format if config else "auto"
    prompt = config.prompt if config else "auto"
    return Style(
        edit_format if edit_format != "auto" else "whole" if small else "search-replace",
        prompt if prompt != "auto" else "compact" if small else "full",
        why,
    )


def system_prompt(
    repo_name: str, style: Style, example: str, *, agent: bool = False, tools: str = "", project: str = ""
) -> str:
    """The system prompt in `style`, its example path `example` (a repo-relative path); the
    agent's (which works through tools) when `agent`, with `tools` saying how to call them when
    the server takes no tool calls; then the `project`'s own instructions."""
    name = "edit_format_whole" if style.edit_format == "whole" else "edit_format_search_replace"
    edits = prompts.load(name, example=example).rstrip("\n")
    template = "system_agent" if agent else "system_compact" if style.prompt == "compact" else "system"
    text = prompts.load(template, repo_name=repo_name, edits=edits)
    return "\n\n".join(part.rstrip() for part in (text, tools, project) if part) + "\n"


PROJECT_FILES = ("AGENTS.md", "CLAUDE.md", "CONVENTIONS.md")
"""Files at the repository's root in which a project tells coding assistants how to work in it."""
PROJECT_FILE_CHARS = 8_000
"""Characters of each that go into the system prompt (the rest is cut, and the cut said)."""


def project_instructions(root: Path) -> str:
    """The instructions of PROJECT_FILES present at `root` (unreadable ones and secrets left
    out), each cut to PROJECT_FILE_CHARS, for the system prompt; "" when there are none."""
    from app.context import fenced, secret_reason

    parts = []
    for name in PROJECT_FILES:
        try:
            text = (root / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if not text.strip() or secret_reason(name, text):
            continue
        if len(text) > PROJECT_FILE_CHARS:
            text = text[:PROJECT_FILE_CHARS] + f"\n[... {len(text) - PROJECT_FILE_CHARS:,} more characters of {name} cut]\n"
        parts.append(f"{name}\n{fenced(text)}")
    return prompts.load("project_instructions", files="\n\n".join(parts)) if parts else ""


def example_path(context: list[str], repo: list[str]) -> str:
    """A real file to name in the prompt's example: the first context file, else the shallowest
    source-looking repo file, else `main.py`."""
    if context:
        return context[0]
    sources = [p for p in repo if PurePosixPath(p).suffix and not PurePosixPath(p).name.startswith(".")]
    if not sources:
        return DEFAULT_EXAMPLE
    return min(sources, key=lambda p: (p.count("/"), PurePosixPath(p).suffix in _DOC_SUFFIXES, p))


def is_small_model(config: ProviderConfig | None, model: str) -> bool:
    """Whether `model` (served by `config`) is a small model, as far as its name and server tell."""
    return _is_small(config, model)[0]


def _is_small(config: ProviderConfig | None, model: str) -> tuple[bool, str]:
    if config is None:
        return False, "no provider settings"
    if config.kind == "local":
        return True, "the embedded model"
    sizes = [_billions(match) for match in _SIZE.finditer(model)]
    if sizes:
        size = max(sizes)
        return size <= SMALL_MODEL_BILLIONS, f"a {size:g}B model"
    if _STRONG_FAMILIES.search(model):
        return False, "a hosted model"
    if config.local:
        return True, "a local server"
    return False, "a hosted model"


def _billions(size: re.Match[str]) -> float:
    experts, count, unit = size.groups()
    return int(experts or 1) * float(count) / (1000 if unit.lower() == "m" else 1)

"""Prompt templates, shipped as `.md` files inside the package."""

from __future__ import annotations

from importlib.resources import files
from string import Template


def load(name: str, **values: str) -> str:
    """Return prompt template `name` (without `.md`) with `$placeholders` filled in.

    Raises KeyError when a placeholder has no value, so a missing one never reaches a model.
    """
    text = files(__name__).joinpath(f"{name}.md").read_text(encoding="utf-8")
    return Template(text).substitute(values) if values else text

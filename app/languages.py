"""Which tree-sitter grammar reads a file, by its suffix, for the grammar wheels installed
(`textual[syntax]` brings them; offline, no download at run time)."""

from __future__ import annotations

from functools import cache
from importlib import import_module
from importlib.util import find_spec
from pathlib import PurePosixPath

from tree_sitter import Language

LANGUAGES = {
    ".py": "python", ".pyi": "python", ".js": "javascript", ".mjs": "javascript", ".jsx": "javascript",
    ".rs": "rust", ".go": "go", ".json": "json", ".toml": "toml", ".yaml": "yaml", ".yml": "yaml",
    ".md": "markdown", ".html": "html", ".htm": "html", ".css": "css", ".sql": "sql",
    ".java": "java", ".sh": "bash", ".bash": "bash", ".xml": "xml",
}  # fmt: skip
"""File suffix -> tree-sitter language."""


def language_for(path: str) -> str | None:
    """The language of a file, from its suffix; None when its grammar is not installed."""
    name = LANGUAGES.get(PurePosixPath(path).suffix.lower())
    return name if name and find_spec(f"tree_sitter_{name}") is not None else None


@cache
def grammar(name: str) -> Language | None:
    """The tree-sitter Language `name` (as `language_for` gives it), or None when not installed."""
    try:
        module = import_module(f"tree_sitter_{name}")
    except ImportError:
        return None
    return Language(module.language_xml() if name == "xml" else module.language())

"""The cheap check before review: does an edit leave a file that no longer parses?

Each changed file whose language has a grammar is parsed with tree-sitter (a few milliseconds per
thousand lines). A file that parsed before and no longer does, or has more syntax errors than
before, gets a `SyntaxProblem` naming the first new error's line. A file that was broken already
is not blamed on the edit. Markdown is not checked: its grammar accepts anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node, Parser

from app.edits.changeset import FileChange
from app.languages import grammar, language_for

UNCHECKED = {"markdown"}


@dataclass(frozen=True)
class SyntaxProblem:
    """The first syntax error an edit added to a file."""

    path: str
    line: int
    """1-based, in the new text."""
    message: str

    def describe(self) -> str:
        return f"{self.path} line {self.line}: {self.message}"


def added_syntax_error(change: FileChange) -> SyntaxProblem | None:
    """The first syntax error `change` adds to its file, or None (no grammar, or none added)."""
    name = language_for(change.path)
    language = grammar(name) if name and name not in UNCHECKED else None
    if language is None or change.new_text is None:
        return None
    parser = Parser(language)
    new = _errors(parser, change.new_text)
    if not new or len(new) <= len(_errors(parser, change.old_text or "")):
        return None
    line, message = new[0]
    return SyntaxProblem(change.path, line, message)


def _errors(parser: Parser, text: str) -> list[tuple[int, str]]:
    """(1-based line, what is wrong) for each error and missing node, in order."""
    tree = parser.parse(text.encode("utf-8"))
    if not tree.root_node.has_error:
        return []
    found: list[tuple[int, str]] = []
    stack: list[Node] = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_missing:
            found.append((node.start_point[0] + 1, f"syntax error: missing {node.type!r}"))
        elif node.is_error:
            snippet = (node.text or b"").decode("utf-8", "replace").strip().split("\n")[0][:40]
            found.append((node.start_point[0] + 1, f"syntax error at {snippet!r}" if snippet else "syntax error"))
            continue  # one report per broken region
        stack.extend(child for child in reversed(node.children) if child.has_error or child.is_missing)
    return sorted(found)

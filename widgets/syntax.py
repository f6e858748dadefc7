"""Syntax highlighting of one file's text, a window of lines at a time, with tree-sitter.

Parsing a whole file is fast (about 5 ms per 1,000 lines) but compiling a language's highlight
query is not (about 100 ms, once per language), so `DiffView` builds highlighters in a thread.
Running the query is slow too (about 0.08 ms a line, whether over a whole tree or a few lines),
so `LineHighlighter` queries only the lines being drawn (`QueryCursor.set_point_range`), each
run of consecutive lines in one query, and keeps the result per line.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

import textual
from rich.style import Style
from tree_sitter import Language, Parser, Query, QueryCursor

from app.languages import grammar

Span = tuple[int, int, str]
"""(start column, end column, capture name) within one line; columns count characters."""


@cache
def _grammar(name: str) -> tuple[Language, Query] | None:
    language = grammar(name)
    if language is None:
        return None
    scm = Path(textual.__file__).parent / "tree-sitter" / "highlights" / f"{name}.scm"
    return language, Query(language, scm.read_text(encoding="utf-8"))


class LineHighlighter:
    """Capture spans for the lines of one text in one language, computed as lines are drawn."""

    def __init__(self, text: str, language: str) -> None:
        found = _grammar(language)
        assert found is not None, language
        self._language, self._query = found
        self._lines = text.split("\n")
        self._tree = Parser(self._language).parse(text.encode("utf-8"))
        self._spans: dict[int, list[Span]] = {}
        """0-based line -> its spans, for the lines highlighted so far."""

    def prepare(self, lines: Iterable[int]) -> None:
        """Highlight these 0-based lines (those not done yet), a query per run of consecutive lines."""
        todo = sorted({line for line in lines if line not in self._spans})
        start = 0
        for index in range(1, len(todo) + 1):
            if index == len(todo) or todo[index] != todo[index - 1] + 1:
                self._highlight(todo[start], todo[index - 1] + 1)
                start = index

    def spans(self, line: int) -> list[Span]:
        """Capture spans of 0-based `line` (highlighted now if `prepare` did not include it)."""
        if line not in self._spans:
            self._highlight(line, line + 1)
        return self._spans[line]

    def _highlight(self, first: int, end: int) -> None:
        spans: list[list[Span]] = [[] for _ in range(end - first)]
        cursor = QueryCursor(self._query)
        cursor.set_point_range((first, 0), (end, 0))
        for name, nodes in cursor.captures(self._tree.root_node).items():
            for node in nodes:
                (row0, col0), (row1, col1) = node.start_point, node.end_point
                for row in range(max(row0, first), min(row1, end - 1) + 1):
                    start = col0 if row == row0 else 0
                    stop = col1 if row == row1 else None
                    spans[row - first].append((*self._columns(row, start, stop), name))
        self._spans.update(zip(range(first, end), spans))

    def _columns(self, row: int, start: int, stop: int | None) -> tuple[int, int]:
        """Byte columns of a line -> character columns."""
        text = self._lines[row] if row < len(self._lines) else ""
        if text.isascii():
            return start, len(text) if stop is None else stop
        data = text.encode("utf-8")
        char = lambda byte: len(data[:byte].decode("utf-8", errors="ignore"))  # noqa: E731
        return char(start), len(text) if stop is None else char(stop)


@cache
def theme_styles(theme_name: str) -> dict[str, Style]:
    """Foreground styles per capture name from one of TextArea's built-in themes."""
    from textual.widgets.text_area import TextAreaTheme

    theme = TextAreaTheme.get_builtin_theme(theme_name)
    assert theme is not None, theme_name
    return {
        name: Style(color=style.color, bold=style.bold, italic=style.italic, underline=style.underline)
        for name, style in theme.syntax_styles.items()
    }


@cache
def capture_style(theme_name: str, name: str) -> Style | None:
    """The style of a capture name in one of TextArea's built-in themes."""
    return style_for(theme_styles(theme_name), name)


def style_for(styles: dict[str, Style], name: str) -> Style | None:
    """The style of a capture name, falling back to its prefix (`string.special` -> `string`)."""
    while name:
        if name in styles:
            return styles[name]
        name = name.rpartition(".")[0]
    return None

"""replace_lines: each tolerance rule, each refusal, and byte-exact splicing."""

from __future__ import annotations

import pytest

from app.edits.locate import Ambiguous, NotFound, closest_lines, is_elision, replace_lines

FILE = """\
import os


class Thing:
    def first(self):
        x = 1
        return x

    def second(self):
        y = 2
        return y
"""


def apply(file: str, search: str, replace: str, hint: int | None = None) -> str:
    lines = file.splitlines(keepends=True)
    start, end, new = replace_lines(lines, search.split("\n"), replace.split("\n") if replace else [], hint)
    out = [line if line.endswith("\n") else line + "\n" for line in new]
    return "".join(lines[:start] + out + lines[end:])


def test_exact() -> None:
    result = apply(FILE, "        x = 1\n        return x", "        x = 10\n        return x")
    assert result == FILE.replace("x = 1\n", "x = 10\n")


def test_trailing_whitespace_in_search_is_ignored() -> None:
    result = apply(FILE, "        x = 1   \n        return x\t", "        x = 10\n        return x")
    assert result == FILE.replace("x = 1\n", "x = 10\n")


def test_trailing_whitespace_in_file_is_kept_on_unchanged_lines() -> None:
    file = FILE.replace("return x\n", "return x   \n")
    result = apply(file, "        x = 1\n        return x", "        x = 10\n        return x")
    assert result == file.replace("x = 1\n", "x = 10\n")


def test_blank_line_differences_are_ignored_and_file_blank_lines_kept() -> None:
    search = "        return x\n    def second(self):"  # the model dropped the blank line between
    result = apply(FILE, search, "        return x\n    def second(self, z):")
    assert result == FILE.replace("second(self)", "second(self, z)")
    extra = "    def first(self):\n\n        x = 1"  # the model added a blank line
    assert apply(FILE, extra, "    def first(self):\n\n        x = 11") == FILE.replace("x = 1\n", "x = 11\n")


def test_dropped_indentation_is_shifted_back() -> None:
    search = "def second(self):\n    y = 2\n    return y"
    replace = "def second(self):\n    y = 2\n    if y:\n        y += 1\n    return y"
    result = apply(FILE, search, replace)
    assert result == FILE.replace("        y = 2\n", "        y = 2\n        if y:\n            y += 1\n")


def test_extra_indentation_is_removed() -> None:
    file = "def f():\n    return 1\n"
    assert apply(file, "    def f():\n        return 1", "    def f():\n        return 2") == "def f():\n    return 2\n"


def test_replacement_indented_less_than_shift_is_refused() -> None:
    file = "def f():\n    return 1\n"
    with pytest.raises(NotFound, match="re-indented"):
        apply(file, "    def f():\n        return 1", "def g():\n    return 2")


def test_tabs_shift() -> None:
    file = "if x:\n\tif y:\n\t\tz()\n"
    assert apply(file, "if y:\n\tz()", "if y:\n\tw()") == "if x:\n\tif y:\n\t\tw()\n"


@pytest.mark.parametrize("marker", ["...", "# ...", "# ... existing code ...", "    # rest of the method unchanged"])
def test_elision(marker: str) -> None:
    search = f"    def first(self):\n{marker}\n        return x"
    replace = f"    def first(self):\n{marker}\n        return x + 1"
    assert apply(FILE, search, replace) == FILE.replace("return x\n", "return x + 1\n")


def test_literal_ellipsis_is_matched_literally_first() -> None:
    file = "class P(Protocol):\n    def f(self) -> int:\n        ...\n"
    assert apply(file, "    def f(self) -> int:\n        ...", "    def f(self) -> str:\n        ...") == file.replace(
        "int", "str"
    )


def test_elision_counts_must_agree() -> None:
    with pytest.raises(NotFound, match="same '...' lines"):
        apply(FILE, "    def first(self):\n...\n        return x", "    def first(self):\n        return 0")


def test_elision_that_matches_two_ways_is_refused() -> None:
    file = "a\nb\nc\na\nb\nc\n"
    with pytest.raises(Ambiguous):
        apply(file, "a\n...\nc", "A\n...\nc")


def test_exact_duplicate_is_refused() -> None:
    file = "x = 1\ny = 2\nx = 1\n"
    with pytest.raises(Ambiguous, match="matches 2 places .*lines 1, 3"):
        apply(file, "x = 1", "x = 3")


@pytest.mark.parametrize("file", ["a = 1  \nb\n\na = 1\t\nb\n", "a = 1  \n\nb\n\na = 1\t\n\nb\n"])
def test_loose_duplicate_is_refused(file: str) -> None:
    with pytest.raises(Ambiguous, match="matches 2 places"):
        apply(file, "a = 1\nb", "a = 2\nb")


def test_place_with_the_models_blank_lines_wins_over_one_that_ignores_them() -> None:
    file = "a = 1  \nb\n\na = 1\t\n\nb\n"  # the first place matches with blank lines ignored too
    assert apply(file, "a = 1\nb", "a = 2\nb") == "a = 2\nb\n\na = 1\t\n\nb\n"
    assert apply(file, "a = 1\n\nb", "a = 2\n\nb") == "a = 1  \nb\n\na = 2\n\nb\n"
    shifted = "if x:\n    y()\n\n    z()\nif w:\n    y()\n    z()\n"
    assert apply(shifted, "y()\n\nz()  ", "y(1)\n\nz()") == shifted.replace("y()\n\n", "y(1)\n\n")


def test_shift_duplicate_is_refused() -> None:
    file = "if a:\n    go()\nif b:\n    if c:\n        go()\n"
    with pytest.raises(Ambiguous):
        apply(file, "go()", "stop()")


def test_hint_settles_an_exact_tie() -> None:
    file = "x = 1\ny = 2\nx = 1\n"
    assert apply(file, "x = 1", "x = 3", hint=2) == "x = 1\ny = 2\nx = 3\n"
    with pytest.raises(Ambiguous):
        apply(file, "x = 1", "x = 3", hint=1)  # a wrong hint settles nothing


def test_not_found_names_the_closest_lines() -> None:
    with pytest.raises(NotFound) as error:
        apply(FILE, "        y = 3\n        return y", "        y = 4\n        return y")
    assert "closest lines are 10-11" in str(error.value)
    assert "        y = 2\n        return y" in str(error.value)


def test_approximate_match_is_refused() -> None:
    with pytest.raises(NotFound):
        apply(FILE, "    def first(self):\n        x = 1\n        return  x", "    def first(self):\n        return 0")


def test_crlf_file_keeps_crlf_on_copied_lines() -> None:
    lines = ["a\r\n", "b\r\n", "c\r\n"]
    start, end, new = replace_lines(lines, ["a", "b", "c"], ["a", "B", "c"])
    assert (start, end, new) == (0, 3, ["a\r\n", "B", "c\r\n"])


def test_closest_lines_none_when_nothing_similar() -> None:
    assert closest_lines(["alpha", "beta"], ["zzzzzzzzzz qqqq"]) is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [("...", True), ("  # ...", True), ("// ... existing code ...", True), ("<!-- ... -->", True),
     ("# rest of the file unchanged", True), ("x = ...", False), ("# a comment", False), ("print('...')", False),
     ("# ... other methods ...", True), ("// ...snip...", True), ("# ... (omitted for brevity)", True),
     ("# (...)", True), ("# ...internals...", False), ("# ...socket API...", False),
     ("# ...calls from Transport", False), ("# wait for it...", False)],
)
def test_is_elision(line: str, expected: bool) -> None:
    assert is_elision(line) is expected


def test_insertion_where_the_file_has_blank_lines_the_model_left_out_is_refused() -> None:
    file = "a = 1\n\nb = 2\n"
    with pytest.raises(Ambiguous, match="different number of blank lines"):
        apply(file, "a = 1\nb = 2", "a = 1\nx = 0\nb = 2")  # before or after the blank line?


def test_replacement_next_to_blank_lines_the_model_left_out_keeps_them() -> None:
    file = "a = 1\n\nb = 2\n\n\nc = 3\n"
    assert apply(file, "a = 1\nb = 2\nc = 3", "a = 1\nb = 20\nc = 3") == file.replace("b = 2", "b = 20")


def test_leading_and_trailing_blank_lines_pair_with_the_file() -> None:
    file = "x\n\ndef f():\n    pass\n\ny\n"
    result = apply(file, "\t\ndef f():\n    pass\n  ", "\ndef f():\n    return 1\n")
    assert result == "x\n\ndef f():\n    return 1\n\ny\n"


def test_elision_stays_inside_its_block() -> None:
    file = "def a():\n    x = 1\n    y = 2\n    return x\n\ndef b():\n    w = 1\n    return x\n"
    result = apply(file, "    x = 1\n    # ...\n    return x", "    x = 1\n    # ...\n    return x + 1")
    assert result == file.replace("return x\n", "return x + 1\n", 1)


IMPORTS = "from m import (\n    a,\n    b,\n    c,\n)\n\nprint(\n    d,\n)\n"


def test_elision_whose_unchanged_piece_fits_several_places_is_placed() -> None:
    # `)` closes the import and the call alike; the change lands in the same place either way
    result = apply(IMPORTS, "    a,\n    b,\n    # ...\n)", "    a,\n    a2,\n    b,\n    # ...\n)")
    assert result == IMPORTS.replace("a,\n", "a,\n    a2,\n")


def test_elision_whose_changed_piece_fits_several_places_is_refused() -> None:
    with pytest.raises(Ambiguous, match="more than one place"):
        apply(IMPORTS, "    a,\n    # ...\n)", "    a,\n    # ...\n)  # end")


TWO_FUNCTIONS = "def a():\n    x = 1\n    return x\n\ndef b():\n    y = 2\n    return y\n"


def test_unchanged_lines_after_the_last_elision_may_lie_past_its_block() -> None:
    search, replace = "    x = 1\n    # ...\n    y = 2", "    x = 10\n    # ...\n    y = 2"
    assert apply(TWO_FUNCTIONS, search, replace) == TWO_FUNCTIONS.replace("x = 1", "x = 10")


@pytest.mark.parametrize(
    ("file", "search", "replace"),
    [
        # the changed piece comes after the '...' that leaves the block
        (TWO_FUNCTIONS, "    x = 1\n    # ...\n    y = 2", "    x = 1\n    # ...\n    y = 20"),
        # the lines after the '...' are nowhere after the change
        (TWO_FUNCTIONS, "    y = 2\n    # ...\n    x = 1", "    y = 20\n    # ...\n    x = 1"),
    ],
)
def test_elision_that_leaves_its_block_before_a_change_or_finds_nothing_is_refused(
    file: str, search: str, replace: str
) -> None:
    with pytest.raises(NotFound):
        apply(file, search, replace)


def test_lines_past_the_block_do_not_choose_between_places() -> None:
    file = TWO_FUNCTIONS + "\ndef c():\n    x = 1\n"  # x = 1 twice; only a's is followed by y = 2
    with pytest.raises(Ambiguous):
        apply(file, "    x = 1\n    # ...\n    y = 2", "    x = 10\n    # ...\n    y = 2")


def test_comment_line_of_the_file_is_not_an_elision() -> None:
    file = "def f():\n    # rest of the values are defaults\n    a = 1\n    b = 2\n    c = 3\n"
    search = "    # rest of the values are defaults\n    a = 1\n    # ...\n    c = 3"
    result = apply(file, search, search.replace("a = 1", "a = 10"))
    assert result == file.replace("a = 1", "a = 10")


@pytest.mark.parametrize(
    ("file", "search", "replace"),
    [
        ("a\n\na\n", "a\na", "a"),  # which 'a' goes decides where the blank line ends up
        ("a\n\na\nb\n", "a\na\nb", "a\na\na\nb"),  # one more 'a': before or after the blank line?
    ],
)
def test_change_that_could_slide_across_left_out_blank_lines_is_refused(file: str, search: str, replace: str) -> None:
    with pytest.raises(Ambiguous, match="different number of blank lines"):
        apply(file, search, replace)


# -- whitespace-only changes: the tolerance finds the text, it never keeps what the model replaced --

SPACED = "def f():\n    x = 1\n    \n    return x\n /* a\n * \n */\n"


def test_an_exact_match_writes_a_whitespace_only_change() -> None:
    result = apply(SPACED, "    x = 1\n    \n    return x", "    x = 1\n\n    return x")
    assert result == SPACED.replace("    \n    return", "\n    return")
    assert apply(SPACED, " /* a\n * \n */", " /* a\n *       \n */") == SPACED.replace(" * \n", " *       \n")


def test_an_exact_match_writes_a_change_of_tabs_to_spaces_and_of_trailing_whitespace() -> None:
    tabbed = "if x:\n\ty = 1\nz = 2   \n"
    assert apply(tabbed, "if x:\n\ty = 1", "if x:\n    y = 1") == "if x:\n    y = 1\nz = 2   \n"
    assert apply(tabbed, "\ty = 1\nz = 2   ", "\ty = 1\nz = 2") == "if x:\n\ty = 1\nz = 2\n"


def test_a_loose_match_keeps_the_files_whitespace_where_search_and_replace_agree() -> None:
    # The file has trailing spaces the model did not copy; it left that line unchanged.
    spaced = "a = 1   \nb = 2\n"
    assert apply(spaced, "a = 1\nb = 2", "a = 1\nb = 20") == "a = 1   \nb = 20\n"
    # The model's SEARCH has trailing noise the file lacks, repeated in REPLACE: not a change.
    assert apply("a = 1\nb = 2\n", "a = 1\t\nb = 2", "a = 1\t\nb = 20") == "a = 1\nb = 20\n"


def test_a_loose_match_writes_whitespace_the_model_changed_between_search_and_replace() -> None:
    # Found only with trailing whitespace ignored; REPLACE differs from SEARCH in whitespace alone.
    spaced = "a = 1   \nb = 2\n"
    assert apply(spaced, "a = 1 \nb = 2", "a = 1\nb = 2") == "a = 1\nb = 2\n"
    # Found only with its indentation shifted: the changed indentation is shifted to the file's.
    nested = "class A:\n    def f(self):\n        return 1\n"
    assert apply(nested, "def f(self):\n    return 1", "def f(self):\n  return 1") == (
        "class A:\n    def f(self):\n      return 1\n"
    )


def test_a_whitespace_only_change_among_blank_lines_the_model_left_out_is_refused() -> None:
    # SEARCH found only with blank lines ignored, and the change is to a blank line: where it
    # goes among the file's blank lines is unknown, so nothing is guessed.
    with pytest.raises(Ambiguous):
        apply("a\n\n\n\nb\n", "a\n  \nb", "a\n\nb")

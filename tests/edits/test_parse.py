"""parse_edits: each format, the path conventions models use, and malformed blocks."""

from __future__ import annotations

import pytest

from app.edits.parse import DiffHunk, FilePatch, Malformed, SearchReplace, WholeFile, parse_edits

SR = "<<<<<<< SEARCH\nold line\n=======\nnew line\n>>>>>>> REPLACE"


@pytest.mark.parametrize(
    "before",
    ["app/x.py", "`app/x.py`", "**app/x.py**", "### app/x.py", "app/x.py:", "File: app/x.py", "**File:** `app/x.py`"],
)
def test_search_replace_path_before_fence(before: str) -> None:
    edits = parse_edits(f"Some prose.\n\n{before}\n```python\n{SR}\n```\n")
    assert edits == [SearchReplace(1, "app/x.py", "old line\n", "new line\n")]


def test_search_replace_path_in_fence_info_and_inside_fence() -> None:
    assert parse_edits(f"```python app/x.py\n{SR}\n```")[0].path == "app/x.py"
    assert parse_edits(f"```\napp/y.py\n{SR}\n```")[0].path == "app/y.py"
    assert parse_edits(f"app/z.py\n{SR}\n")[0].path == "app/z.py"  # no fence at all


def test_blocks_without_a_path_use_the_previous_one() -> None:
    text = f"a.py\n```\n{SR}\n{SR}\n```\nb.py\n```\n{SR}\n```\n```\n{SR}\n```"
    assert [e.path for e in parse_edits(text)] == ["a.py", "a.py", "b.py", "b.py"]
    assert [e.number for e in parse_edits(text)] == [1, 2, 3, 4]


def test_marker_lengths_and_multiline_texts() -> None:
    text = "a.py\n<<<<<<<<< SEARCH\n  one\n\n  two\n=====\n  three\n>>>>> REPLACE\n"
    assert parse_edits(text) == [SearchReplace(1, "a.py", "  one\n\n  two\n", "  three\n")]


def test_empty_replace_and_empty_search() -> None:
    text = "a.py\n<<<<<<< SEARCH\nx\n=======\n>>>>>>> REPLACE\nb.py\n<<<<<<< SEARCH\n=======\nnew\n>>>>>>> REPLACE"
    assert parse_edits(text) == [SearchReplace(1, "a.py", "x\n", ""), SearchReplace(2, "b.py", "", "new\n")]


def test_search_without_path_is_malformed() -> None:
    [edit] = parse_edits(f"Here is the fix:\n```\n{SR}\n```")
    assert isinstance(edit, Malformed) and "no file path" in edit.message


@pytest.mark.parametrize(
    "body", ["<<<<<<< SEARCH\nx\n", "<<<<<<< SEARCH\nx\n=======\ny\n", "<<<<<<< SEARCH\nx\n<<<<<<< SEARCH\ny\n=======\n"]
)
def test_unterminated_search_is_malformed(body: str) -> None:
    edits = parse_edits(f"a.py\n{body}")
    assert isinstance(edits[0], Malformed) and "divider" in edits[0].message


GIT_DIFF = """\
diff --git a/app/x.py b/app/x.py
index 83db48f..bf269f4 100644
--- a/app/x.py
+++ b/app/x.py
@@ -10,4 +10,4 @@ def f():
 a
-b
+B
 c
@@ -30,3 +30,4 @@
 x
+y
 z
\\ No newline at end of file
diff --git a/new.txt b/new.txt
new file mode 100644
--- /dev/null
+++ b/new.txt
@@ -0,0 +1,2 @@
+hello
+world
diff --git a/old.txt b/old.txt
deleted file mode 100644
--- a/old.txt
+++ /dev/null
@@ -1 +0,0 @@
-bye
diff --git a/from.py b/to.py
similarity index 100%
rename from from.py
rename to to.py
"""


def test_git_diff_with_new_deleted_and_renamed_files() -> None:
    edits = parse_edits(GIT_DIFF)
    assert edits == [
        FilePatch(
            1,
            "app/x.py",
            "app/x.py",
            (
                DiffHunk(((" ", "a"), ("-", "b"), ("+", "B"), (" ", "c")), 10),
                DiffHunk(((" ", "x"), ("+", "y"), (" ", "z")), 30, new_missing_newline=True, old_missing_newline=True),
            ),
        ),
        FilePatch(2, None, "new.txt", (DiffHunk((("+", "hello"), ("+", "world")), 0),)),
        FilePatch(3, "old.txt", None, (DiffHunk((("-", "bye"),), 1),)),
        FilePatch(4, "from.py", "to.py", ()),
    ]


def test_sloppy_diff_in_fence() -> None:
    text = """Change it like this:

```diff
--- x.py
+++ x.py
@@ ... @@
 def f():
-    return 1
+    return 2

 def g():
@@ @@
def h():
-    pass
+    return 3
```
Done."""
    [edit] = parse_edits(text)
    assert isinstance(edit, FilePatch) and edit.old_path == edit.new_path == "x.py"
    assert edit.hunks == (
        DiffHunk(((" ", "def f():"), ("-", "    return 1"), ("+", "    return 2"), (" ", ""), (" ", "def g():")), None),
        DiffHunk(((" ", "def h():"), ("-", "    pass"), ("+", "    return 3")), None),
    )


def test_diff_without_hunk_header() -> None:
    [edit] = parse_edits("--- a/x.py\n+++ b/x.py\n a\n-b\n+c\n")
    assert edit == FilePatch(1, "x.py", "x.py", (DiffHunk(((" ", "a"), ("-", "b"), ("+", "c")), None),))


def test_bare_hunks_in_diff_fence_take_path_before_fence() -> None:
    [edit] = parse_edits("`src/x.py`\n```diff\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n```")
    assert edit == FilePatch(1, "src/x.py", "src/x.py", (DiffHunk(((" ", "a"), ("-", "b"), ("+", "c")), 1),))


def test_diff_header_timestamps_are_dropped() -> None:
    [edit] = parse_edits("--- x.py\t2024-01-01 10:00:00\n+++ x.py\t2024-01-02 10:00:00\n@@ -1 +1 @@\n-a\n+b\n")
    assert isinstance(edit, FilePatch) and edit.old_path == "x.py"


def test_whole_file_blocks() -> None:
    text = "pkg/new_module.py\n```python\nimport os\n\nprint(os.sep)\n```\n\n```toml pyproject.toml\n[x]\n```\n"
    assert parse_edits(text) == [
        WholeFile(1, "pkg/new_module.py", "import os\n\nprint(os.sep)\n"),
        WholeFile(2, "pyproject.toml", "[x]\n"),
    ]


@pytest.mark.parametrize(
    "before",
    ["Run this:", "Here is how you would change `x.py`:", "", "e.g.", "The function:", "Makefile is not a block"],
)
def test_code_blocks_without_a_clear_path_are_not_edits(before: str) -> None:
    assert parse_edits(f"{before}\n```bash\npip install x\n```\n") == []


def test_bare_name_files() -> None:
    assert parse_edits("Makefile\n```\nall:\n\techo hi\n```") == [WholeFile(1, "Makefile", "all:\n\techo hi\n")]


def test_mixed_response_keeps_order_and_crlf_input() -> None:
    text = f"a.py\n```\n{SR}\n```\n\n```diff\n--- a/b.py\n+++ b/b.py\n@@ -1 +1 @@\n-x\n+y\n```\n\nc.txt\n```\nc\n```\n"
    edits = parse_edits(text.replace("\n", "\r\n"))
    assert [type(e) for e in edits] == [SearchReplace, FilePatch, WholeFile]
    assert [e.number for e in edits] == [1, 2, 3]
    assert edits[0] == SearchReplace(1, "a.py", "old line\n", "new line\n")


def test_binary_patch_is_malformed() -> None:
    [edit] = parse_edits("diff --git a/i.png b/i.png\nBinary files a/i.png and b/i.png differ\n")
    assert isinstance(edit, Malformed) and "binary" in edit.message


def test_prose_only() -> None:
    assert parse_edits("I think the bug is in foo.py, line 3.\n\n- bullet\n+ plus") == []


ENVELOPE = """Here you go:

```
*** Begin Patch
*** Update File: app/mod.py
@@ def g():
-    return 2
+    return 3
*** Add File: docs/notes.md
+# Notes
+
+hello
*** Delete File: app/util.py
*** Update File: tests/util.py
*** Move to: tests/helpers.py
@@
-Y = 1
+Y = 2
*** End of File
*** End Patch
```
"""


def test_patch_envelope() -> None:
    assert parse_edits(ENVELOPE) == [
        FilePatch(1, "app/mod.py", "app/mod.py", (DiffHunk((("-", "    return 2"), ("+", "    return 3")), None, anchor="def g():"),)),
        FilePatch(2, None, "docs/notes.md", (DiffHunk((("+", "# Notes"), ("+", ""), ("+", "hello")), None),)),
        FilePatch(3, "app/util.py", None, ()),
        FilePatch(4, "tests/util.py", "tests/helpers.py", (DiffHunk((("-", "Y = 1"), ("+", "Y = 2")), None),)),
    ]


def test_patch_envelope_update_without_changes_is_malformed() -> None:
    [edit] = parse_edits("*** Begin Patch\n*** Update File: a.py\n*** End Patch\n")
    assert isinstance(edit, Malformed)


@pytest.mark.parametrize(
    ("first", "path"),
    [("# app/x.py", "app/x.py"), ("// File: src/x.ts", "src/x.ts"), ("<!-- web/index.html -->", "web/index.html"),
     ("/* style.css */", "style.css")],
)
def test_whole_file_path_in_a_first_line_comment(first: str, path: str) -> None:
    [edit] = parse_edits(f"```\n{first}\nbody\n```\n")
    assert edit == WholeFile(1, path, f"{first}\nbody\n", label=first)


def test_ordinary_first_line_comment_is_not_a_path() -> None:
    for comment in ("# compute the total", "# v1.2", "# e.g. this", "# see x.py"):
        assert parse_edits(f"```python\n{comment}\nx = 1\n```\n") == []


def test_original_updated_markers() -> None:
    text = "a.py\n```\n<<<<<<< ORIGINAL\nx\n=======\ny\n>>>>>>> UPDATED\n```\n"
    assert parse_edits(text) == [SearchReplace(1, "a.py", "x\n", "y\n")]


def test_git_conflict_markers_in_a_file_block_are_not_edits() -> None:
    text = "notes.txt\n```\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> branch\n```\n"
    assert parse_edits(text) == [WholeFile(1, "notes.txt", "<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> branch\n")]


@pytest.mark.parametrize(
    ("line", "path"),
    [
        ("_compat.py", "_compat.py"),
        ("__init__.py", "__init__.py"),
        ("**__init__.py**", "__init__.py"),
        ("*_x.py*:", "_x.py"),
        ("`pkg/_impl.py`:", "pkg/_impl.py"),
        ('"a b/c.py"', None),
        ("'src/app.py'", "src/app.py"),
        ("### **File:** `src/app.py`", "src/app.py"),
        ("_a.py_", "a.py"),
    ],
)
def test_path_decorations_are_taken_off_but_not_underscores_of_the_name(line: str, path: str | None) -> None:
    edits = parse_edits(f"{line}\n```\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```\n")
    assert edits[0].path == path


def test_a_name_without_extension_needs_a_file_to_name() -> None:
    text = "configure\n```\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```\n"
    [edit] = parse_edits(text)
    assert isinstance(edit, Malformed) and "'configure' on the line before it" in edit.message
    assert parse_edits(text, known=lambda path: path == "configure") == [SearchReplace(1, "configure", "a\n", "b\n")]
    assert parse_edits("configure\n```\n./configure --prefix=/usr\n```\n") == []


@pytest.mark.parametrize("label", ["**/add test_calc.py**", "### Updated calc.py", "`/add calc.py`", "calc.py (updated)"])
def test_a_label_that_names_a_file_but_is_no_path_is_refused_not_skipped(label: str) -> None:
    [edit] = parse_edits(f"{label}\n```python\ndef f():\n    return 1\n```\n")
    assert isinstance(edit, Malformed) and edit.path.endswith("calc.py")
    assert repr(label) in edit.message and "alone on the line" in edit.message


@pytest.mark.parametrize(
    "before",
    [
        "Run the tests with calc.py:\n```bash\npython calc.py\n```",  # a command, not a file's content
        "**Run calc.py**\n```console\n$ python calc.py\n```",
        "Here is how calc.py works, step by step:\n```python\nx = 1\n```",  # a sentence
        "**Example usage**\n```python\nx = 1\n```",  # no file named
    ],
)
def test_prose_and_commands_before_a_block_stay_explanations(before: str) -> None:
    assert parse_edits(before) == []


def test_a_new_files_name_alone_in_its_own_fence_before_the_block() -> None:
    text = "```\ntest_calc.py\n```\n```python\ndef test_add():\n    assert 1\n```\n"
    assert parse_edits(text) == [WholeFile(1, "test_calc.py", "def test_add():\n    assert 1\n")]
    # a line of code alone in a fence is no path: `os.path` has no source extension
    assert parse_edits("```\nos.path\n```\n```python\nx = 1\n```\n") == []


def test_a_whole_file_block_the_answer_never_closes_is_refused() -> None:
    """An answer cut off inside a whole file would write the file cut short."""
    [edit] = parse_edits("calc.py\n```python\ndef add(a, b):\n    return a +")
    assert isinstance(edit, Malformed) and edit.path == "calc.py" and "never closed" in edit.message
    [edit] = parse_edits("```\ncalc.py\n```\n```")  # the path in its own fence, then nothing
    assert isinstance(edit, Malformed) and edit.path == "calc.py" and "nothing of the file came" in edit.message
    # the twin: closed, it is the file; and SEARCH/REPLACE needs no closing fence
    assert parse_edits("calc.py\n```python\nX = 1\n```") == [WholeFile(1, "calc.py", "X = 1\n")]
    assert parse_edits(f"calc.py\n```\n{SR}")[0] == SearchReplace(1, "calc.py", "old line\n", "new line\n")

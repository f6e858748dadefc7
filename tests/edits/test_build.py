"""build_changeset: paths, encodings, line endings, each edit kind and each refusal message."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from app.edits.build import place_edits

MODULE = "import os\n\n\ndef f():\n    return 1\n\n\ndef g():\n    return 2\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "app" / "core").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "app" / "core" / "mod.py").write_text(MODULE)
    (root / "app" / "util.py").write_text("X = 1\n")
    (root / "tests" / "util.py").write_text("Y = 1\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


def sr(path: str, search: str, replace: str) -> str:
    return f"{path}\n```python\n<<<<<<< SEARCH\n{search}\n=======\n{replace}\n>>>>>>> REPLACE\n```\n"


def build(root: Path, text: str):
    _, changes, problems = place_edits(root, text)
    return changes, problems


def test_search_replace(repo: Path) -> None:
    changes, problems = build(repo, sr("app/core/mod.py", "def f():\n    return 1", "def f():\n    return 10"))
    assert problems == []
    [change] = changes.files
    assert change.path == "app/core/mod.py"
    assert change.old_text == MODULE and change.new_text == MODULE.replace("return 1\n", "return 10\n")


@pytest.mark.parametrize("given", ["mod.py", "core/mod.py", "./app/core/mod.py"])
def test_basename_or_suffix_path(repo: Path, given: str) -> None:
    changes, problems = build(repo, sr(given, "    return 2", "    return 20"))
    assert problems == [] and changes.files[0].path == "app/core/mod.py"


def test_ambiguous_basename_is_refused(repo: Path) -> None:
    changes, [problem] = build(repo, sr("util.py", "X = 1", "X = 2"))
    assert changes.files == []
    assert "could be any of app/util.py, tests/util.py" in problem.message
    assert problem.message.startswith("Edit 1 (SEARCH/REPLACE block for util.py):")


def test_unknown_file_is_refused(repo: Path) -> None:
    _, [problem] = build(repo, sr("nope.py", "a", "b"))
    assert "there is no file nope.py" in problem.message


@pytest.mark.parametrize("path", ["/etc/passwd", "../x.py", ".git/config"])
def test_unsafe_paths_are_problems(repo: Path, path: str) -> None:
    changes, [problem] = build(repo, sr(path, "", "x"))
    assert changes.files == [] and problem.number == 1


def test_binary_file_is_refused(repo: Path) -> None:
    (repo / "data.bin").write_bytes(b"\x00\x01abc")
    _, [problem] = build(repo, sr("data.bin", "abc", "abd"))
    assert "binary" in problem.message


def test_latin1_file_is_refused(repo: Path) -> None:
    (repo / "l1.txt").write_bytes("caf\xe9\n".encode("latin-1"))
    _, [problem] = build(repo, sr("l1.txt", "caf", "cafe"))
    assert "not UTF-8" in problem.message


def test_crlf_file_stays_crlf(repo: Path) -> None:
    (repo / "w.py").write_bytes(MODULE.replace("\n", "\r\n").encode())
    changes, problems = build(repo, sr("w.py", "def g():\n    return 2", "def g():\n    x = 2\n    return x"))
    assert problems == []
    assert changes.files[0].new_text == MODULE.replace("    return 2\n", "    x = 2\n    return x\n").replace("\n", "\r\n")


def test_bom_is_not_part_of_the_text(repo: Path) -> None:
    (repo / "b.txt").write_bytes(b"\xef\xbb\xbfhello\nworld\n")
    changes, problems = build(repo, sr("b.txt", "hello", "hi"))
    assert problems == [] and changes.files[0].old_text == "hello\nworld\n"
    assert changes.files[0].new_text == "hi\nworld\n"


def test_missing_final_newline_is_kept(repo: Path) -> None:
    (repo / "n.txt").write_text("a\nb")
    changes, _ = build(repo, sr("n.txt", "b", "B\nC"))
    assert changes.files[0].new_text == "a\nB\nC"
    changes, _ = build(repo, sr("n.txt", "a", "A"))
    assert changes.files[0].new_text == "A\nb"


def test_new_file_from_empty_search(repo: Path) -> None:
    changes, problems = build(repo, sr("pkg/new.py", "", "print('hi')"))
    assert problems == []
    assert changes.files[0].is_new and changes.files[0].new_text == "print('hi')\n"


def test_empty_search_on_existing_file_is_refused(repo: Path) -> None:
    _, [problem] = build(repo, sr("app/util.py", "", "Z = 1"))
    assert "SEARCH is empty" in problem.message


def test_edits_apply_in_order_to_the_same_file(repo: Path) -> None:
    text = sr("mod.py", "    return 1", "    return 11") + sr("mod.py", "    return 11", "    return 111")
    changes, problems = build(repo, text)
    assert problems == [] and len(changes.files) == 1
    assert changes.files[0].new_text == MODULE.replace("return 1\n", "return 111\n")


def test_one_bad_edit_is_reported_and_others_kept(repo: Path) -> None:
    text = sr("mod.py", "    return 1", "    return 11") + sr("mod.py", "    return 99", "    return 0")
    changes, [problem] = build(repo, text)
    assert problem.number == 2 and "The closest line is " in problem.message
    assert problem.summary.startswith(
        "Edit 2 (SEARCH/REPLACE block for mod.py): in app/core/mod.py, the text was not found in the file."
    )
    assert "\n" not in problem.summary
    assert len(changes.files) == 1


def test_already_applied_edit_is_explained(repo: Path) -> None:
    _, [problem] = build(repo, sr("mod.py", "    return 0", "    return 1"))
    assert "already" in problem.message


def test_ambiguous_search(repo: Path) -> None:
    (repo / "d.py").write_text("a = 1\nb = 2\na = 1\n")
    _, [problem] = build(repo, sr("d.py", "a = 1", "a = 3"))
    assert "matches 2 places (starting at lines 1, 3)" in problem.message


def test_malformed_block_is_a_problem(repo: Path) -> None:
    _, [problem] = build(repo, "mod.py\n<<<<<<< SEARCH\nx\n")
    assert problem.message.startswith("Edit 1 (edit for mod.py): a SEARCH block without")


def test_whole_file_replaces_and_creates(repo: Path) -> None:
    text = "app/util.py\n```python\nX = 2\n```\n\ndocs/new.md\n```markdown\n# Title\n```\n"
    changes, problems = build(repo, text)
    assert problems == []
    assert [(c.path, c.old_text, c.new_text) for c in changes.files] == [
        ("app/util.py", "X = 1\n", "X = 2\n"),
        ("docs/new.md", None, "# Title\n"),
    ]


def test_whole_file_by_basename(repo: Path) -> None:
    changes, problems = build(repo, "mod.py\n```python\n" + MODULE.replace("2", "3") + "```\n")
    assert problems == [] and changes.files[0].path == "app/core/mod.py"


def test_whole_file_fragment_is_refused(repo: Path) -> None:
    long = "".join(f"line{i} = {i}\n" for i in range(40))
    (repo / "long.py").write_text(long)
    _, [problem] = build(repo, "long.py\n```python\nline3 = 33\n```\n")
    assert "looks like a fragment" in problem.message
    assert (repo / "long.py").read_text() == long


@pytest.mark.parametrize("elision", ["# ... existing code ...", "# ...\n\n# ..."])
def test_whole_file_with_elisions(repo: Path, elision: str) -> None:
    text = f"mod.py\n```python\nimport os\n{elision}\ndef g():\n    return 22\n```\n"
    changes, problems = build(repo, text)
    assert problems == []
    assert changes.files[0].new_text == MODULE.replace("return 2\n", "return 22\n")


@pytest.mark.parametrize("comment", ["# ...socket API...", "# ...calls from Transport"])
def test_whole_file_adding_a_comment_with_dots_writes_it(repo: Path, comment: str) -> None:
    # only dots, no word that says "left out": a real comment, written as the model wrote it
    new = MODULE.replace("def g():\n", f"{comment}\ndef g():\n")
    changes, problems = build(repo, f"mod.py\n```python\n{new}```\n")
    assert problems == [] and changes.files[0].new_text == new


def test_whole_file_with_a_wordy_elision_fills_it(repo: Path) -> None:
    text = "mod.py\n```python\nimport os\n# ... other functions unchanged ...\ndef g():\n    return 22\n```\n"
    changes, problems = build(repo, text)
    assert problems == [] and changes.files[0].new_text == MODULE.replace("return 2\n", "return 22\n")


def test_whole_file_with_unplaceable_elision(repo: Path) -> None:
    _, [problem] = build(repo, "mod.py\n```python\nimport sys\n# ...\ndef g():\n    return 22\n```\n")
    assert "the line 'import sys' next to a '...' elision is not in the file" in problem.message


def test_diff_with_wrong_line_numbers(repo: Path) -> None:
    diff = "```diff\n--- a/app/core/mod.py\n+++ b/app/core/mod.py\n@@ -40,2 +40,2 @@\n def g():\n-    return 2\n+    return 3\n```"
    changes, problems = build(repo, diff)
    assert problems == [] and changes.files[0].new_text == MODULE.replace("return 2\n", "return 3\n")


def test_diff_hunk_header_settles_a_tie(repo: Path) -> None:
    (repo / "dup.py").write_text("x = 1\ny = 2\nx = 1\n")
    right = "--- a/dup.py\n+++ b/dup.py\n@@ -3 +3 @@\n-x = 1\n+x = 3\n"
    changes, problems = build(repo, right)
    assert problems == [] and changes.files[0].new_text == "x = 1\ny = 2\nx = 3\n"
    _, [problem] = build(repo, right.replace("@@ -3 +3 @@", "@@ -2 +2 @@"))
    assert "hunk 1 of 1" in problem.message and "matches 2 places" in problem.message


def test_diff_hunks_offsets_accumulate(repo: Path) -> None:
    (repo / "dup.py").write_text("x = 1\ny = 2\nx = 1\n")
    diff = "--- a/dup.py\n+++ b/dup.py\n@@ -1 +1,2 @@\n-x = 1\n+x = 0\n+x = 0.5\n@@ -3 +4 @@\n-x = 1\n+x = 3\n"
    changes, problems = build(repo, diff)
    assert problems == [] and changes.files[0].new_text == "x = 0\nx = 0.5\ny = 2\nx = 3\n"


def test_diff_hunk_without_context_is_refused(repo: Path) -> None:
    _, [problem] = build(repo, "--- a/app/util.py\n+++ b/app/util.py\n@@ -1,0 +2 @@\n+Z = 2\n")
    assert "no lines to locate it" in problem.message


def test_diff_new_deleted_and_renamed_files(repo: Path) -> None:
    diff = (
        "diff --git a/n.txt b/n.txt\nnew file mode 100644\n--- /dev/null\n+++ b/n.txt\n@@ -0,0 +1 @@\n+new\n"
        "\\ No newline at end of file\n"
        "diff --git a/app/util.py b/app/util.py\ndeleted file mode 100644\n--- a/app/util.py\n+++ /dev/null\n"
        "@@ -1 +0,0 @@\n-X = 1\n"
        "diff --git a/tests/util.py b/tests/helpers.py\nsimilarity index 50%\nrename from tests/util.py\n"
        "rename to tests/helpers.py\n--- a/tests/util.py\n+++ b/tests/helpers.py\n@@ -1 +1 @@\n-Y = 1\n+Y = 2\n"
    )
    changes, problems = build(repo, diff)
    assert problems == []
    new, deleted, renamed = changes.files
    assert (new.path, new.old_text, new.new_text) == ("n.txt", None, "new")
    assert (deleted.path, deleted.new_text) == ("app/util.py", None)
    assert (renamed.path, renamed.old_path, renamed.new_text) == ("tests/helpers.py", "tests/util.py", "Y = 2\n")


def test_rename_onto_existing_file_is_refused(repo: Path) -> None:
    diff = "diff --git a/tests/util.py b/app/util.py\nrename from tests/util.py\nrename to app/util.py\n"
    _, [problem] = build(repo, diff)
    assert "already exists" in problem.message


def test_new_file_diff_for_existing_file_is_refused(repo: Path) -> None:
    _, [problem] = build(repo, "--- /dev/null\n+++ b/app/util.py\n@@ -0,0 +1 @@\n+X = 5\n")
    assert "already exists" in problem.message


def test_edit_to_a_deleted_file_is_refused(repo: Path) -> None:
    diff = "--- a/app/util.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-X = 1\n"
    _, [problem] = build(repo, diff + "\n" + sr("app/util.py", "X = 1", "X = 2"))
    assert "earlier edit deletes it" in problem.message


def test_no_op_edit_gives_no_change(repo: Path) -> None:
    changes, problems = build(repo, sr("mod.py", "    return 1", "    return 1"))
    assert problems == [] and changes.files == []


def test_whole_file_elision_does_not_repeat_blank_lines(repo: Path) -> None:
    text = "mod.py\n```python\n# ... existing code ...\n\n\ndef g():\n    return 22\n```\n"
    changes, problems = build(repo, text)
    assert problems == []
    assert changes.files[0].new_text == MODULE.replace("return 2\n", "return 22\n")


def test_whole_file_elision_anchor_grows_until_unique(repo: Path) -> None:
    (repo / "r.py").write_text("def a():\n    return 1\n\ndef b():\n    return 1\n\ndef c():\n    pass\n")
    text = "r.py\n```python\ndef a():\n    return 1\n# ...\ndef c():\n    return 3\n```\n"
    changes, problems = build(repo, text)
    assert problems == []
    assert changes.files[0].new_text == "def a():\n    return 1\n\ndef b():\n    return 1\n\ndef c():\n    return 3\n"


DECORATED = "@cache\ndef a():\n    return x\n\n@cache\ndef b():\n    return y\n"


def test_whole_file_elision_anchor_is_sought_between_the_anchors_around_it(repo: Path) -> None:
    (repo / "d.py").write_text(DECORATED)  # '@cache' twice, but once before 'return x'
    changes, problems = build(repo, "d.py\n```python\n# ...\n@cache\ndef a(z):\n    return x\n# ...\n```\n")
    assert problems == []
    assert changes.files[0].new_text == DECORATED.replace("a()", "a(z)")


def test_whole_file_elided_piece_goes_where_it_changes_least(repo: Path) -> None:
    (repo / "d.py").write_text(DECORATED)  # '@cache' twice before 'return y': b() is the closer fit
    changes, problems = build(repo, "d.py\n```python\n# ...\n@cache\ndef b(z):\n    return y\n# ...\n```\n")
    assert problems == [] and changes.files[0].new_text == DECORATED.replace("b()", "b(z)")


TWINS = "class A:\n    def f(self):\n        x = 1\n        return x\n\nclass B:\n    def f(self):\n        x = 1\n        return x\n"


def test_whole_file_elided_piece_that_fits_two_places_alike_is_refused(repo: Path) -> None:
    (repo / "t.py").write_text(TWINS)
    _, [problem] = build(repo, "t.py\n```python\n# ...\n    def f(self):\n        x = 2\n        return x\n# ...\n```\n")
    assert "fit lines 2-4 and 7-9 of the file about as well" in problem.message


def test_whole_file_elided_piece_unchanged_in_one_place_and_a_change_in_another_is_refused(repo: Path) -> None:
    # as in paramiko's file.py: `next` and `__next__` share a docstring but for one word
    old = 'def next():\n    """\n    :return: a line\n    """\n\ndef __next__():\n    """\n    :returns: a line\n    """\n'
    (repo / "n.py").write_text(old)
    _, [problem] = build(repo, 'n.py\n```python\n# ...\n    """\n    :returns: a line\n    """\n# ...\n```\n')
    assert "about as well" in problem.message and (repo / "n.py").read_text() == old


def test_whole_file_block_quoting_part_of_the_file_is_refused(repo: Path) -> None:
    _, [problem] = build(repo, "mod.py\n```python\ndef f():\n    return 1\n```\n")
    assert "looks like a fragment" in problem.message
    # The file's start or end alone is a new version: the rest is deleted.
    changes, problems = build(repo, "mod.py\n```python\n\ndef g():\n    return 2\n```\n")
    assert problems == [] and changes.files[0].new_text == "\ndef g():\n    return 2\n"


def test_patch_envelope_anchor_settles_which_place(repo: Path) -> None:
    (repo / "twice.py").write_text("def f():\n    return 0\n\n\ndef g():\n    return 0\n")
    envelope = "*** Begin Patch\n*** Update File: twice.py\n@@ def g():\n-    return 0\n+    return 1\n*** End Patch\n"
    changes, problems = build(repo, envelope)
    assert problems == []
    assert changes.files[0].new_text == "def f():\n    return 0\n\n\ndef g():\n    return 1\n"
    _, [problem] = build(repo, envelope.replace("@@ def g():", "@@"))
    assert "matches 2 places" in problem.message


def test_whole_file_label_comment_is_dropped_unless_the_file_has_it(repo: Path) -> None:
    changes, problems = build(repo, "```python\n# app/util.py\nX = 2\n```\n")
    assert problems == [] and changes.files[0].new_text == "X = 2\n"
    (repo / "app" / "util.py").write_text("# app/util.py\nX = 1\n")
    changes, problems = build(repo, "```python\n# app/util.py\nX = 2\n```\n")
    assert problems == [] and changes.files[0].new_text == "# app/util.py\nX = 2\n"


def test_refused_diff_leaves_none_of_its_hunks(repo: Path) -> None:
    diff = "--- a/app/core/mod.py\n+++ b/tests/moved.py\n@@ -1 +1 @@\n-import os\n+import sys\n@@ -9 +9 @@\n-    return 99\n+    return 0\n"
    changes, [problem] = build(repo, diff)
    assert "hunk 2 of 2" in problem.message
    assert changes.files == []


def test_form_feed_and_unicode_line_separators_are_not_line_ends(repo: Path) -> None:
    text = "a = 1\n\x0c\nb = '\u2028'\nc = 3\n"
    (repo / "ff.py").write_text(text, encoding="utf-8")
    changes, problems = build(repo, sr("ff.py", "c = 3", "c = 4"))
    assert problems == [] and changes.files[0].new_text == text.replace("c = 3", "c = 4")
    assert len(changes.files[0].hunks) == 1 and changes.files[0].hunks[0].removed == 1


def test_diff_hunks_without_numbers_apply_in_file_order(repo: Path) -> None:
    (repo / "dup.py").write_text("a\nx = 1\nb\nx = 1\nc\n")
    diff = "--- a/dup.py\n+++ b/dup.py\n@@ ... @@\n a\n-x = 1\n+x = 2\n@@ ... @@\n-x = 1\n+x = 3\n"
    changes, problems = build(repo, diff)
    assert problems == [] and changes.files[0].new_text == "a\nx = 2\nb\nx = 3\nc\n"
    _, [problem] = build(repo, "--- a/dup.py\n+++ b/dup.py\n@@ ... @@\n-x = 1\n+x = 3\n")
    assert "matches 2 places" in problem.message  # a lone hunk has nothing before it to go by


def test_diff_hunk_fitting_two_places_takes_the_one_the_later_hunks_leave_room_for(repo: Path) -> None:
    (repo / "dup.py").write_text("a\nx = 1\nb\nx = 1\nc\n")  # hunk 1 fits both 'x = 1'; hunk 2 needs the second
    diff = "--- a/dup.py\n+++ b/dup.py\n@@ ... @@\n-x = 1\n+x = 2\n@@ ... @@\n b\n-x = 1\n+x = 3\n"
    changes, problems = build(repo, diff)
    assert problems == [] and changes.files[0].new_text == "a\nx = 2\nb\nx = 3\nc\n"


def test_diff_hunk_fitting_two_places_before_the_later_hunks_is_refused(repo: Path) -> None:
    (repo / "dup.py").write_text("x = 1\nx = 1\nc\n")  # hunk 2 comes after either 'x = 1'
    diff = "--- a/dup.py\n+++ b/dup.py\n@@ ... @@\n-x = 1\n+x = 2\n@@ ... @@\n c\n+d\n"
    _, [problem] = build(repo, diff)
    assert "hunk 1 of 2" in problem.message and "matches 2 places" in problem.message


# -- file names as models write them ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "given"),
    [
        ("_compat.py", "_compat.py"),
        ("__init__.py", "__init__.py"),
        ("_compat.py", "**_compat.py**"),
        ("__init__.py", "`__init__.py`"),
        ("app/_private.py", "_private.py"),
        ("__main__.py", "__main__.py:"),
    ],
)
def test_a_name_starting_with_an_underscore_keeps_it(repo: Path, name: str, given: str) -> None:
    (repo / name).parent.mkdir(parents=True, exist_ok=True)
    (repo / name).write_text("A = 1\n")
    changes, problems = build(repo, sr(given, "A = 1", "A = 2"))
    assert problems == [] and [(c.path, c.new_text) for c in changes.files] == [(name, "A = 2\n")]


def test_a_name_starting_with_an_underscore_is_not_read_as_another_file(repo: Path) -> None:
    (repo / "compat.py").write_text("A = 1\n")
    changes, [problem] = build(repo, sr("_compat.py", "A = 1", "A = 2"))
    assert changes.files == [] and "there is no file _compat.py" in problem.message


def test_a_name_wrapped_in_underscores_takes_the_reading_that_names_a_file(repo: Path) -> None:
    (repo / "notes_").write_text("A = 1\n")
    (repo / "_build_").write_text("A = 1\n")
    changes, problems = build(repo, sr("_build_", "A = 1", "A = 2"))
    assert problems == [] and [c.path for c in changes.files] == ["_build_"]
    (repo / "build").write_text("A = 1\n")  # now both readings name a file
    changes, [problem] = build(repo, sr("_build_", "A = 1", "A = 2"))
    assert changes.files == [] and "can be read as build or _build_" in problem.message


@pytest.mark.parametrize("name", ["LICENSE", "Dockerfile", "configure", "bin/run", ".envrc.example"])
def test_a_file_without_an_extension_is_read_when_it_exists(repo: Path, name: str) -> None:
    (repo / name).parent.mkdir(parents=True, exist_ok=True)
    (repo / name).write_text("one\ntwo\n")
    changes, problems = build(repo, f"{name}\n```\n<<<<<<< SEARCH\ntwo\n=======\nthree\n>>>>>>> REPLACE\n```\n")
    assert problems == [] and [(c.path, c.new_text) for c in changes.files] == [(name, "one\nthree\n")]
    changes, problems = build(repo, f"{name}:\n```\none\nfour\n```\n")
    assert problems == [] and [(c.path, c.new_text) for c in changes.files] == [(name, "one\nfour\n")]


def test_a_word_that_names_no_file_is_not_a_path(repo: Path) -> None:
    # A code block after "Output:" is an explanation, not a new file called Output.
    assert build(repo, "Output:\n```\nhello\n```\n") == (build(repo, "")[0], [])
    _, [problem] = build(repo, "Then\n```\n<<<<<<< SEARCH\nX = 1\n=======\nX = 2\n>>>>>>> REPLACE\n```\n")
    assert "no file path before it ('Then' on the line before it is no file in the repository)" in problem.message


@pytest.mark.parametrize(
    "response",
    [
        "```python\napp/util.py\n<<<<<<< SEARCH\nX = 1\n=======\nX = 2\n>>>>>>> REPLACE\n```\n",
        "```python\napp/util.py\n```\n<<<<<<< SEARCH\nX = 1\n=======\nX = 2\n>>>>>>> REPLACE\n",
        "```\napp/util.py\n```\n```python\n<<<<<<< SEARCH\nX = 1\n=======\nX = 2\n>>>>>>> REPLACE\n```\n",
        "```\napp/util.py\n```\n\n```python\nX = 2\n```\n",
        '"app/util.py"\n```python\n<<<<<<< SEARCH\nX = 1\n=======\nX = 2\n>>>>>>> REPLACE\n```\n',
        "`app/util.py`:\n```python\nX = 2\n```\n",
        "**`app/util.py`:**\n```python\n<<<<<<< SEARCH\nX = 1\n=======\nX = 2\n>>>>>>> REPLACE\n```\n",
        "### File: 'app/util.py'\n```python\nX = 2\n```\n",
        "````\napp/util.py\n```python\n<<<<<<< SEARCH\nX = 1\n=======\nX = 2\n>>>>>>> REPLACE\n```\n````\n",
    ],
)
def test_paths_written_in_or_around_fences_and_in_quotes(repo: Path, response: str) -> None:
    changes, problems = build(repo, response)
    assert problems == [] and [(c.path, c.new_text) for c in changes.files] == [("app/util.py", "X = 2\n")]


def test_a_fence_of_one_line_of_code_before_a_block_is_not_its_path(repo: Path) -> None:
    response = "```python\nprint(x)\n```\n<<<<<<< SEARCH\nX = 1\n=======\nX = 2\n>>>>>>> REPLACE\n"
    _, [problem] = build(repo, response)
    assert "no file path before it" in problem.message


@pytest.mark.parametrize("path", ["~/evil.py", "~root/.bashrc", "~//x.py"])
def test_home_directory_paths_are_refused(repo: Path, path: str) -> None:
    changes, [problem] = build(repo, sr(path, "", "x = 1"))
    assert changes.files == [] and "home-directory paths are not allowed" in problem.message
    assert not problem.fixable


def test_a_name_ending_in_a_tilde_is_an_ordinary_file(repo: Path) -> None:
    changes, problems = build(repo, sr("notes.txt~", "", "x"))
    assert problems == [] and [c.path for c in changes.files] == ["notes.txt~"]


# -- diffs: /dev/null over an existing file, final newlines ---------------------------------------


def test_a_dev_null_diff_that_edits_an_existing_file_is_an_update(repo: Path) -> None:
    diff = "```diff\n--- /dev/null\n+++ b/app/core/mod.py\n@@ -1,2 +1,2 @@\n def f():\n-    return 1\n+    return 10\n```\n"
    changes, problems = build(repo, diff)
    assert problems == [] and changes.files[0].new_text == MODULE.replace("return 1\n", "return 10\n")


def test_a_dev_null_diff_whose_lines_are_not_in_the_existing_file_is_refused(repo: Path) -> None:
    diff = "```diff\n--- /dev/null\n+++ b/app/core/mod.py\n@@ -1,2 +1,2 @@\n def h():\n-    return 1\n+    return 10\n```\n"
    changes, [problem] = build(repo, diff)
    assert changes.files == [] and "the text was not found" in problem.message


def test_a_dev_null_diff_that_twice_matches_the_existing_file_is_refused(repo: Path) -> None:
    diff = "```diff\n--- /dev/null\n+++ b/app/core/mod.py\n@@\n-\n-\n+# gap\n```\n"
    changes, [problem] = build(repo, diff)
    assert changes.files == []


def _diff(path: str, body: str) -> str:
    return f"```diff\n--- a/{path}\n+++ b/{path}\n{body}```\n"


def test_a_diff_adds_the_final_newline_it_says_was_missing(repo: Path) -> None:
    (repo / "t.txt").write_text("one\ntwo")
    changes, problems = build(repo, _diff("t.txt", "@@ -1,2 +1,2 @@\n one\n-two\n\\ No newline at end of file\n+two\n"))
    assert problems == [] and changes.files[0].new_text == "one\ntwo\n"


def test_a_diff_removes_the_final_newline_it_says_is_missing(repo: Path) -> None:
    (repo / "t.txt").write_text("one\ntwo\n")
    changes, problems = build(repo, _diff("t.txt", "@@ -1,2 +1,2 @@\n one\n-two\n+two\n\\ No newline at end of file\n"))
    assert problems == [] and changes.files[0].new_text == "one\ntwo"


def test_a_diff_keeps_a_missing_final_newline_its_context_marks(repo: Path) -> None:
    (repo / "t.txt").write_text("one\ntwo")
    changes, problems = build(repo, _diff("t.txt", "@@ -1,2 +1,2 @@\n-one\n+ONE\n two\n\\ No newline at end of file\n"))
    assert problems == [] and changes.files[0].new_text == "ONE\ntwo"


def test_a_crlf_file_gets_its_own_final_line_ending(repo: Path) -> None:
    (repo / "t.txt").write_bytes(b"one\r\ntwo")
    changes, problems = build(repo, _diff("t.txt", "@@ -1,2 +1,2 @@\n one\n-two\n\\ No newline at end of file\n+two\n"))
    assert problems == [] and changes.files[0].new_text == "one\r\ntwo\r\n"


def test_a_no_newline_marker_away_from_the_end_of_the_file_is_refused(repo: Path) -> None:
    (repo / "t.txt").write_text("one\ntwo\nthree\n")
    changes, [problem] = build(repo, _diff("t.txt", "@@ -1,2 +1,2 @@\n one\n-two\n+TWO\n\\ No newline at end of file\n"))
    assert changes.files == [] and "does not end at the end of the file" in problem.message


def test_a_no_newline_marker_on_context_the_file_ends_with_a_newline_is_refused(repo: Path) -> None:
    (repo / "t.txt").write_text("one\ntwo\n")
    changes, [problem] = build(repo, _diff("t.txt", "@@ -1,2 +1,2 @@\n-one\n+ONE\n two\n\\ No newline at end of file\n"))
    assert changes.files == [] and "in the file it has one" in problem.message


# -- refusals that say what happened ----------------------------------------------------------


def test_a_block_overlapping_an_earlier_block_of_the_answer_says_so(repo: Path) -> None:
    first = sr("app/core/mod.py", "def f():\n    return 1", "def f():\n    return 10")
    second = sr("app/core/mod.py", "    return 1\n\n\ndef g():", "    return 1\n\n\ndef gg():")
    changes, [problem] = build(repo, first + second)
    assert problem.number == 2 and problem.fixable
    assert "edit 1 of this answer already changed those lines" in problem.message


def test_refusals_for_safety_cannot_be_fixed_and_others_can(repo: Path) -> None:
    _, problems = build(repo, sr("../x.py", "", "x") + sr(".git/config", "a", "b") + sr("app/util.py", "nope", "b"))
    assert [p.fixable for p in problems] == [False, False, True]


def test_a_fence_of_one_dotted_name_before_a_block_is_not_its_path(repo: Path) -> None:
    response = "```\nos.path\n```\n<<<<<<< SEARCH\n    return 1\n=======\n    return 2\n>>>>>>> REPLACE\n"
    _, [problem] = build(repo, response)
    assert "no file path before it" in problem.message
    changes, problems = build(repo, response.replace("os.path", "mod.py"))  # a file of the repo
    assert problems == [] and [c.path for c in changes.files] == ["app/core/mod.py"]


FROZEN = (
    'def set_frozen(self):\n    """\n    Attached as __setattr__.\n    """\n    raise Frozen()\n\n\n'
    'def del_frozen(self):\n    """\n    Attached as __delattr__.\n    """\n    raise Frozen()\n\n\n'
    "def attributes():\n    pass\n"
)
INSERTED = 'class Builder:\n    """\n    Builds.\n    """\n\n    def build(self):\n        """\n        Done.\n        """\n\n\n'


def test_whole_file_elided_long_insertion_is_not_read_as_deleting_what_its_lines_resemble(repo: Path) -> None:
    # the inserted class's quotes and blank lines also fit `set_frozen`'s end: no reason to delete it
    old = FROZEN.replace("raise Frozen()", "raise Frozen('del')").replace("raise Frozen('del')", "raise Frozen()", 1)
    (repo / "f.py").write_text(old)
    text = f"f.py\n```python\n# ...\n    raise Frozen('del')\n\n\n{INSERTED}def attributes():\n# ...\n```\n"
    changes, problems = build(repo, text)
    assert problems == [] and changes.files[0].new_text == old.replace("def attributes", INSERTED + "def attributes")


def test_whole_file_elided_insertion_after_a_line_the_file_has_twice_is_refused(repo: Path) -> None:
    (repo / "f.py").write_text(FROZEN)  # which `raise Frozen()` does the inserted class follow?
    text = f"f.py\n```python\n# ...\n    raise Frozen()\n\n\n{INSERTED}def attributes():\n# ...\n```\n"
    _, [problem] = build(repo, text)
    assert "fit lines 5-15 and 12-15 of the file about as well" in problem.message


def test_whole_file_elided_deletion_keeps_to_the_lines_it_names(repo: Path) -> None:
    old = "def a():\n    x = 1\n    y = 2\n    z = 3\n    return x\n\ndef b():\n    return x\n"
    (repo / "a.py").write_text(old)
    changes, problems = build(repo, "a.py\n```python\ndef a():\n    x = 1\n    return x\n# ...\n```\n")
    assert problems == [] and changes.files[0].new_text == old.replace("    y = 2\n    z = 3\n", "")


CALC = "def add(a, b):\n    return a + b\n\n\ndef div(a, b):\n    return a / b\n"


@pytest.fixture
def flat(tmp_path: Path) -> Path:
    """A flat repo with one calc.py, as in a small real project."""
    root = tmp_path / "flat"
    root.mkdir()
    (root / "calc.py").write_text(CALC)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


@pytest.mark.parametrize("given", ["path/to/calc.py", "src/calc.py"])
def test_a_path_in_missing_directories_means_the_one_file_of_that_name_when_the_edit_matches(flat: Path, given: str) -> None:
    changes, problems = build(flat, sr(given, "    return a / b", "    if b == 0:\n        raise ZeroDivisionError\n    return a / b"))
    assert problems == [] and [c.path for c in changes.files] == ["calc.py"]
    whole = f"{given}\n```python\n{CALC.replace('return a / b', 'return a // b')}```\n"
    changes, problems = build(flat, whole)
    assert problems == [] and [c.path for c in changes.files] == ["calc.py"]
    assert changes.files[0].new_text == CALC.replace("return a / b", "return a // b")


@pytest.mark.parametrize("given", ["path/to/calc.py", "src/calc.py"])
def test_the_twin_an_edit_that_does_not_match_the_one_file_is_refused(flat: Path, given: str) -> None:
    changes, [problem] = build(flat, sr(given, "    return a * b", "    return b * a"))
    assert changes.files == []
    assert f"there is no file {given}; calc.py is the only file named calc.py, but the edit does not match it" in problem.message


def test_a_whole_file_that_keeps_too_little_of_the_one_file(flat: Path) -> None:
    other = "import sys\n\nprint(sys.argv)\n"
    # under the placeholder directory: refused, never a new file at path/to/calc.py
    changes, [problem] = build(flat, f"path/to/calc.py\n```python\n{other}```\n")
    assert changes.files == [] and "does not match it (it keeps 0 of the file's 4 lines)" in problem.message
    # in any other missing directory: the new file the model wrote
    changes, problems = build(flat, f"tools/calc.py\n```python\n{other}```\n")
    assert problems == [] and [(c.path, c.old_text, c.new_text) for c in changes.files] == [("tools/calc.py", None, other)]


def test_a_placeholder_path_never_makes_a_file(flat: Path) -> None:
    changes, [problem] = build(flat, sr("path/to/new.py", "", "X = 1"))
    assert changes.files == [] and "path/to/new.py is a placeholder path" in problem.message
    (flat / "path" / "to").mkdir(parents=True)  # …unless the repo really has that directory
    changes, problems = build(flat, sr("path/to/new.py", "", "X = 1"))
    assert problems == [] and changes.files[0].path == "path/to/new.py"


def test_two_files_of_that_name_are_not_guessed_between(flat: Path) -> None:
    (flat / "lib").mkdir()
    (flat / "lib" / "calc.py").write_text(CALC)
    changes, [problem] = build(flat, sr("src/calc.py", "    return a / b", "    return a // b"))
    assert changes.files == [] and "there is no file src/calc.py" in problem.message


def test_an_empty_whole_file_block_never_empties_a_file(flat: Path) -> None:
    changes, [problem] = build(flat, "calc.py\n```python\n\n```\n")
    assert changes.files == [] and "the block is empty, but it would replace all of calc.py" in problem.message
    (flat / "empty.py").write_text("")
    changes, problems = build(flat, "empty.py\n```python\n```\n")  # the twin: nothing replaced by nothing
    assert problems == [] and changes.files == []


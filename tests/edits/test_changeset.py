"""FileChange / ChangeSet: blocks, hunks, partial application, splitting, diff text."""

from __future__ import annotations

import subprocess
from itertools import chain, combinations
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.edits.changeset import ChangeSet, FileChange, changed_blocks, split_lines

OLD = "".join(f"{i}\n" for i in range(1, 31))


def edited(text: str, **changes: str) -> str:
    lines = text.splitlines(keepends=True)
    for number, new in sorted(((int(k[1:]), v) for k, v in changes.items()), reverse=True):
        lines[number - 1 : number] = [new] if new else []
    return "".join(lines)


def subsets(n: int) -> list[tuple[int, ...]]:
    return list(chain.from_iterable(combinations(range(n), k) for k in range(n + 1)))


def test_blocks_close_together_share_a_hunk() -> None:
    new = edited(OLD, l5="five\n", l10="ten\n", l25="twenty-five\n")  # 5 and 10 are 4 lines apart
    change = FileChange("f", OLD, new)
    assert len(change.blocks) == 3
    assert [h.blocks for h in change.hunks] == [(0, 1), (2,)]
    assert change.hunks[0].header == "@@ -2,12 +2,12 @@"
    assert (change.hunks[0].added, change.hunks[0].removed) == (2, 2)


def test_text_with_every_subset() -> None:
    new = edited(OLD, l2="two\n", l15="", l28="28a\n28b\n")
    change = FileChange("f", OLD, new)
    assert len(change.hunks) == 3
    assert change.text_with([0, 1, 2]) == new
    assert change.text_with([]) == OLD
    assert change.text_with([1]) == edited(OLD, l15="")
    assert change.text_with([0, 2]) == edited(OLD, l2="two\n", l28="28a\n28b\n")


def test_split_gives_each_block_a_hunk_and_keeps_results() -> None:
    new = edited(OLD, l5="five\n", l8="eight\n", l11="eleven\n")
    change = FileChange("f", OLD, new)
    before = {frozenset(change.hunks[0].blocks): change.text_with([0])}
    assert change.split(0) is True
    assert [h.blocks for h in change.hunks] == [(0,), (1,), (2,)]
    assert change.text_with([0, 1, 2]) == before[frozenset({0, 1, 2})]
    assert change.text_with([1]) == edited(OLD, l8="eight\n")
    assert change.split(1) is False


def test_new_and_deleted_files() -> None:
    new = FileChange("n", None, "a\nb\n")
    assert new.is_new and new.text_with([]) is None and new.text_with([0]) == "a\nb\n"
    assert new.unified_diff() == "--- /dev/null\n+++ b/n\n@@ -0,0 +1,2 @@\n+a\n+b\n"
    empty = FileChange("e", None, "")
    assert empty.hunks == [] and empty.text_with([]) == ""
    gone = FileChange("g", "x\n", None)
    assert gone.is_deleted and gone.text_with([0]) is None and gone.text_with([]) == "x\n"
    assert gone.unified_diff() == "--- a/g\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-x\n"


def test_rename_diff_header() -> None:
    change = FileChange("new.txt", "a\n", "b\n", old_path="old.txt")
    assert change.is_rename
    assert change.unified_diff().startswith("--- a/old.txt\n+++ b/new.txt\n")


def test_missing_final_newline_is_marked() -> None:
    change = FileChange("f", "a\nb", "a\nc")
    assert change.hunks[0].text == "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"


def test_changeset_lookup_and_counts() -> None:
    files = [FileChange("a", "1\n", "2\n"), FileChange("b", None, "x\n")]
    changes = ChangeSet(files)
    assert changes.file("b") is files[1] and changes.file("c") is None
    assert changes.hunk_count == 2
    assert changes.unified_diff() == files[0].unified_diff() + files[1].unified_diff()


@pytest.mark.parametrize(
    ("old", "new"),
    [(OLD, edited(OLD, l1="first\n", l16="", l30="last")), ("a\nb", "a\nb\nc\n"), ("x\r\ny\r\n", "x\r\nz\r\n")],
)
def test_unified_diff_applies_with_git(tmp_path: Path, old: str, new: str) -> None:
    """The diff text is a real patch: `git apply` turns old into new with it."""
    (tmp_path / "f.txt").write_bytes(old.encode())
    patch = FileChange("f.txt", old, new).unified_diff()
    (tmp_path / "p.diff").write_bytes(patch.encode())
    subprocess.run(["git", "apply", "--unsafe-paths", "p.diff"], cwd=tmp_path, check=True, capture_output=True)
    assert (tmp_path / "f.txt").read_bytes() == new.encode()


# -- properties -------------------------------------------------------------------------

LINES = st.sampled_from(["a\n", "b\n", "c\n", "\n", "a", "b", "  x\n", "y\r\n"])
TEXTS = st.lists(LINES, max_size=30).map("".join)


def patched(change: FileChange, accepted: list[int]) -> str:
    """An independent oracle: apply the accepted hunks' -/+ runs at their source line numbers."""
    old = change.old_text or ""
    lines = old.splitlines(keepends=True)
    runs: list[tuple[int, int, list[str]]] = []  # (old start, old end, new lines)
    for index in accepted:
        position = change.hunks[index].diff.source_start - (1 if change.hunks[index].diff.source_length else 0)
        current: tuple[int, int, list[str]] | None = None
        for line in change.hunks[index].diff:
            if line.is_context:
                if current:
                    runs.append(current)
                    current = None
                position = line.source_line_no
                continue
            if current is None:
                current = (position, position, [])
            if line.is_removed:
                current = (current[0], line.source_line_no, current[2])
                position = line.source_line_no
            else:
                current[2].append(line.value)
        if current:
            runs.append(current)
    for start, end, new in sorted(runs, reverse=True):
        lines[start:end] = new
    return "".join(lines)


@settings(max_examples=300, deadline=None)
@given(old=TEXTS, new=TEXTS, data=st.data())
def test_any_subset_of_hunks_gives_a_consistent_file(old: str, new: str, data: st.DataObject) -> None:
    change = FileChange("f", old, new)
    everything = list(range(len(change.hunks)))
    assert change.text_with(everything) == new
    assert change.text_with([]) == old
    accepted = sorted(data.draw(st.sets(st.sampled_from(everything))) if everything else [])
    result = change.text_with(accepted)
    assert result == patched(change, accepted)
    # Accepting the rest afterwards, as a new change from that result, still reaches `new`.
    assert FileChange("f", result, new).text_with(range(len(FileChange("f", result, new).hunks))) == new


@settings(max_examples=200, deadline=None)
@given(old=TEXTS, new=TEXTS, data=st.data())
def test_splitting_never_changes_results(old: str, new: str, data: st.DataObject) -> None:
    change = FileChange("f", old, new)
    by_blocks = {
        frozenset(b for i in subset for b in change.hunks[i].blocks): change.text_with(subset)
        for subset in subsets(len(change.hunks))[:64]
    }
    for _ in range(data.draw(st.integers(0, 4))):
        if change.hunks:
            change.split(data.draw(st.integers(0, len(change.hunks) - 1)))
    assert change.text_with(range(len(change.hunks))) == new
    assert change.text_with([]) == old
    for subset in subsets(len(change.hunks))[:64]:
        blocks = frozenset(b for i in subset for b in change.hunks[i].blocks)
        if blocks in by_blocks:
            assert change.text_with(subset) == by_blocks[blocks]
        assert change.text_with(subset) == patched(change, list(subset))


@settings(max_examples=100, deadline=None)
@given(new=TEXTS, data=st.data())
def test_new_and_deleted_file_subsets(new: str, data: st.DataObject) -> None:
    created = FileChange("f", None, new)
    assert created.text_with(range(len(created.hunks))) == new
    assert created.text_with([]) == (None if new else "")
    deleted = FileChange("f", new, None)
    assert deleted.text_with(range(len(deleted.hunks))) is None


def test_only_newlines_end_lines() -> None:
    change = FileChange("f", "a\x0cb\nc\u2028d\n", "a\x0cb\nC\u2028d\n")
    assert len(change.blocks) == 1 and change.hunks[0].text == "@@ -1,2 +1,2 @@\n a\x0cb\n-c\u2028d\n+C\u2028d\n"


LINE_LISTS = st.lists(st.sampled_from(["a\n", "b\n", "c\n", "\n", "}\n", "def f():\n", "x\r\n", "y"]), max_size=30)


@settings(max_examples=500, deadline=None)
@given(old=LINE_LISTS, new=LINE_LISTS)
def test_changed_blocks_are_a_diff(old: list[str], new: list[str]) -> None:
    """In order, apart, each a real change, with only equal lines between them."""
    blocks = changed_blocks(old, new)
    old_pos = new_pos = 0
    for block in blocks:
        assert block.old_lo - old_pos == block.new_lo - new_pos >= (1 if old_pos or new_pos else 0)
        assert old[old_pos : block.old_lo] == new[new_pos : block.new_lo]
        assert block.old_hi - block.old_lo or block.new_hi - block.new_lo
        assert old[block.old_lo : block.old_hi] != new[block.new_lo : block.new_hi]
        old_pos, new_pos = block.old_hi, block.new_hi
    assert old[old_pos:] == new[new_pos:]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab\n\r\x0c\x1c\x85\u2028", max_size=20))
def test_split_lines_cuts_after_each_newline_only(text: str) -> None:
    pieces = text.split("\n")
    assert split_lines(text) == [p + "\n" for p in pieces[:-1]] + ([pieces[-1]] if pieces[-1] else [])


def test_lines_that_repeat_do_not_pull_unrelated_code_into_a_change() -> None:
    """A function added before another is one added run, not a change spread over both functions
    by their shared `}` and blank lines."""
    old = "int a() {\n    return 1;\n}\n\nint b() {\n    return 2;\n}\n"
    new = "int a() {\n    return 1;\n}\n\nint c() {\n    return 3;\n}\n\nint b() {\n    return 2;\n}\n"
    [hunk] = FileChange("f.c", old, new).hunks
    assert [line.value for line in hunk.diff if line.is_added] == ["int c() {\n", "    return 3;\n", "}\n", "\n"]
    assert hunk.removed == 0


def test_a_moved_function_is_one_removal_and_one_addition() -> None:
    first = "def first():\n    return 0\n"
    body = "".join(f"x{i} = {i}\n" for i in range(50))
    change = FileChange("m.py", first + body, body + first)
    assert [(b.old_hi - b.old_lo, b.new_hi - b.new_lo) for b in change.blocks] == [(2, 0), (0, 2)]


def test_small_changes_to_a_large_file_stay_small() -> None:
    old = [f"line {i}\n" for i in range(100_000)]
    new = ["first\n", *old[1:50_000], "middle\n", *old[50_000:-1], "last\n"]
    blocks = changed_blocks(old, new)
    assert [(b.old_lo, b.old_hi, b.new_lo, b.new_hi) for b in blocks] == [
        (0, 1, 0, 1), (50_000, 50_000, 50_000, 50_001), (99_999, 100_000, 100_000, 100_001)
    ]


def test_a_hunk_builds_its_diff_lines_when_first_read() -> None:
    change = FileChange("f", OLD, edited(OLD, l5="five\n"))
    [hunk] = change.hunks
    assert "diff" not in vars(hunk)
    assert (hunk.old, hunk.new, hunk.removed, hunk.added, hunk.line_count) == (range(1, 8), range(1, 8), 1, 1, 8)
    assert len(hunk.diff) == hunk.line_count and hunk.header == "@@ -2,7 +2,7 @@"


@settings(max_examples=300, deadline=None)
@given(old=TEXTS, new=TEXTS)
def test_every_diff_line_is_numbered_as_in_its_file(old: str, new: str) -> None:
    change = FileChange("f", old, new)
    old_lines, new_lines = split_lines(old), split_lines(new)
    for hunk in change.hunks:
        assert len(hunk.diff) == hunk.line_count
        for line in hunk.diff:
            if not line.is_added:
                assert old_lines[line.source_line_no - 1] == line.value
            if not line.is_removed:
                assert new_lines[line.target_line_no - 1] == line.value


def test_a_mode_change_is_the_first_hunk_and_holds_no_lines() -> None:
    new = edited(OLD, l5="five\n", l25="twenty-five\n")
    change = FileChange("run.sh", OLD, new, old_mode="100644", new_mode="100755")
    mode, *text = change.hunks
    assert (mode.mode, mode.header, mode.line_count, len(text)) == (("100644", "100755"), "mode 100644 → 100755", 0, 2)
    assert change.text_with([0]) == OLD and change.mode_with([0]) == "100755"
    assert change.text_with([1, 2]) == new and change.mode_with([1, 2]) == "100644"
    assert change.unified_diff() == "old mode 100644\nnew mode 100755\n--- a/run.sh\n+++ b/run.sh\n" + "".join(
        h.text for h in text
    )
    assert not change.split(0)
    with pytest.raises(ValueError, match="a mode change has no lines"):
        change.proposed_text(0)
    with pytest.raises(ValueError, match="a mode change has no lines to edit"):
        change.edit_hunk(0, "x\n")


def test_editing_a_hunk_keeps_the_mode_change() -> None:
    change = FileChange("run.sh", OLD, edited(OLD, l5="five\n", l25="twenty-five\n"), None, "100755", "100644")
    assert change.edit_hunk(2, "25 and more\n")
    assert [h.mode for h in change.hunks] == [("100755", "100644"), None, None]
    assert change.text_with([2]) == edited(OLD, l25="25 and more\n") and change.mode_with([2]) == "100755"
    assert not change.edit_hunk(1, "5\n")  # back as it was: that hunk is gone, the mode stays
    assert [h.mode for h in change.hunks] == [("100755", "100644"), None]


@pytest.mark.parametrize(
    ("old_mode", "new_mode", "old", "new"),
    [("100644", "100644", OLD, OLD), ("100644", None, OLD, OLD), (None, "100755", None, OLD), ("100755", "100644", OLD, None)],
)
def test_no_mode_hunk_without_two_different_modes_of_a_file_that_stays(
    old_mode: str | None, new_mode: str | None, old: str | None, new: str | None
) -> None:
    assert [h for h in FileChange("f", old, new, None, old_mode, new_mode).hunks if h.mode] == []

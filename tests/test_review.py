"""The review model without a UI: marks, undo, splits, edits, results, feedback and writing."""

from __future__ import annotations

from pathlib import Path

import git
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.edits.apply import ApplyError
from app.edits.changeset import ChangeSet, FileChange
from app.review import HunkState, RevertRejected, Review, ReviewTarget, WriteAccepted
from app.workspace import Workspace
from app.git.worktree import working_tree_changeset
from scripts.review_samples import SAMPLE_FILES, SERVER_NEW, SERVER_OLD, sample_changeset
from tests.widgets.conftest import make_repo

OLD = "".join(f"line {i}\n" for i in range(40))
NEW = OLD.replace("line 5\n", "LINE 5\n").replace("line 9\n", "line 9b\n").replace("line 30\n", "")


def test_decisions_marks_counts_and_undo() -> None:
    review = Review(ChangeSet([FileChange("a.txt", OLD, NEW)]))
    assert [len(f.hunks) for f in review.changeset.files] == [2]
    review.decide(0, 0, True, seconds=1.5)
    review.decide(0, 1, False, "no")
    assert review.counts() == {HunkState.ACCEPTED: 1, HunkState.REJECTED: 1, HunkState.PENDING: 0}
    assert review.file_state(0) is None
    assert review.undo() == (0, 1)
    assert review.mark(0, 1).state is HunkState.PENDING and len(review.decisions) == 1
    assert review.decisions[0].seconds == 1.5


def test_split_keeps_marks_and_undo_restores_the_hunks() -> None:
    change = FileChange("a.txt", OLD, NEW)
    review = Review(ChangeSet([change]))
    review.decide(0, 0, False, "why")
    assert review.split(0, 0)
    assert len(review.changeset.files[0].hunks) == 3
    assert [m.comment for m in review.marks[0]] == ["why", "why", ""]
    assert len(change.hunks) == 2  # the original FileChange was not touched
    review.undo()
    assert review.changeset.files[0] is change and len(review.marks[0]) == 2


def test_edit_replaces_the_proposed_lines_and_accepts_them() -> None:
    review = Review(ChangeSet([FileChange("a.txt", OLD, NEW)]))
    assert review.changeset.files[0].proposed_text(1) == ""  # a pure deletion proposes nothing
    decision = review.edit(0, 1, "line 30 (kept, edited)")
    assert decision is not None and decision.edited and decision.accepted
    result = review.result()
    text = result.changeset.files[0].text_with(result.accepted["a.txt"])
    assert "line 30 (kept, edited)\nline 31\n" in text and "line 5\n" in text  # hunk 0 untouched
    # Editing back to the old text leaves nothing to change: the hunk disappears.
    assert review.edit(0, 0, "line 5\nline 6\nline 7\nline 8\nline 9\n") is None
    assert len(review.changeset.files[0].hunks) == 1


@given(
    st.lists(st.sampled_from(["a\n", "b\n", "c\n", "d\n"]), max_size=30),
    st.lists(st.sampled_from(["a\n", "b\n", "x\n", "y\n"]), max_size=30),
    st.lists(st.sampled_from(["p\n", "q\n", "a\n"]), max_size=4),
    st.data(),
)
def test_edit_hunk_changes_only_its_own_region(old: list[str], new: list[str], edit: list[str], data: st.DataObject) -> None:
    change = FileChange("f", "".join(old), "".join(new))
    if not change.hunks:
        return
    index = data.draw(st.integers(0, len(change.hunks) - 1))
    others = [i for i in range(len(change.hunks)) if i != index]
    before = change.text_with(others)
    hunk = change.hunks[index]
    new_lo, new_hi = change.blocks[hunk.blocks[0]].new_lo, change.blocks[hunk.blocks[-1]].new_hi
    kept = change.edit_hunk(index, "".join(edit))
    # The other hunks still produce the same text with this hunk not applied...
    remaining = [i if i < index else i + (1 if kept else 0) for i in others]
    assert change.text_with(remaining) == before
    # ...and applying everything gives the new text with the hunk's lines replaced.
    assert change.text_with(range(len(change.hunks))) == change.new_text
    assert change.new_text == "".join(new[:new_lo] + edit + new[new_hi:])


def test_feedback_is_none_when_everything_was_accepted() -> None:
    review = Review(sample_changeset())
    for f, change in enumerate(review.changeset.files):
        review.decide_file(f, True)
    assert review.result().feedback_for_model() is None


def test_feedback_lists_rejected_and_undecided_hunks_as_a_failure() -> None:
    review = Review(sample_changeset())
    review.decide(0, 0, False, "keep the old docstring")
    feedback = review.result().feedback_for_model()
    assert feedback is not None
    assert "NOT fully applied" in feedback and "failure" in feedback
    assert "server.py, hunk 1 of 2: REJECTED" in feedback and "keep the old docstring" in feedback
    assert "legacy.py, hunk 1 of 1: NOT APPLIED (left undecided)" in feedback
    assert "0 accepted, 1 rejected, 4 left undecided" in feedback


def test_a_review_writes_only_accepted_hunks(tmp_path: Path) -> None:
    make_repo(tmp_path, SAMPLE_FILES)
    review = Review(sample_changeset())
    review.decide(0, 1, True)
    review.decide_file(3, True)
    result = WriteAccepted(Workspace(tmp_path)).write(review.result())
    assert result.applied and result.written == ["server.py"] and result.deleted == ["legacy.py"]
    assert (tmp_path / "server.py").read_text() == sample_changeset().files[0].text_with([1])
    assert not (tmp_path / "test_server.py").exists() and not (tmp_path / "legacy.py").exists()


def test_a_review_refuses_a_file_changed_on_disk_and_writes_nothing(tmp_path: Path) -> None:
    make_repo(tmp_path, SAMPLE_FILES)
    review = Review(sample_changeset())
    review.decide_file(0, True)
    review.decide_file(2, True)
    (tmp_path / "server.py").write_text("changed\n")
    with pytest.raises(ApplyError, match="server.py"):
        WriteAccepted(Workspace(tmp_path)).write(review.result())
    assert (tmp_path / "README.md").read_text() == SAMPLE_FILES["README.md"]


def disk(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts}


def test_undo_puts_back_what_a_review_wrote_created_and_deleted(tmp_path: Path) -> None:
    make_repo(tmp_path, SAMPLE_FILES)
    before = disk(tmp_path)
    review = Review(sample_changeset())
    review.decide(0, 1, True)  # one hunk of server.py only
    review.decide_file(1, True)  # the new test file
    review.decide_file(3, True)  # the deletion
    workspace = Workspace(tmp_path)
    result = WriteAccepted(workspace).write(review.result())
    assert disk(tmp_path) != before
    undone = workspace.undo()
    assert sorted(undone.written) == ["legacy.py", "server.py"] and undone.deleted == ["test_server.py"]
    assert disk(tmp_path) == before


def test_undo_of_a_rename_and_of_crlf_text_is_exact(tmp_path: Path) -> None:
    make_repo(tmp_path, {"old_name.py": "a = 1\r\nb = 2\r\n"})
    (tmp_path / "old_name.py").write_bytes(b"a = 1\r\nb = 2\r\n")
    before = disk(tmp_path)
    change = FileChange("new_name.py", "a = 1\r\nb = 2\r\n", "a = 1\r\nb = 3\r\n", old_path="old_name.py")
    review = Review(ChangeSet([change]))
    review.decide_file(0, True)
    workspace = Workspace(tmp_path)
    result = WriteAccepted(workspace).write(review.result())
    assert set(disk(tmp_path)) == {"new_name.py"}
    workspace.undo()
    assert disk(tmp_path) == before


def test_undo_of_an_accepted_mode_change_puts_the_mode_back(tmp_path: Path) -> None:
    make_repo(tmp_path, {"run.sh": "echo hi\n"})
    change = FileChange("run.sh", "echo hi\n", "echo bye\n", old_mode="100644", new_mode="100755")
    review = Review(ChangeSet([change]))
    review.decide(0, 0, True)  # the mode: the text stays
    review.decide(0, 1, False, "keep the greeting")
    workspace = Workspace(tmp_path)
    result = WriteAccepted(workspace).write(review.result())
    assert (tmp_path / "run.sh").stat().st_mode & 0o777 == 0o755 and result.written == ["run.sh"]
    assert "old mode 100644\nnew mode 100755" not in (result.feedback_for_model() or "")
    workspace.undo()
    assert (tmp_path / "run.sh").stat().st_mode & 0o777 == 0o644 and (tmp_path / "run.sh").read_text() == "echo hi\n"


def test_undo_refuses_when_a_written_file_changed_since_and_touches_nothing(tmp_path: Path) -> None:
    make_repo(tmp_path, SAMPLE_FILES)
    review = Review(sample_changeset())
    review.decide_file(0, True)
    review.decide_file(1, True)
    workspace = Workspace(tmp_path)
    result = WriteAccepted(workspace).write(review.result())
    (tmp_path / "server.py").write_text((tmp_path / "server.py").read_text() + "# the user's own line\n")
    after = disk(tmp_path)
    with pytest.raises(ApplyError, match="server.py: changed on disk"):
        workspace.undo()
    assert disk(tmp_path) == after  # test_server.py, unchanged since, was not removed either


def test_working_tree_changeset_and_checkpoint(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, SAMPLE_FILES)
    (tmp_path / "server.py").write_text(SERVER_NEW)
    (tmp_path / "legacy.py").unlink()
    (tmp_path / "new.txt").write_text("hello\n")
    (tmp_path / "blob.bin").write_bytes(b"\xff\xfe\x00")
    repo.index.add(["new.txt", "blob.bin"])  # staged and unstaged changes both count
    changeset, skipped = working_tree_changeset(tmp_path)
    assert [(f.path, f.is_new, f.is_deleted) for f in changeset.files] == [
        ("legacy.py", False, True),
        ("new.txt", True, False),
        ("server.py", False, False),
    ]
    assert changeset.file("server.py").old_text == SERVER_OLD
    assert skipped == ["blob.bin: not a text file"]


def test_the_working_tree_of_a_repository_without_commits(tmp_path: Path) -> None:
    repo = git.Repo.init(tmp_path)
    (tmp_path / "a.txt").write_text("a\n")
    assert working_tree_changeset(tmp_path)[0].files == []  # untracked
    repo.index.add(["a.txt"])
    changeset, _ = working_tree_changeset(tmp_path)
    assert [(f.path, f.is_new) for f in changeset.files] == [("a.txt", True)]


def test_writing_over_uncommitted_work_takes_a_checkpoint_first(tmp_path: Path) -> None:
    repo = git.Repo.init(tmp_path)
    (tmp_path / "a.txt").write_text("one\n")
    (tmp_path / "clean.txt").write_text("clean\n")
    repo.index.add(["a.txt", "clean.txt"])
    repo.index.commit("init")
    (tmp_path / "a.txt").write_text("one\nmine, uncommitted\n")

    clean_only = ChangeSet([FileChange("clean.txt", "clean\n", "clean!\n")])
    review = Review(clean_only)
    review.decide(0, 0, True)
    clean = WriteAccepted(Workspace(tmp_path)).write(review.result())
    assert clean.checkpoint == "refs/exosuit/checkpoints/1" and clean.saved_work == []  # nothing of the person's

    changeset = ChangeSet([FileChange("a.txt", "one\nmine, uncommitted\n", "ONE\nmine, uncommitted\n")])
    review = Review(changeset)
    review.decide(0, 0, True)
    result = WriteAccepted(Workspace(tmp_path)).write(review.result())
    assert result.saved_work == ["a.txt"]
    assert repo.git.show(f"{result.checkpoint}^:a.txt") == "one\nmine, uncommitted"  # the before commit
    assert "Your uncommitted work in a.txt is kept in refs/exosuit/checkpoints/2" in WriteAccepted(Workspace(tmp_path)).summary(result)
    assert (tmp_path / "a.txt").read_text() == "ONE\nmine, uncommitted\n"


@pytest.mark.parametrize("target", [WriteAccepted, RevertRejected])
def test_a_refused_write_takes_no_checkpoint(tmp_path: Path, target: type[ReviewTarget]) -> None:
    """Nothing written ("changed on disk"): no checkpoint ref is left behind either."""
    repo = git.Repo.init(tmp_path)
    (tmp_path / "a.txt").write_text("one\ntwo\n")
    repo.index.add(["a.txt"])
    repo.index.commit("init")
    (tmp_path / "a.txt").write_text("one\ntwo\nmine\n")
    working_tree = target is RevertRejected
    if working_tree:
        changeset, _ = working_tree_changeset(tmp_path)
    else:
        changeset = ChangeSet([FileChange("a.txt", "one\ntwo\nmine\n", "ONE\ntwo\nmine\n")])
    review = Review(changeset)
    review.decide(0, 0, not working_tree)  # a working-tree review writes what it rejects
    (tmp_path / "a.txt").write_text("one\ntwo\nmine\nand more of mine\n")  # during the review
    with pytest.raises(ApplyError, match="a.txt: changed on disk"):
        target(Workspace(tmp_path)).write(review.result())
    assert repo.git.for_each_ref("refs/exosuit") == ""
    assert (tmp_path / "a.txt").read_text() == "one\ntwo\nmine\nand more of mine\n"


def test_a_hunk_rewritten_before_accepting_is_sent_to_the_model_as_written() -> None:
    review = Review(sample_changeset())
    for f, change in enumerate(review.changeset.files):
        review.decide_file(f, True)
    assert review.edit(0, 1, '    return "reviewer\'s own line"\n') is not None
    assert review.marks[0][1].edited
    feedback = review.result().feedback_for_model()
    assert feedback is not None and "NOT fully applied" not in feedback
    assert "server.py, hunk 2 of 2: ACCEPTED WITH THE REVIEWER'S CHANGES" in feedback
    assert '+    return "reviewer\'s own line"\n' in feedback

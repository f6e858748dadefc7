"""apply_changeset: all or nothing, atomic, byte-exact, conflict-checked, path-safe."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from app.edits.apply import ApplyError, apply_changeset
from app.edits.changeset import ChangeSet, FileChange

OLD = "".join(f"line {i}\n" for i in range(1, 21))
NEW = OLD.replace("line 2\n", "line two\n").replace("line 18\n", "line eighteen\n")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "a.txt").write_text(OLD)
    return root


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("*.tmp"))


def test_applies_all_hunks(repo: Path) -> None:
    change = FileChange("a.txt", OLD, NEW)
    assert len(change.hunks) == 2
    result = apply_changeset(repo, ChangeSet([change]))
    assert (repo / "a.txt").read_text() == NEW
    assert result.written == ["a.txt"] and result.deleted == []
    assert leftovers(repo) == []


@pytest.mark.parametrize("accepted", [[0], [1], []])
def test_applies_accepted_hunks_only(repo: Path, accepted: list[int]) -> None:
    change = FileChange("a.txt", OLD, NEW)
    apply_changeset(repo, ChangeSet([change]), {"a.txt": accepted})
    assert (repo / "a.txt").read_text() == change.text_with(accepted)


def test_files_missing_from_accepted_are_left_alone(repo: Path) -> None:
    changes = ChangeSet([FileChange("a.txt", OLD, NEW), FileChange("b.txt", None, "b\n")])
    result = apply_changeset(repo, changes, {"b.txt": [0]})
    assert (repo / "a.txt").read_text() == OLD
    assert (repo / "b.txt").read_text() == "b\n"
    assert result.written == ["b.txt"]


def test_creates_new_file_and_directories(repo: Path) -> None:
    apply_changeset(repo, ChangeSet([FileChange("pkg/sub/new.py", None, "x = 1\n")]))
    assert (repo / "pkg" / "sub" / "new.py").read_text() == "x = 1\n"


def test_deletes_file(repo: Path) -> None:
    result = apply_changeset(repo, ChangeSet([FileChange("a.txt", OLD, None)]))
    assert not (repo / "a.txt").exists()
    assert result.deleted == ["a.txt"]


def test_renames_file_with_changes(repo: Path) -> None:
    os.chmod(repo / "a.txt", 0o755)
    result = apply_changeset(repo, ChangeSet([FileChange("b/renamed.txt", OLD, NEW, old_path="a.txt")]))
    assert not (repo / "a.txt").exists()
    assert (repo / "b" / "renamed.txt").read_text() == NEW
    assert stat.S_IMODE((repo / "b" / "renamed.txt").stat().st_mode) == 0o755
    assert result.written == ["b/renamed.txt"] and result.deleted == ["a.txt"]


def test_rename_with_no_hunk_accepted_does_not_happen(repo: Path) -> None:
    apply_changeset(repo, ChangeSet([FileChange("b.txt", OLD, NEW, old_path="a.txt")]), {"b.txt": []})
    assert (repo / "a.txt").read_text() == OLD and not (repo / "b.txt").exists()


def test_preserves_mode(repo: Path) -> None:
    os.chmod(repo / "a.txt", 0o750)
    apply_changeset(repo, ChangeSet([FileChange("a.txt", OLD, NEW)]))
    assert stat.S_IMODE((repo / "a.txt").stat().st_mode) == 0o750


@pytest.mark.parametrize(
    ("before", "mode", "accepted", "after"),
    [
        (0o644, "100755", [0, 1, 2], 0o755),
        (0o640, "100755", [0], 0o750),  # executable where readable, no further
        (0o755, "100644", [0, 2], 0o644),
        (0o644, "100755", [1, 2], 0o644),  # the mode change not accepted
    ],
)
def test_an_accepted_mode_change_sets_the_mode(
    repo: Path, before: int, mode: str, accepted: list[int], after: int
) -> None:
    os.chmod(repo / "a.txt", before)
    old = "100755" if before & 0o100 else "100644"
    change = FileChange("a.txt", OLD, NEW, old_mode=old, new_mode=mode)
    assert change.hunks[0].mode == (old, mode) and len(change.hunks) == 3
    result = apply_changeset(repo, ChangeSet([change]), {"a.txt": accepted})
    assert stat.S_IMODE((repo / "a.txt").stat().st_mode) == after
    assert (repo / "a.txt").read_text() == change.text_with(accepted)
    assert result.written == (["a.txt"] if accepted != [0] or after != before else [])


def test_a_mode_change_alone_is_written_and_checked_against_the_disk(repo: Path) -> None:
    change = FileChange("a.txt", OLD, OLD, old_mode="100644", new_mode="100755")
    assert apply_changeset(repo, ChangeSet([change])).written == ["a.txt"]
    assert stat.S_IMODE((repo / "a.txt").stat().st_mode) == 0o755 and (repo / "a.txt").read_text() == OLD
    with pytest.raises(ApplyError, match="a.txt: its mode changed on disk since the edit was made"):
        apply_changeset(repo, ChangeSet([change]))
    assert stat.S_IMODE((repo / "a.txt").stat().st_mode) == 0o755


def test_preserves_crlf_bom_and_missing_final_newline(repo: Path) -> None:
    old = "one\r\ntwo\r\nthree"
    (repo / "w.txt").write_bytes(b"\xef\xbb\xbf" + old.encode())
    apply_changeset(repo, ChangeSet([FileChange("w.txt", old, "one\r\n2\r\nthree")]))
    assert (repo / "w.txt").read_bytes() == b"\xef\xbb\xbfone\r\n2\r\nthree"


def test_conflict_refuses_everything(repo: Path) -> None:
    (repo / "c.txt").write_text("c\n")
    changes = ChangeSet([FileChange("a.txt", OLD, NEW), FileChange("c.txt", "not what is there\n", "x\n")])
    with pytest.raises(ApplyError, match="c.txt: changed on disk"):
        apply_changeset(repo, changes)
    assert (repo / "a.txt").read_text() == OLD
    assert (repo / "c.txt").read_text() == "c\n"


def test_new_file_that_now_exists_is_a_conflict(repo: Path) -> None:
    with pytest.raises(ApplyError, match="already exists"):
        apply_changeset(repo, ChangeSet([FileChange("a.txt", None, "x\n")]))
    assert (repo / "a.txt").read_text() == OLD


def test_deleted_file_is_a_conflict(repo: Path) -> None:
    with pytest.raises(ApplyError, match="no longer exists"):
        apply_changeset(repo, ChangeSet([FileChange("gone.txt", "x\n", "y\n")]))


def test_binary_file_is_refused(repo: Path) -> None:
    (repo / "bin.dat").write_bytes(b"\x00\x01\x02")
    with pytest.raises(ApplyError, match="binary"):
        apply_changeset(repo, ChangeSet([FileChange("bin.dat", "\x00\x01\x02", "x")]))
    assert (repo / "bin.dat").read_bytes() == b"\x00\x01\x02"


@pytest.mark.parametrize("rel", ["/tmp/x.txt", "../x.txt", ".git/config", "sub/../../x.txt"])
def test_unsafe_paths_refuse_everything(repo: Path, rel: str) -> None:
    changes = ChangeSet([FileChange("a.txt", OLD, NEW), FileChange(rel, None, "x\n")])
    with pytest.raises(ApplyError):
        apply_changeset(repo, changes)
    assert (repo / "a.txt").read_text() == OLD
    assert not (repo / ".git" / "config").exists()


def test_symlink_escape_refused(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "t.txt").write_text("t\n")
    os.symlink(outside, repo / "out")
    os.symlink(outside / "t.txt", repo / "t.txt")
    for rel in ["out/t.txt", "t.txt"]:
        with pytest.raises(ApplyError, match="outside the repository"):
            apply_changeset(repo, ChangeSet([FileChange(rel, "t\n", "changed\n")]))
    with pytest.raises(ApplyError, match="outside the repository"):
        apply_changeset(repo, ChangeSet([FileChange("out/new.txt", None, "n\n")]))
    assert (outside / "t.txt").read_text() == "t\n"
    assert sorted(p.name for p in outside.iterdir()) == ["t.txt"]


def test_in_repo_symlink_is_written_through_and_kept(repo: Path) -> None:
    os.symlink("a.txt", repo / "link.txt")
    apply_changeset(repo, ChangeSet([FileChange("link.txt", OLD, NEW)]))
    assert (repo / "link.txt").is_symlink()
    assert (repo / "a.txt").read_text() == NEW


def test_same_file_twice_is_refused(repo: Path) -> None:
    changes = ChangeSet([FileChange("a.txt", OLD, NEW), FileChange("a.txt", OLD, OLD + "x\n")])
    with pytest.raises(ApplyError, match="twice"):
        apply_changeset(repo, changes)


def test_bad_hunk_index_is_refused(repo: Path) -> None:
    with pytest.raises(ApplyError, match="no hunk 5"):
        apply_changeset(repo, ChangeSet([FileChange("a.txt", OLD, NEW)]), {"a.txt": [5]})


def test_parent_is_a_file(repo: Path) -> None:
    with pytest.raises(ApplyError, match="a.txt is a file"):
        apply_changeset(repo, ChangeSet([FileChange("a.txt/x.py", None, "x\n")]))


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_unwritable_directory_writes_nothing(repo: Path) -> None:
    ro = repo / "ro"
    ro.mkdir()
    (ro / "f.txt").write_text("f\n")
    os.chmod(ro, 0o555)
    try:
        changes = ChangeSet([FileChange("a.txt", OLD, NEW), FileChange("ro/f.txt", "f\n", "g\n")])
        with pytest.raises(ApplyError, match="ro/f.txt: cannot write"):
            apply_changeset(repo, changes)
    finally:
        os.chmod(ro, 0o755)
    assert (repo / "a.txt").read_text() == OLD
    assert (ro / "f.txt").read_text() == "f\n"
    assert leftovers(repo) == []


def test_failed_temp_write_writes_nothing(repo: Path) -> None:
    long_name = "n" * 250 + ".txt"  # the temp file's longer name exceeds NAME_MAX
    changes = ChangeSet([FileChange("a.txt", OLD, NEW), FileChange(f"new/{long_name}", None, "x\n")])
    with pytest.raises(ApplyError, match="cannot write"):
        apply_changeset(repo, changes)
    assert (repo / "a.txt").read_text() == OLD
    assert not (repo / "new").exists()
    assert leftovers(repo) == []


def test_failed_rename_puts_everything_back(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injection: the second rename fails, so the first file must be restored."""
    (repo / "b.txt").write_text("b\n")
    real_replace = os.replace
    calls: list[str] = []

    def failing_replace(src: str | Path, dst: str | Path) -> None:
        calls.append(str(dst))
        if len(calls) == 2:
            raise PermissionError(13, "Permission denied")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    os.chmod(repo / "a.txt", 0o600)
    made_executable = FileChange("a.txt", OLD, NEW, old_mode="100644", new_mode="100755")
    changes = ChangeSet([made_executable, FileChange("b.txt", "b\n", "B\n"), FileChange("c/new.txt", None, "n\n")])
    with pytest.raises(ApplyError, match="b.txt: cannot write"):
        apply_changeset(repo, changes)
    monkeypatch.undo()
    assert (repo / "a.txt").read_text() == OLD and stat.S_IMODE((repo / "a.txt").stat().st_mode) == 0o600
    assert (repo / "b.txt").read_text() == "b\n"
    assert not (repo / "c").exists()
    assert leftovers(repo) == []


def test_a_file_and_a_symlink_to_it_are_one_file(repo: Path) -> None:
    os.symlink("a.txt", repo / "link.txt")
    changes = ChangeSet([FileChange("a.txt", OLD, NEW), FileChange("link.txt", OLD, OLD + "x\n")])
    with pytest.raises(ApplyError, match="link.txt: changed twice"):
        apply_changeset(repo, changes)
    assert (repo / "a.txt").read_text() == OLD


def test_text_that_cannot_be_encoded_is_refused(repo: Path) -> None:
    with pytest.raises(ApplyError, match="a.txt: the new text cannot be encoded as UTF-8"):
        apply_changeset(repo, ChangeSet([FileChange("a.txt", OLD, OLD + "\ud800\n")]))
    assert (repo / "a.txt").read_text() == OLD

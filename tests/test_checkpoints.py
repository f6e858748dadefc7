"""Checkpoints on real temp repositories: dirty, staged and untracked files round-trip through
undo, redo and rewind, also from a new process's workspace (a restart); HEAD, the index and the
person's other files are never touched; no commits yet, a detached HEAD, a merge in progress."""

from __future__ import annotations

import subprocess
from pathlib import Path

import git
import pytest

from app.edits.apply import ApplyError
from app.edits.changeset import ChangeSet, FileChange
from app.git.checkpoints import Checkpoints, undo_stack
from app.workspace import About, Workspace
from tests.widgets.conftest import make_repo


def state(repo: git.Repo) -> tuple[str, str, str]:
    """HEAD, the index and the status, to see they are left alone."""
    head = repo.git.rev_parse("HEAD") if repo.head.is_valid() else ""
    return head, repo.git.diff("--cached"), repo.git.status("--porcelain")


def disk(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts}


def test_dirty_staged_and_untracked_files_round_trip_through_undo_and_redo_after_a_restart(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"a.py": "a\n", "b.py": "b\n", "keep.py": "keep\n"})
    (tmp_path / "a.py").write_text("a\nmine\n")  # unstaged work
    (tmp_path / "b.py").write_text("b\nstaged\n")
    repo.index.add(["b.py"])  # staged work
    (tmp_path / "notes.txt").write_text("my notes\n")  # untracked
    (tmp_path / "keep.py").write_text("keep\nalso mine\n")  # not touched by the AI
    before_disk, before_git = disk(tmp_path), state(repo)
    workspace = Workspace(tmp_path)
    workspace.about = About("tidy everything", "files", "openai/gpt-4.1")
    written = workspace.write(ChangeSet([
        FileChange("a.py", "a\nmine\n", "A\nmine\n"), FileChange("b.py", "b\nstaged\n", None),
        FileChange("notes.txt", "my notes\n", "MY NOTES\n"), FileChange("new.py", None, "new\n"),
    ]))
    assert written.saved_work == ["a.py", "b.py", "notes.txt"]
    assert state(repo)[0] == before_git[0] and state(repo)[1] == before_git[1]  # HEAD, index untouched

    restarted = Workspace(tmp_path)  # a new process: everything comes from git
    [checkpoint] = Checkpoints(tmp_path).history()
    assert (checkpoint.kind, checkpoint.paths, checkpoint.about.instruction) == ("edit", ("a.py", "b.py", "new.py", "notes.txt"), "tidy everything")
    assert (checkpoint.added, checkpoint.removed) == (3, 4)
    assert restarted.undoable == checkpoint and restarted.redoable is None
    undone = restarted.undo()
    assert undone.paths == ["a.py", "b.py", "new.py", "notes.txt"]
    assert disk(tmp_path) == before_disk and state(repo) == before_git  # the person's work exactly as it was
    after_undo = Workspace(tmp_path)
    assert after_undo.undoable is None and after_undo.redoable == checkpoint
    after_undo.redo()
    assert (tmp_path / "a.py").read_text() == "A\nmine\n" and not (tmp_path / "b.py").exists()
    assert (tmp_path / "new.py").read_text() == "new\n" and (tmp_path / "keep.py").read_text() == "keep\nalso mine\n"
    assert Workspace(tmp_path).undoable == checkpoint and Workspace(tmp_path).redoable is None


def test_undo_refuses_a_file_changed_since_and_a_new_change_ends_the_redo(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.py": "one\n", "b.py": "bee\n"})
    workspace = Workspace(tmp_path)
    workspace.write(ChangeSet([FileChange("a.py", "one\n", "two\n"), FileChange("b.py", "bee\n", "BEE\n")]))
    (tmp_path / "b.py").write_text("BEE\nthe person's line\n")
    with pytest.raises(ApplyError, match="b.py: changed on disk"):
        workspace.undo()
    assert (tmp_path / "a.py").read_text() == "two\n"  # all or nothing
    (tmp_path / "b.py").write_text("BEE\n")
    workspace.undo()
    workspace.write(ChangeSet([FileChange("a.py", "one\n", "three\n")]))
    assert workspace.redoable is None
    with pytest.raises(ApplyError, match="nothing to redo"):
        workspace.redo()


def test_rewind_puts_every_later_change_back_and_is_undone_like_one(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.py": "1\n", "b.py": "b1\n"})
    (tmp_path / "a.py").write_text("1\nmine\n")
    before = disk(tmp_path)
    workspace = Workspace(tmp_path)
    workspace.write(ChangeSet([FileChange("a.py", "1\nmine\n", "2\nmine\n")]))
    workspace.write(ChangeSet([FileChange("b.py", "b1\n", "b2\n"), FileChange("c.py", None, "c\n")]))
    workspace.write(ChangeSet([FileChange("a.py", "2\nmine\n", "3\nmine\n")]))
    present = disk(tmp_path)
    rewound = workspace.rewind(1)
    assert rewound.paths == ["a.py", "b.py", "c.py"] and disk(tmp_path) == before
    assert Checkpoints(tmp_path).history()[-1].kind == "rewind"
    workspace.undo()  # the rewind itself
    assert disk(tmp_path) == present
    with pytest.raises(ApplyError, match="no checkpoint 9"):
        workspace.rewind(9)


def test_the_undo_stack_is_replayed_from_the_history() -> None:
    from app.git.checkpoints import Checkpoint

    def c(number: int, kind: str, of: int | None = None) -> Checkpoint:
        return Checkpoint(number, f"sha{number}", kind, ("a.py",), float(number), of=of)  # type: ignore[arg-type]

    history = [c(1, "edit"), c(2, "edit"), c(3, "undo", 2), c(4, "undo", 1), c(5, "redo", 1)]
    undo, redo = undo_stack(history)
    assert [x.number for x in undo] == [1] and [x.number for x in redo] == [2]
    undo, redo = undo_stack([*history, c(6, "edit")])
    assert [x.number for x in undo] == [1, 6] and redo == []


def test_old_checkpoints_are_pruned_by_count_and_age(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.py": "0\n"})
    workspace = Workspace(tmp_path)
    for i in range(5):
        workspace.write(ChangeSet([FileChange("a.py", f"{i}\n", f"{i + 1}\n")]))
    checkpoints = Checkpoints(tmp_path)
    assert checkpoints.prune(keep=3, days=30) == [1, 2]
    assert [c.number for c in checkpoints.history()] == [3, 4, 5]
    assert checkpoints.prune(keep=10, days=0) == [3, 4, 5]


def test_a_repository_with_no_commits_and_a_detached_head(tmp_path: Path) -> None:
    git.Repo.init(tmp_path)
    (tmp_path / "a.py").write_text("draft\n")
    workspace = Workspace(tmp_path)
    workspace.write(ChangeSet([FileChange("a.py", "draft\n", "final\n")]))
    workspace.undo()
    assert (tmp_path / "a.py").read_text() == "draft\n" and not git.Repo(tmp_path).head.is_valid()

    detached = tmp_path / "detached"
    repo = make_repo(detached, {"b.py": "b\n"})
    repo.git.checkout("--detach")
    workspace = Workspace(detached)
    workspace.write(ChangeSet([FileChange("b.py", "b\n", "B\n")]))
    workspace.undo()
    assert (detached / "b.py").read_text() == "b\n" and repo.head.is_detached


def test_undo_and_rewind_refuse_during_a_merge_in_progress(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"a.py": "base\n", "b.py": "b\n"})
    workspace = Workspace(tmp_path)
    workspace.write(ChangeSet([FileChange("b.py", "b\n", "B\n")]))
    main = repo.active_branch.name
    repo.git.checkout("-q", "-b", "other")
    (tmp_path / "a.py").write_text("theirs\n")
    repo.git.commit("-qam", "theirs")
    repo.git.checkout("-q", main)
    (tmp_path / "a.py").write_text("ours\n")
    repo.git.commit("-qm", "ours", "a.py")
    subprocess.run(["git", "merge", "other"], cwd=tmp_path, capture_output=True)
    assert (tmp_path / ".git" / "MERGE_HEAD").exists()
    with pytest.raises(ApplyError, match="cannot undo during a merge in progress: finish it or abort it first"):
        workspace.undo()
    with pytest.raises(ApplyError, match="cannot rewind during a merge in progress"):
        workspace.rewind(1)
    assert (tmp_path / "b.py").read_text() == "B\n"


def test_outside_git_writes_work_and_undo_says_why_it_cannot(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("one\n")
    workspace = Workspace(tmp_path)
    assert workspace.write(ChangeSet([FileChange("a.py", "one\n", "two\n")])).checkpoint is None
    with pytest.raises(ApplyError, match="is not a git repository"):
        workspace.undo()


def test_undo_redo_checkpoints_and_rewind_headless_each_in_a_new_process(tmp_path: Path) -> None:
    from tests.test_cli import exosuit as run

    def exosuit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return run(*args, cwd=cwd, capture_output=True)

    make_repo(tmp_path, {"calc.py": "def add(a, b):\n    return a - b\n"})
    response = "calc.py\n```python\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b\n>>>>>>> REPLACE\n```\n"
    (tmp_path / "answer.md").write_text(response)
    assert exosuit("apply", "--yes", "answer.md", cwd=tmp_path).returncode == 0
    listed = exosuit("checkpoints", cwd=tmp_path)
    assert listed.returncode == 0 and "   1  " in listed.stdout and "edit" in listed.stdout and "+1 -1  calc.py ← undo" in listed.stdout
    undone = exosuit("undo", cwd=tmp_path)
    assert (undone.returncode, undone.stdout) == (0, "wrote calc.py\n")
    assert "return a - b" in (tmp_path / "calc.py").read_text()
    again = exosuit("undo", cwd=tmp_path)
    assert again.returncode == 1 and "exosuit undo: nothing to undo" in again.stderr
    assert exosuit("redo", cwd=tmp_path).returncode == 0 and "return a + b" in (tmp_path / "calc.py").read_text()
    assert exosuit("rewind", "1", cwd=tmp_path).returncode == 0 and "return a - b" in (tmp_path / "calc.py").read_text()
    assert "rewind of 1" in exosuit("checkpoints", cwd=tmp_path).stdout


def test_the_git_section_sets_how_many_checkpoints_a_session_start_keeps(tmp_path: Path) -> None:
    from app.commands.common import prune_checkpoints
    from app.config import load_config

    make_repo(tmp_path, {"a.py": "0\n"})
    (tmp_path / ".exosuit.toml").write_text("[git]\ncheckpoints_keep = 2\ncheckpoints_days = 7\n")
    workspace = Workspace(tmp_path)
    for i in range(4):
        workspace.write(ChangeSet([FileChange("a.py", f"{i}\n", f"{i + 1}\n")]))
    config = load_config(tmp_path)
    assert (config.git.checkpoints_keep, config.git.checkpoints_days) == (2, 7.0)
    prune_checkpoints(tmp_path, config)
    assert [c.number for c in Checkpoints(tmp_path).history()] == [3, 4]
    prune_checkpoints(tmp_path / "nowhere", config)  # not a repository: nothing to prune, no error


def test_rewind_keeps_crlf_files_exact(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.txt": "x"})
    (tmp_path / "a.txt").write_bytes(b"one\r\ntwo\r\n")
    workspace = Workspace(tmp_path)
    workspace.write(ChangeSet([FileChange("a.txt", "one\r\ntwo\r\n", "one\r\nTWO\r\n")]))
    workspace.rewind(1)
    assert (tmp_path / "a.txt").read_bytes() == b"one\r\ntwo\r\n"

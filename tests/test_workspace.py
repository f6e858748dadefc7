"""The one write gate: policy → checkpoint → atomic apply → undo record, on real git repositories."""

from __future__ import annotations

import ast
from pathlib import Path

import git
import pytest

from app.edits.apply import ApplyError
from app.edits.changeset import ChangeSet, FileChange
from app.workspace import Workspace
from tests.widgets.conftest import make_repo

ROOT = Path(__file__).resolve().parents[1]


def edit(path: str, old: str, new: str) -> ChangeSet:
    return ChangeSet([FileChange(path, old, new)])


def refs(root: Path) -> str:
    return git.Repo(root).git.for_each_ref("refs/exosuit")


def test_a_write_the_policy_refuses_writes_nothing_and_takes_no_checkpoint(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.py": "one\n"})
    (tmp_path / "a.py").write_text("one\nmine\n")  # uncommitted: a write would checkpoint it first
    seen = []

    def policy(changeset: ChangeSet, accepted: object) -> str | None:
        seen.append([f.path for f in changeset.files])
        return "the Files level may not write a.py"

    workspace = Workspace(tmp_path, policy)
    with pytest.raises(ApplyError, match="the Files level may not write a.py"):
        workspace.write(edit("a.py", "one\nmine\n", "ONE\nmine\n"))
    assert seen == [["a.py"]] and (tmp_path / "a.py").read_text() == "one\nmine\n"
    assert refs(tmp_path) == "" and workspace.undoable is None


def test_the_policy_sees_undo_too(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.py": "one\n"})
    allowed = [True]
    workspace = Workspace(tmp_path, lambda changeset, accepted: None if allowed[0] else "frozen")
    workspace.write(edit("a.py", "one\n", "two\n"))
    allowed[0] = False
    with pytest.raises(ApplyError, match="frozen"):
        workspace.undo()
    assert (tmp_path / "a.py").read_text() == "two\n" and workspace.undoable is not None


def test_every_write_is_a_checkpoint_before_and_after_and_says_whose_work_it_kept(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.py": "one\n", "b.py": "bee\n"})
    workspace = Workspace(tmp_path)
    clean = workspace.write(edit("b.py", "bee\n", "BEE\n"))
    assert clean.checkpoint == "refs/exosuit/checkpoints/1" and clean.saved_work == []
    (tmp_path / "a.py").write_text("one\nmine\n")
    written = workspace.write(edit("a.py", "one\nmine\n", "ONE\nmine\n"))
    assert written.checkpoint == "refs/exosuit/checkpoints/2" and written.saved_work == ["a.py"]
    repo = git.Repo(tmp_path)
    assert repo.git.show(f"{written.checkpoint}^:a.py") == "one\nmine"  # before: the person's edit
    assert repo.git.show(f"{written.checkpoint}:a.py") == "ONE\nmine"  # after
    assert repo.git.show(f"{written.checkpoint}:b.py") == "bee"  # not touched: as at HEAD
    assert repo.head.commit.message == "initial" and repo.git.diff("--cached") == ""  # HEAD and the index as they were


def test_a_refused_write_leaves_no_checkpoint(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.py": "one\n"})
    workspace = Workspace(tmp_path)
    with pytest.raises(ApplyError, match="a.py: changed on disk"):
        workspace.write(edit("a.py", "other\n", "two\n"))
    assert refs(tmp_path) == ""


def test_undo_puts_back_the_newest_write_first_then_the_one_before(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.py": "one\n"})
    workspace = Workspace(tmp_path)
    workspace.write(edit("a.py", "one\n", "two\n"))
    workspace.write(ChangeSet([FileChange("a.py", "two\n", "three\n"), FileChange("new.py", None, "x = 1\n")]))
    assert workspace.undo().paths == ["a.py", "new.py"]
    assert (tmp_path / "a.py").read_text() == "two\n" and not (tmp_path / "new.py").exists()
    workspace.undo()
    assert (tmp_path / "a.py").read_text() == "one\n" and workspace.undoable is None
    with pytest.raises(ApplyError, match="nothing to undo"):
        workspace.undo()


def test_undo_of_only_the_accepted_hunks_leaves_the_rest_as_it_is(tmp_path: Path) -> None:
    old = "".join(f"line {i}\n" for i in range(20))
    new = old.replace("line 1\n", "line one\n").replace("line 18\n", "line eighteen\n")
    make_repo(tmp_path, {"a.py": old})
    change = FileChange("a.py", old, new)
    assert len(change.hunks) == 2
    workspace = Workspace(tmp_path)
    workspace.write(ChangeSet([change]), {"a.py": [1]})
    assert (tmp_path / "a.py").read_text() == old.replace("line 18\n", "line eighteen\n")
    workspace.undo()
    assert (tmp_path / "a.py").read_text() == old


def test_a_write_that_changes_nothing_leaves_no_undo_record(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.py": "one\n"})
    workspace = Workspace(tmp_path)
    assert workspace.write(ChangeSet([])).paths == [] and workspace.undoable is None and refs(tmp_path) == ""


def test_the_gate_is_the_only_caller_of_apply_changeset() -> None:
    callers = []
    for path in [*ROOT.joinpath("app").rglob("*.py"), *ROOT.joinpath("widgets").rglob("*.py")]:
        tree = ast.parse(path.read_text())
        names = {n.func.id if isinstance(n.func, ast.Name) else getattr(n.func, "attr", "") for n in ast.walk(tree) if isinstance(n, ast.Call)}
        if "apply_changeset" in names:
            callers.append(path.relative_to(ROOT).as_posix())
    assert callers == ["app/workspace.py"]

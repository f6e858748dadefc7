"""Reviewing the working tree against HEAD: what is listed, and what rejecting does on disk and in
the index. Real git repositories in temp dirs; the review decisions go through `Review` and
`RevertRejected`, as the review screen's do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import git
import pytest

from app.edits.apply import ApplyError
from app.edits.changeset import ChangeSet
from app.review import RevertRejected, Review, ReviewResult
from app.workspace import Workspace
from app.git.worktree import untracked_files, working_tree_changeset
from tests.widgets.conftest import make_repo

MAIN = Path(__file__).resolve().parents[1]
FILES = {
    "app.py": "".join(f"line {i}\n" for i in range(30)),
    "old_name.py": "print('renamed')\n",
    "moved.py": "print('moved')\n",
    "gone.py": "print('gone')\n",
    "removed.py": "print('removed')\n",
    ".gitignore": "*.log\n",
}
EDITED = FILES["app.py"].replace("line 3\n", "line three\n").replace("line 25\n", "")


@pytest.fixture
def repo(tmp_path: Path) -> git.Repo:
    return make_repo(tmp_path, FILES)


def root(repo: git.Repo) -> Path:
    return Path(repo.working_tree_dir)


def revert(repo: git.Repo) -> RevertRejected:
    return RevertRejected(Workspace(root(repo)))


def review(repo: git.Repo, *, reject: set[str]) -> ReviewResult:
    """Review the working tree, rejecting every hunk of the files in `reject`, accepting the rest."""
    changeset, _ = working_tree_changeset(root(repo))
    marks = Review(changeset)
    for index, change in enumerate(changeset.files):
        marks.decide_file(index, accepted=change.path not in reject)
    return revert(repo).write(marks.result())


def status(repo: git.Repo) -> list[str]:
    return repo.git.status("--porcelain", "--untracked-files=all").splitlines()


def test_untracked_files_are_left_out_counted_and_never_touched(repo: git.Repo) -> None:
    (root(repo) / "app.py").write_text(EDITED)
    (root(repo) / ".env").write_text("API_KEY=secret\n")
    (root(repo) / "notes").mkdir()
    (root(repo) / "notes" / "todo.txt").write_text("todo\n")
    (root(repo) / "debug.log").write_text("ignored\n")
    changeset, skipped = working_tree_changeset(root(repo))
    assert [f.path for f in changeset.files] == ["app.py"] and skipped == []
    assert sorted(untracked_files(root(repo))) == [".env", "notes/todo.txt"]
    result = review(repo, reject={"app.py"})
    assert result.written == ["app.py"] and result.deleted == []
    assert (root(repo) / "app.py").read_text() == FILES["app.py"]
    assert (root(repo) / ".env").read_text() == "API_KEY=secret\n"
    assert (root(repo) / "notes" / "todo.txt").exists() and (root(repo) / "debug.log").exists()


def test_an_intent_to_add_file_is_reviewed_as_new_and_rejecting_it_discards_the_addition(repo: git.Repo) -> None:
    """As `git checkout -p HEAD` does ("Discard addition from index and worktree"): the file goes
    from disk and the intent-to-add entry from the index; the checkpoint keeps its text."""
    (root(repo) / "draft.py").write_text("print('draft')\n")
    (root(repo) / "keep.py").write_text("print('keep')\n")
    repo.git.add("-N", "draft.py", "keep.py")
    changeset, _ = working_tree_changeset(root(repo))
    assert [(f.path, f.is_new, f.new_text) for f in changeset.files] == [
        ("draft.py", True, "print('draft')\n"),
        ("keep.py", True, "print('keep')\n"),
    ]
    result = review(repo, reject={"draft.py"})
    assert result.deleted == ["draft.py"] and not (root(repo) / "draft.py").exists()
    assert repo.git.show(f"{result.checkpoint}^:draft.py") == "print('draft')"
    assert status(repo) == [" A keep.py"]  # the accepted one is still only intended to be added
    assert "Deleted draft.py" in revert(repo).summary(result)


def test_rejecting_a_change_staged_whole_unstages_it_too(repo: git.Repo) -> None:
    (root(repo) / "app.py").write_text(EDITED)
    (root(repo) / "added.py").write_text("print('added')\n")
    repo.git.add("app.py", "added.py")
    changeset, _ = working_tree_changeset(root(repo))
    assert [(f.path, f.is_new) for f in changeset.files] == [("added.py", True), ("app.py", False)]
    result = review(repo, reject={"app.py", "added.py"})
    assert status(repo) == []  # `git commit` will not bring a rejected hunk back
    assert result.staged_kept == [] and (root(repo) / "app.py").read_text() == FILES["app.py"]
    assert repo.git.show(f"{result.checkpoint}^:added.py") == "print('added')"


def test_a_file_staged_apart_from_the_working_tree_keeps_its_staged_version_and_says_so(repo: git.Repo) -> None:
    staged = FILES["app.py"].replace("line 3\n", "line three\n")
    (root(repo) / "app.py").write_text(staged)
    repo.git.add("app.py")
    (root(repo) / "app.py").write_text(EDITED)
    result = review(repo, reject={"app.py"})
    assert (root(repo) / "app.py").read_text() == FILES["app.py"]
    assert repo.git.show(":app.py") + "\n" == staged  # the index is left as it was
    assert result.staged_kept == ["app.py"]
    assert "Staged changes left in the index: app.py" in revert(repo).summary(result)


def test_deleted_tracked_files_are_listed_and_rejecting_restores_them(repo: git.Repo) -> None:
    (root(repo) / "gone.py").unlink()  # deleted on disk only
    repo.git.rm("-q", "removed.py")  # deleted and staged
    changeset, _ = working_tree_changeset(root(repo))
    assert [(f.path, f.is_deleted) for f in changeset.files] == [("gone.py", True), ("removed.py", True)]
    result = review(repo, reject={"gone.py", "removed.py"})
    assert sorted(result.written) == ["gone.py", "removed.py"]
    assert (root(repo) / "removed.py").read_text() == FILES["removed.py"]
    assert status(repo) == []


def test_renames_show_as_a_deletion_and_an_addition_and_an_unstaged_move_leaves_the_new_name_alone(
    repo: git.Repo,
) -> None:
    repo.git.mv("old_name.py", "new_name.py")  # staged rename: both names are tracked
    os.rename(root(repo) / "moved.py", root(repo) / "moved_here.py")  # plain mv: the new name is untracked
    changeset, _ = working_tree_changeset(root(repo))
    assert [(f.path, f.is_new, f.is_deleted) for f in changeset.files] == [
        ("moved.py", False, True),
        ("new_name.py", True, False),
        ("old_name.py", False, True),
    ]
    assert untracked_files(root(repo)) == ["moved_here.py"]
    review(repo, reject={"moved.py", "new_name.py", "old_name.py"})
    assert status(repo) == ["?? moved_here.py"]
    assert (root(repo) / "moved_here.py").read_text() == FILES["moved.py"]


def test_accepting_everything_changes_nothing(repo: git.Repo) -> None:
    (root(repo) / "app.py").write_text(EDITED)
    repo.git.mv("old_name.py", "new_name.py")
    before = status(repo)
    result = review(repo, reject=set())
    assert result.checkpoint is None and result.written == result.deleted == []
    assert status(repo) == before


def exosuit_review(repo: git.Repo) -> subprocess.CompletedProcess[str]:
    """`exosuit review` with no terminal, as a script would run it."""
    env = {**os.environ, "PYTHONPATH": str(MAIN)}
    command = [sys.executable, "-m", "app.cli", "--repo", str(root(repo)), "review"]
    return subprocess.run(command, capture_output=True, text=True, cwd=MAIN, env=env, stdin=subprocess.DEVNULL)


def test_the_command_says_how_many_untracked_files_it_left_out(repo: git.Repo) -> None:
    (root(repo) / ".env").write_text("API_KEY=secret\n")
    result = exosuit_review(repo)
    assert (result.returncode, result.stdout) == (0, "No uncommitted changes to review.\n")
    assert result.stderr == "left out 1 untracked file; `git add -N PATH` brings one into the review\n"
    (root(repo) / "app.py").write_text(EDITED)
    (root(repo) / "scratch.txt").write_text("x\n")
    result = exosuit_review(repo)
    assert result.returncode == 2  # no terminal to review in
    assert "left out 2 untracked files" in result.stderr


def commit_script(repo: git.Repo, mode: int = 0o755) -> Path:
    script = root(repo) / "run.sh"
    script.write_text("echo hi\n")
    script.chmod(mode)
    repo.index.add(["run.sh"])
    repo.index.commit("a script")
    return script


def test_a_binary_file_is_named_and_a_mode_change_is_a_hunk_of_its_own(repo: git.Repo) -> None:
    """`git status` shows both; the review used to say "No uncommitted changes"."""
    (root(repo) / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    repo.index.add(["logo.png"])
    script = commit_script(repo)
    (root(repo) / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xfe")
    script.chmod(0o644)
    changeset, left_out = working_tree_changeset(root(repo))
    assert left_out == ["logo.png: not a text file"]
    [change] = changeset.files
    assert [h.header for h in change.hunks] == ["mode 100755 → 100644"]
    assert change.unified_diff().startswith("old mode 100755\nnew mode 100644\n")
    script.write_text("echo bye\n")
    [change] = working_tree_changeset(root(repo))[0].files
    assert [h.header for h in change.hunks] == ["mode 100755 → 100644", "@@ -1,1 +1,1 @@"]


def test_rejecting_a_mode_change_puts_the_mode_back_and_keeps_the_accepted_text(repo: git.Repo) -> None:
    script = commit_script(repo, 0o644)
    script.write_text("echo bye\n")
    script.chmod(0o755)
    changeset, _ = working_tree_changeset(root(repo))
    marks = Review(changeset)
    marks.decide(0, 0, accepted=False)  # the mode change
    marks.decide(0, 1, accepted=True)
    result = revert(repo).write(marks.result())
    assert result.written == ["run.sh"] and script.stat().st_mode & 0o777 == 0o644
    assert script.read_text() == "echo bye\n"
    assert status(repo) == [" M run.sh"] and "new mode" not in repo.git.diff()
    assert repo.git.ls_tree(f"{result.checkpoint}^", "run.sh").startswith("100755")  # the checkpoint has it


def test_rejecting_only_the_text_keeps_the_new_mode(repo: git.Repo) -> None:
    script = commit_script(repo, 0o644)
    script.write_text("echo bye\n")
    script.chmod(0o750)
    result = review_hunks(repo, {1})
    assert script.read_text() == "echo hi\n" and script.stat().st_mode & 0o777 == 0o750
    assert result.written == ["run.sh"] and repo.git.diff() == "diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755"


def review_hunks(repo: git.Repo, rejected: set[int]) -> ReviewResult:
    """Review the only changed file, rejecting the hunks at `rejected` and accepting the rest."""
    changeset, _ = working_tree_changeset(root(repo))
    marks = Review(changeset)
    for index in range(len(changeset.files[0].hunks)):
        marks.decide(0, index, accepted=index not in rejected)
    return revert(repo).write(marks.result())


def test_a_mode_changed_again_during_the_review_is_not_overwritten(repo: git.Repo) -> None:
    script = commit_script(repo)
    script.chmod(0o644)
    changeset, _ = working_tree_changeset(root(repo))
    marks = Review(changeset)
    marks.decide(0, 0, accepted=False)
    script.chmod(0o755)
    with pytest.raises(ApplyError, match="run.sh: its mode changed on disk"):
        revert(repo).write(marks.result())
    assert script.stat().st_mode & 0o777 == 0o755 and not repo.git.for_each_ref("refs/exosuit")


def test_with_core_filemode_off_modes_are_not_changes(repo: git.Repo) -> None:
    script = commit_script(repo)
    repo.git.config("core.fileMode", "false")
    script.chmod(0o644)
    assert working_tree_changeset(root(repo)) == (ChangeSet([]), [])
    script.write_text("echo bye\n")
    [change] = working_tree_changeset(root(repo))[0].files
    assert [h.mode for h in change.hunks] == [None]


def test_a_file_that_was_a_symlink_at_head_is_left_out(repo: git.Repo) -> None:
    (root(repo) / "link").symlink_to("app.py")
    repo.index.add(["link"])
    repo.index.commit("a link")
    (root(repo) / "link").unlink()
    (root(repo) / "link").write_text("app.py")
    assert working_tree_changeset(root(repo)) == (ChangeSet([]), ["link: a symbolic link at HEAD"])

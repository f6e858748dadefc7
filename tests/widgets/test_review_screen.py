"""Every key of the review screen, driven with Pilot on a real git repository; files checked on disk."""

from __future__ import annotations

from pathlib import Path

import git
from textual.widgets import TextArea

from app.review import HunkState, ReviewResult
from app.git.worktree import working_tree_changeset
from app.review import RevertRejected, WriteAccepted
from app.workspace import Workspace
from scripts.review_samples import (
    LEGACY_OLD,
    README_NEW,
    README_OLD,
    SERVER_NEW,
    SERVER_OLD,
    large_changeset,
    sample_changeset,
)
from tests.widgets.conftest import make_repo
from widgets.diff_view import DiffView
from widgets.review import FileList, ReviewScreen
from widgets.review_command import ReviewApp
from widgets.review_dialogs import CommentScreen, ConfirmScreen, EditScreen, HelpScreen

SIZE = (120, 36)


def disk(repo: Path) -> dict[str, str]:
    """Every non-git file under `repo`, path -> text."""
    return {
        p.relative_to(repo).as_posix(): p.read_text(encoding="utf-8")
        for p in repo.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(repo).parts
    }


def unchanged(repo: Path) -> bool:
    return disk(repo) == {"server.py": SERVER_OLD, "README.md": README_OLD, "legacy.py": LEGACY_OLD}


def screen(app: ReviewApp) -> ReviewScreen:
    assert isinstance(app.screen, ReviewScreen), app.screen
    return app.screen


async def test_y_and_n_decide_and_advance_and_ctrl_s_writes_only_accepted(sample_repo: Path) -> None:
    app = ReviewApp(sample_changeset(), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = screen(app).diff_view
        assert view.cursor == (0, 0)
        await pilot.press("y")
        assert view.cursor == (0, 1)
        await pilot.press("n")
        assert view.cursor == (1, 0)
        await pilot.press("ctrl+s")
        await pilot.pause()
    result = app.return_value
    assert isinstance(result, ReviewResult) and result.applied
    expected = sample_changeset().files[0].text_with([0])
    assert expected not in (SERVER_OLD, SERVER_NEW)
    assert disk(sample_repo) == {"server.py": expected, "README.md": README_OLD, "legacy.py": LEGACY_OLD}
    assert result.written == ["server.py"]
    assert [(d.path, d.hunk, d.accepted) for d in result.decisions] == [("server.py", 0, True), ("server.py", 1, False)]
    assert all(d.seconds >= 0 for d in result.decisions)
    assert "Not written: server.py: 1 rejected of 2 hunks" in app.target.summary(result)


async def test_j_k_and_arrows_move_between_hunks(sample_repo: Path) -> None:
    app = ReviewApp(sample_changeset(), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = screen(app).diff_view
        await pilot.press("j")
        assert view.cursor == (0, 1)
        await pilot.press("j")
        assert view.cursor == (1, 0)
        await pilot.press("k")
        assert view.cursor == (0, 1)
        await pilot.press("down", "down")
        assert view.cursor == (2, 0)
        await pilot.press("up")
        assert view.cursor == (1, 0)
        await pilot.press("k", "k", "k")
        assert view.cursor == (0, 0)
        # The current hunk's header is on screen after every move.
        await pilot.press("j", "j", "j", "j")
        assert view.cursor == (3, 0)
        top = view.hunk_row(3, 0)
        assert view.scroll_y <= top < view.scroll_y + view.scrollable_content_region.height
        await pilot.press("q")
    assert unchanged(sample_repo)


async def test_shift_j_and_k_move_between_files(sample_repo: Path) -> None:
    app = ReviewApp(sample_changeset(), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = screen(app).diff_view
        files = app.screen.query_one(FileList)
        await pilot.press("J")
        assert view.cursor == (1, 0) and files.highlighted == 1
        await pilot.press("J", "J", "J")
        assert view.cursor == (3, 0) and files.highlighted == 3
        await pilot.press("K", "K")
        assert view.cursor == (1, 0) and files.highlighted == 1


async def test_capital_y_and_n_decide_whole_files(sample_repo: Path) -> None:
    app = ReviewApp(sample_changeset(), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = screen(app).diff_view
        await pilot.press("Y")
        assert [m.state for m in screen(app).review.marks[0]] == [HunkState.ACCEPTED] * 2
        assert view.cursor == (1, 0)
        await pilot.press("N", "Y", "Y")
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert disk(sample_repo) == {"server.py": SERVER_NEW, "README.md": README_NEW}
    assert sorted(app.return_value.deleted) == ["legacy.py"]


async def test_u_undoes_the_last_decision(sample_repo: Path) -> None:
    app = ReviewApp(sample_changeset(), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        review = screen(app).review
        await pilot.press("y", "n")
        await pilot.press("u")
        assert screen(app).diff_view.cursor == (0, 1)
        assert [m.state for m in review.marks[0]] == [HunkState.ACCEPTED, HunkState.PENDING]
        await pilot.press("u")
        assert [m.state for m in review.marks[0]] == [HunkState.PENDING, HunkState.PENDING]
        assert review.decisions == []
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.target.summary(app.return_value).startswith("Nothing written.")
    assert unchanged(sample_repo)


async def test_s_splits_a_hunk_and_only_the_accepted_part_is_written(sample_repo: Path) -> None:
    app = ReviewApp(sample_changeset(), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        changeset = screen(app).review.changeset
        before = len(changeset.files[0].hunks)
        await pilot.press("s")
        after = len(changeset.files[0].hunks)
        assert after > before
        # The first block (the module docstring) is accepted, everything else rejected.
        await pilot.press("y")
        for _ in range(after - 1):
            await pilot.press("n")
        await pilot.press("ctrl+s")
        await pilot.pause()
    server = disk(sample_repo)["server.py"]
    assert server == SERVER_OLD.replace("health checks", "health and readiness checks")


async def test_s_on_a_single_change_does_nothing(sample_repo: Path) -> None:
    app = ReviewApp(sample_changeset(), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("J")  # test_server.py, a new file: one block
        await pilot.press("s")
        assert len(screen(app).review.changeset.files[1].hunks) == 1
        assert not screen(app).review.can_undo


async def test_e_edits_the_proposed_lines_then_accepts_them(sample_repo: Path) -> None:
    app = ReviewApp(sample_changeset(), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("J", "J")  # README.md
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, EditScreen)
        editor = app.screen.query_one(TextArea)
        assert "readiness" in editor.text
        editor.text = "A tiny server that answers health checks, quickly.\n"
        editor.move_cursor((0, 0))
        await pilot.press("y", "n")  # printable keys go to the editor, not to the review
        assert editor.text.startswith("ynA tiny")
        await pilot.press("ctrl+s")
        await pilot.pause()
        review = screen(app).review
        assert review.marks[2][0].state is HunkState.ACCEPTED
        assert review.decisions[-1].edited
        await pilot.press("ctrl+s")
        await pilot.pause()
    # The hunk proposed lines 3-6; all of them were replaced by the edited line.
    assert disk(sample_repo)["README.md"] == "# healthd\n\nynA tiny server that answers health checks, quickly.\n"


async def test_escape_in_the_editor_cancels(sample_repo: Path) -> None:
    app = ReviewApp(sample_changeset(), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert screen(app).review.decisions == []


async def test_r_rejects_with_a_comment_that_goes_back_to_the_model(sample_repo: Path) -> None:
    app = ReviewApp(sample_changeset(), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("y", "r")
        await pilot.pause()
        assert isinstance(app.screen, CommentScreen)
        await pilot.press(*"keep 0.0.0.0", "enter")
        await pilot.pause()
        assert screen(app).diff_view.cursor == (1, 0)
        await pilot.press("Y", "Y", "Y", "ctrl+s")
        await pilot.pause()
    result = app.return_value
    mark = result.marks["server.py"][1]
    assert mark.state is HunkState.REJECTED and mark.comment == "keep 0.0.0.0"
    assert result.decisions[1].comment == "keep 0.0.0.0"
    feedback = result.feedback_for_model()
    assert feedback is not None
    assert "server.py, hunk 2 of 2: REJECTED" in feedback and "keep 0.0.0.0" in feedback
    assert 'HTTPServer(("", port), Handler)' in feedback
    assert "NOT fully applied" in feedback
    assert '("127.0.0.1", port)' not in disk(sample_repo)["server.py"]


async def test_q_without_decisions_closes_and_writes_nothing(sample_repo: Path) -> None:
    app = ReviewApp(sample_changeset(), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("j", "q")
        await pilot.pause()
    assert app.return_value is not None and not app.return_value.applied
    assert unchanged(sample_repo)


async def test_q_and_escape_after_decisions_ask_first(sample_repo: Path) -> None:
    app = ReviewApp(sample_changeset(), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("y", "q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
    assert not app.return_value.applied
    assert len(app.return_value.decisions) == 1
    assert unchanged(sample_repo)


async def test_question_mark_shows_the_help_and_any_key_closes_it(sample_repo: Path) -> None:
    app = ReviewApp(sample_changeset(), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert screen(app).review.decisions == []  # the key closed the help, nothing else


async def test_t_toggles_side_by_side_and_z_unfolds_context(sample_repo: Path) -> None:
    app = ReviewApp(sample_changeset(), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = screen(app).diff_view
        unified_height = view.virtual_size.height
        await pilot.press("j", "t")
        assert view.split and view.cursor == (0, 1)
        assert view.virtual_size.height < unified_height  # removed/added lines share rows
        await pilot.press("t")
        assert not view.split and view.virtual_size.height == unified_height
        # server.py has two folds of 2 unchanged lines: each fold row becomes 2 rows.
        await pilot.press("z")
        assert view.virtual_size.height == unified_height + 2
        await pilot.press("z")
        assert view.virtual_size.height == unified_height


async def test_clicks_select_files_and_hunks(sample_repo: Path) -> None:
    app = ReviewApp(sample_changeset(), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = screen(app).diff_view
        assert await pilot.click(FileList, offset=(3, 2))
        await pilot.pause()
        assert view.cursor == (2, 0)
        height = view.scrollable_content_region.height
        visible = [p for p in view.hunk_positions() if 0 <= view.hunk_row(*p) - view.scroll_y < height - 1]
        target = next(p for p in visible if p != view.cursor)
        row = view.hunk_row(*target) - int(view.scroll_y)
        assert await pilot.click(DiffView, offset=(10, row + 1))
        assert view.cursor == target


async def test_a_file_changed_during_the_review_is_not_overwritten(sample_repo: Path) -> None:
    app = ReviewApp(sample_changeset(), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("Y", "Y")
        (sample_repo / "server.py").write_text("# edited by hand\n", encoding="utf-8")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)  # still reviewing; nothing written
    assert disk(sample_repo) == {"server.py": "# edited by hand\n", "README.md": README_OLD, "legacy.py": LEGACY_OLD}


async def test_working_tree_review_reverts_rejected_hunks_after_a_checkpoint(sample_repo: Path) -> None:
    (sample_repo / "server.py").write_text(SERVER_NEW, encoding="utf-8")
    (sample_repo / "notes.txt").write_text("scratch\n", encoding="utf-8")
    (sample_repo / ".env").write_text("KEY=secret\n", encoding="utf-8")  # untracked: not reviewed
    git.Repo(sample_repo).git.add("-N", "notes.txt")  # intent to add: reviewed as a new file
    changeset, skipped = working_tree_changeset(sample_repo)
    assert [f.path for f in changeset.files] == ["notes.txt", "server.py"] and skipped == []
    app = ReviewApp(changeset, RevertRejected(Workspace(sample_repo)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("n")  # notes.txt: rejecting the addition deletes it (the checkpoint keeps it)
        await pilot.press("y", "n")  # server.py: keep the first hunk, revert the second
        await pilot.press("ctrl+s")
        await pilot.pause()
    result = app.return_value
    expected = changeset.files[1].text_with([0])
    kept = {"README.md": README_OLD, "legacy.py": LEGACY_OLD, ".env": "KEY=secret\n"}
    assert disk(sample_repo) == {"server.py": expected, **kept}
    assert result.checkpoint is not None
    repo = git.Repo(sample_repo)
    saved = repo.commit(f"{result.checkpoint}^")  # the files the revert touched, as they were before it
    assert (saved.tree / "server.py").data_stream.read().decode() == SERVER_NEW
    assert (saved.tree / "notes.txt").data_stream.read().decode() == "scratch\n"  # deleted by the revert, kept here
    assert saved.parents[0] == repo.head.commit
    assert repo.git.diff("--cached") == ""  # the index was not touched


async def test_a_mode_change_is_shown_decided_and_reverted_like_a_hunk(sample_repo: Path) -> None:
    repo = git.Repo(sample_repo)
    script = sample_repo / "run.sh"
    script.write_text("echo hi\n")
    script.chmod(0o755)
    repo.index.add(["run.sh"])
    repo.index.commit("a script")
    script.chmod(0o644)
    changeset, _ = working_tree_changeset(sample_repo)
    app = ReviewApp(changeset, RevertRejected(Workspace(sample_repo)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = screen(app).query_one(DiffView)
        shown = "\n".join(view.render_line(y).text for y in range(view.scrollable_content_region.height))
        assert "mode 100755 → 100644  chmod -x  hunk 1/1" in shown and "● pending" in shown
        await pilot.press("e")  # nothing to edit
        await pilot.pause()
        assert [n.message for n in app._notifications] == ["A mode change has no proposed lines to edit."]
        await pilot.press("n", "ctrl+s")
        await pilot.pause()
    assert app.return_value.written == ["run.sh"] and script.stat().st_mode & 0o100
    assert repo.git.status("--porcelain") == ""


async def test_only_the_visible_rows_of_a_large_diff_are_rendered(tmp_path: Path) -> None:
    make_repo(tmp_path, {"README": "x\n"})
    app = ReviewApp(large_changeset(10_000, 50), WriteAccepted(Workspace(tmp_path)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = screen(app).diff_view
        assert view.virtual_size.height > 15_000
        first = view.renders
        assert 0 < first <= 3 * view.size.height
        await pilot.press("J", "j", "y", "t")
        await pilot.pause()
        assert view.renders - first <= 8 * view.size.height


async def test_an_empty_changeset_says_so_and_every_key_is_harmless(sample_repo: Path) -> None:
    from app.edits.changeset import ChangeSet

    app = ReviewApp(ChangeSet([]), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = screen(app).diff_view
        assert "Nothing to review." in view.render_line(0).text
        await pilot.press("j", "k", "J", "K", "y", "n", "Y", "N", "s", "e", "u", "t", "z", "ctrl+s")
        await pilot.pause()
    assert app.return_value.applied and app.target.summary(app.return_value) == "Nothing written."
    assert unchanged(sample_repo)


async def test_clicking_a_fold_shows_the_unchanged_lines(sample_repo: Path) -> None:
    app = ReviewApp(sample_changeset(), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = screen(app).diff_view
        height = view.virtual_size.height
        await pilot.press("j")  # hunk 2 of server.py, between two folds
        fold = next(y for y in range(view.scrollable_content_region.height) if "unchanged line" in view.render_line(y).text)
        assert await pilot.click(DiffView, offset=(10, fold))
        await pilot.pause()
        assert 0 in view.expanded and view.virtual_size.height == height + 2


async def test_a_key_renders_only_the_rows_whose_look_it_changes(sample_repo: Path) -> None:
    """Moving the cursor restyles two hunk headers (the cursor bar is drawn on the cached rows);
    accepting a hunk restyles its header and the file's header. Nothing else is rendered again."""
    app = ReviewApp(sample_changeset(), WriteAccepted(Workspace(sample_repo)))
    async with app.run_test(size=(120, 80)) as pilot:  # tall enough that nothing scrolls
        await pilot.pause()
        while highlighting := [w for w in app.workers if w.group == "highlight" and not w.is_finished]:
            await app.workers.wait_for_complete(highlighting)
            await pilot.pause()
        view = screen(app).diff_view
        scroll_y, before = view.scroll_y, view.renders
        await pilot.press("j")
        await pilot.pause()
        assert view.cursor == (0, 1) and view.scroll_y == scroll_y  # nothing scrolled
        assert view.renders - before == 2
        before = view.renders
        await pilot.press("k")
        await pilot.pause()
        assert view.renders == before  # both header looks are cached from before
        await pilot.press("y")
        await pilot.pause()
        assert view.cursor == (0, 1) and view.scroll_y == scroll_y
        assert view.renders - before == 2  # the decided hunk's header and the file's (j drew the next one)

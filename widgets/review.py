"""ReviewScreen: accept or reject a ChangeSet hunk by hunk, from the keyboard, then write it.

The screen owns a `Review` (marks, decision log, undo) and shows it in three widgets: a file list
with each file's state, the `DiffView` with the hunk cursor, and a bar with the counts and keys.
`ctrl+s` has the screen's `ReviewTarget` write the review through the workspace's gate (the
screen itself writes nothing) and dismisses the screen with the `ReviewResult`; `q` dismisses it
with nothing written.
"""

from __future__ import annotations

import time
from typing import ClassVar

from rich.segment import Segment
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

from app.edits.apply import ApplyError
from app.edits.changeset import ChangeSet
from app.languages import language_for
from app.review import HunkState, Review, ReviewResult, ReviewTarget
from widgets.diff_view import DiffView, mode_label
from widgets.file_list import FileList
from widgets.review_dialogs import CommentScreen, ConfirmScreen, EditScreen, HelpScreen

BADGES = {
    HunkState.ACCEPTED: ("✓", "success"),
    HunkState.REJECTED: ("✗", "error"),
    HunkState.PENDING: ("●", "warning"),
    None: ("◐", "accent"),
}
"""File state -> (badge, theme colour); None is a file with hunks in different states."""

BAR_KEYS = [
    ("j/k", "hunk", 1), ("J/K", "file", 3), ("y/n", "accept/reject", 0), ("Y/N", "file", 2),
    ("r", "comment", 1), ("e", "edit", 1), ("s", "split", 3), ("u", "undo", 2), ("t", "view", 3),
    ("^s", "apply", 0), ("q", "quit", 0), ("?", "help", 0),
]  # fmt: skip
"""(key, what it does, rank): when the bar is too narrow for every key, the highest ranks go first."""


class ReviewBar(Widget):
    """Counts of accepted / rejected / pending hunks and where the cursor is; below, the keys.

    Each line fits the width: the first is cut short, the keys leave out the least needed ones.
    """

    DEFAULT_CSS = """
    ReviewBar {
        height: 2;
        background: $panel;
        padding: 0 1;
    }
    """

    content: reactive[Text] = reactive(Text)
    """The first line (the screen sets it)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._drawn: dict[int, tuple[int, Strip]] = {}
        """Line -> (the width it was drawn for, the line as drawn); the status line is dropped
        when the content changes, both when the styles do."""

    def watch_content(self) -> None:
        self._drawn.pop(0, None)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._drawn.clear()

    def render_line(self, y: int) -> Strip:
        # Drawn line by line: through Textual's text layout it took ~1.7 ms a key, and the keys
        # line (~1 ms to lay out) changes only with the width.
        width = self.content_size.width
        if y > 1:
            return Strip.blank(width)
        drawn = self._drawn.get(y)
        if drawn is None or drawn[0] != width:
            line = self._status(width) if y == 0 else self._keys(width)
            strip = Strip(Segment.apply_style(line.render(self.app.console), self.rich_style))
            drawn = self._drawn[y] = (width, strip)
        return drawn[1]

    def render(self) -> Text:
        width = self.content_size.width
        return Text("\n").join([self._status(width), self._keys(width)])

    def _status(self, width: int) -> Text:
        """The content, cut short to `width`."""
        status = self.content.copy()
        status.truncate(width, overflow="ellipsis")
        return status

    def _keys(self, width: int) -> Text:
        """The keys of the highest rank that fit in `width`."""
        accent = self.app.current_theme.accent
        for rank in range(max(rank for *_, rank in BAR_KEYS), -1, -1):
            keys = Text()
            for key, description, key_rank in BAR_KEYS:
                if key_rank <= rank:
                    keys.append(f" {key}", f"bold {accent}")
                    keys.append(f" {description} ", "dim")
            keys.rstrip()
            if keys.cell_len <= width:
                break
        return keys


class ReviewScreen(Screen[ReviewResult]):
    """Review a ChangeSet; dismissed with a `ReviewResult` (`applied` tells whether it was written)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "decide(True)", "Accept"),
        Binding("n", "decide(False)", "Reject"),
        Binding("Y", "decide_file(True)", "Accept file"),
        Binding("N", "decide_file(False)", "Reject file"),
        Binding("r", "reject_with_comment", "Reject with comment"),
        Binding("e", "edit", "Edit"),
        Binding("s", "split", "Split"),
        Binding("u", "undo", "Undo"),
        Binding("ctrl+s", "apply", "Apply", priority=True),
        Binding("q,escape", "close", "Close"),
        Binding("question_mark", "help", "Help"),
    ]

    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (100, "-wide")]
    """Below 100 columns the file list is hidden: the diff needs the width (J/K still go by file)."""

    DEFAULT_CSS = """
    ReviewScreen {
        layout: vertical;
        & > Horizontal { height: 1fr; }
        & DiffView { width: 1fr; height: 1fr; }
        &.-narrow FileList, &.-single-file FileList { display: none; }
    }
    """

    def __init__(
        self,
        changeset: ChangeSet,
        target: ReviewTarget,
        *,
        conversation: bool = False,
    ) -> None:
        """
        Args:
            changeset: The changes to review (split and edited in place as the reviewer works).
            target: What ctrl+s writes (the accepted hunks, or reverts of the rejected ones).
            conversation: The review belongs to a model conversation (comments go back to it).
        """
        super().__init__()
        self.review = Review(changeset)
        self.target = target
        self.conversation = conversation
        self._since = time.monotonic()

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield FileList(id="files")
            yield DiffView(self.review.changeset, self.review.marks, id="diff")
        yield ReviewBar(id="bar")

    def on_mount(self) -> None:
        self.diff_view.focus()
        files = range(len(self.review.changeset.files))
        self.set_class(len(files) == 1, "-single-file")  # the diff's own header names the file
        self.query_one(FileList).set_labels([self._file_label(i) for i in files])
        self.watch(self.diff_view, "cursor", self._cursor_moved, init=False)
        self._update()

    @property
    def diff_view(self) -> DiffView:
        return self.query_one(DiffView)

    # -- decisions ---------------------------------------------------------------------------

    def action_decide(self, accepted: bool, comment: str = "") -> None:
        if self._cursor() is None:
            return
        file_index, hunk_index = self._cursor()
        self.review.decide(file_index, hunk_index, accepted, comment, self._elapsed())
        self.diff_view.refresh_hunk(file_index, hunk_index)
        self._advance(file_index)

    def action_decide_file(self, accepted: bool) -> None:
        if self._cursor() is None:
            return
        file_index = self._cursor()[0]
        self.review.decide_file(file_index, accepted, self._elapsed())
        for hunk_index in range(len(self.review.changeset.files[file_index].hunks)):
            self.diff_view.refresh_hunk(file_index, hunk_index)
        self.diff_view.action_next_file()
        self._update(file_index)

    def action_reject_with_comment(self) -> None:
        if self._cursor() is None:
            return
        cursor = self._cursor()

        def rejected(comment: str | None) -> None:
            if comment is not None:
                self.diff_view.select(*cursor)
                self.action_decide(False, comment)
                if not self.conversation:
                    self.notify("Comment recorded; there is no model conversation to send it to.")

        self.app.push_screen(CommentScreen(self._where()), rejected)

    def action_edit(self) -> None:
        if self._cursor() is None:
            return
        file_index, hunk_index = cursor = self._cursor()
        change = self.review.changeset.files[file_index]
        mode = change.hunks[hunk_index].mode
        if change.is_deleted or mode:
            what = "A mode change" if mode else "A deletion"
            self.notify(f"{what} has no proposed lines to edit.", severity="warning")
            return

        def edited(text: str | None) -> None:
            if text is None:
                return
            decision = self.review.edit(*cursor, text, self._elapsed())
            self.diff_view.refresh_file(file_index)
            if decision is None:
                self.notify("The edit leaves nothing changed: the hunk is gone.")
                self._update(file_index)
            else:
                self.diff_view.select(*cursor)
                self._advance(file_index)

        text = change.proposed_text(hunk_index)
        self.app.push_screen(EditScreen(self._where(), text, language_for(change.path)), edited)

    def action_split(self) -> None:
        if self._cursor() is None:
            return
        file_index, _ = cursor = self._cursor()
        if self.review.split(*cursor):
            self.diff_view.refresh_file(file_index)
            self._update(file_index)
        else:
            self.notify("This hunk is a single change; it cannot be split further.")

    def action_undo(self) -> None:
        undone = self.review.undo()
        if undone is None:
            self.notify("Nothing to undo.")
            return
        self.diff_view.refresh_file(undone[0])
        self.diff_view.select(*undone)
        self._update(undone[0])

    # -- closing -----------------------------------------------------------------------------

    def action_apply(self) -> None:
        try:
            result = self.target.write(self.review.result())
        except ApplyError as error:
            again = " Close (q), then /review places the edits on the files as they are now."
            again = again if self.conversation else ""
            self.notify(f"Nothing written: {error}.{again}", severity="error", timeout=15)
            return
        title = "Review applied" if result.written or result.deleted else "Review closed"
        self.notify(self.target.summary(result), title=title, timeout=10)
        self.dismiss(result)

    def action_close(self) -> None:
        if not self.review.can_undo:
            self.dismiss(self.review.result())
            return
        count = len(self.review.decisions)

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(self.review.result())

        what = f"{count} decision{'s' * (count != 1)}" if count else "your splits"
        question = f"Discard {what} and close without writing anything?"
        self.app.push_screen(ConfirmScreen(question), answered)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

    # -- updates -----------------------------------------------------------------------------

    def _cursor_moved(self) -> None:
        """The hunk cursor moved (a watcher, so the bar and list change in the key's own frame)."""
        self._since = time.monotonic()
        self._update()

    @on(FileList.Selected)
    def _file_clicked(self, event: FileList.Selected) -> None:
        self.diff_view.select(event.index, 0)
        self.diff_view.focus()

    def _advance(self, file_index: int) -> None:
        """After a decision on a hunk of `file_index`: redraw its label, move to the next hunk."""
        self.query_one(FileList).set_label(file_index, self._file_label(file_index))
        self.diff_view.action_next_hunk()  # the cursor's watcher redraws the bar

    def _update(self, changed_file: int | None = None) -> None:
        """Redraw the bar, the file list's cursor and the label of `changed_file`."""
        files = self.query_one(FileList)
        if changed_file is not None:
            files.set_label(changed_file, self._file_label(changed_file))
        files.highlighted = self._cursor()[0] if self._cursor() else None
        self.query_one(ReviewBar).content = self._bar()

    def _file_label(self, file_index: int) -> Text:
        change = self.review.changeset.files[file_index]
        badge, colour = BADGES[self.review.file_state(file_index)]
        theme = self.app.current_theme
        text = Text.assemble((f" {badge} ", f"bold {getattr(theme, colour) or colour}"))
        info = self.diff_view.file_info(file_index)
        added, removed = info.added, info.removed
        stats = Text.assemble((f"+{added}", theme.success or "green"), " ", (f"-{removed}", theme.error or "red"))
        mode = change.hunks[0].mode if change.hunks else None  # a mode change comes first
        if mode and not added + removed:
            stats = Text(mode_label(mode), theme.warning or "yellow")
        room = FileList.LABEL_WIDTH - len(text) - len(stats) - 1
        text.append(change.path if len(change.path) <= room else "…" + change.path[-(room - 1) :])
        text.append(" " * max(1, FileList.LABEL_WIDTH - len(text) - len(stats)))
        text.append_text(stats)
        return text

    def _bar(self) -> Text:
        theme = self.app.current_theme
        counts = self.review.counts()
        text = Text.assemble(
            (f"✓ {counts[HunkState.ACCEPTED]} accepted", f"bold {theme.success}"),
            "   ",
            (f"✗ {counts[HunkState.REJECTED]} rejected", f"bold {theme.error}"),
            "   ",
            (f"● {counts[HunkState.PENDING]} pending", f"bold {theme.warning}"),
        )
        # On a narrow screen the line is cut from the end: what to do next comes first once all
        # is decided, else the cursor's place (which says there are more files: no file list).
        place = Text(f"      {self._where()}", "dim") if self._cursor() is not None else Text()
        if counts[HunkState.PENDING] == 0 and self.review.changeset.hunk_count:
            return text.append(f"      all decided: ctrl+s {self.target.does}", f"bold {theme.accent}").append_text(place)
        text.append_text(place)
        if self.target.note:
            text.append(f"      {self.target.note}", "dim")
        return text

    def _where(self) -> str:
        file_index, hunk_index = self._cursor() or (0, 0)
        files = self.review.changeset.files
        where = f"hunk {hunk_index + 1}/{len(files[file_index].hunks)} · {files[file_index].path}"
        return (f"file {file_index + 1}/{len(files)} · " if len(files) > 1 else "") + where

    def _cursor(self) -> tuple[int, int] | None:
        """The current hunk, or None when there is none."""
        file_index, hunk_index = self.diff_view.cursor
        files = self.review.changeset.files
        if not files or hunk_index >= len(files[file_index].hunks):
            return None
        return file_index, hunk_index

    def _elapsed(self) -> float:
        return time.monotonic() - self._since

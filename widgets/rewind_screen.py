"""The Rewind screen: the AI changes recorded in the repository's checkpoints, newest first (when,
what, the level, the files, lines added and removed, the instruction); space shows the change
under the cursor as a diff, enter rewinds the files to before it. Dismissed with its number, or
None."""

from __future__ import annotations

import time

from rich.syntax import Syntax
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from app.edits.textfile import NotTextError
from app.git.checkpoints import Checkpoint, Checkpoints
from app.workspace import Workspace
from widgets.panel_screen import PanelScreen


def ago(seconds: float) -> str:
    """"just now", "5 min ago", "3 h ago", "2 days ago"."""
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    return f"{days} day{'s' * (days != 1)} ago"


class RewindScreen(PanelScreen[int | None]):
    """Pick a checkpoint to rewind to; escape closes."""

    DEFAULT_CSS = """
    RewindScreen {
        & > Vertical { width: 110; }
        & DataTable { max-height: 20; }
        & #effect { margin-top: 1; color: $text; }
        & #effect.-none { color: $text-muted; }
        & #diff { display: none; height: auto; max-height: 16; margin-top: 1; background: $background; }
        & #diff.-open { display: block; }
    }
    """

    BINDINGS = [Binding("escape", "dismiss(None)", "Close"), Binding("space", "preview", "Show the change")]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.checkpoints: Checkpoints | None = workspace.checkpoints
        self.history: list[Checkpoint] = list(reversed(self.checkpoints.history())) if self.checkpoints else []
        self.shown_diff = ""
        """The change shown under the table (space), as a diff."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield DataTable(cursor_type="row")
            yield Static(id="effect")
            with VerticalScroll(id="diff"):
                yield Static(id="diff-text")
            yield Static("enter  rewind the files to before this change (the present is kept: /undo)    "
                         "space  show the change    esc  close", classes="hint")

    def on_mount(self) -> None:
        self.query_one(Vertical).border_title = "Rewind — the AI changes recorded in this repository"
        table = self.query_one(DataTable)
        table.add_columns("#", "when", "what", "level", "lines", "files", "instruction")
        undoable, now = self.workspace.undoable, time.time()
        for c in self.history:
            what = c.kind + (f" of {c.of}" if c.of else "")
            files = ", ".join(c.paths)
            instruction = c.about.instruction.splitlines()[0] if c.about.instruction else ""
            lines = Text.assemble((f"+{c.added}", "green"), " ", (f"-{c.removed}", "red"))
            table.add_row(Text(str(c.number), style="bold" if c == undoable else ""), ago(now - c.time), what,
                          c.about.level or "—", lines, Text(files if len(files) <= 36 else files[:35] + "…"),
                          Text(instruction if len(instruction) <= 40 else instruction[:39] + "…"), key=str(c.number))
        if not self.history:
            self.query_one("#effect", Static).update("No AI changes recorded here yet: each one written is checkpointed.")
        table.focus()

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Say what rewinding to before the highlighted change would put back."""
        effect = self.query_one("#effect", Static)
        self.query_one("#diff").remove_class("-open")  # it showed the row before
        target = self._target()
        if target is None or self.checkpoints is None:
            return
        try:
            paths = [f.path for f in self.checkpoints.rewind_to(target).files]
        except NotTextError as error:
            effect.update(f"Cannot rewind to before #{target.number}: {error}")
            return
        effect.set_class(not paths, "-none")
        if paths:
            effect.update(Text.assemble("Rewinding to before ", (f"#{target.number}", "bold"), " puts back ",
                                        (", ".join(paths), "bold"), f" (changed by #{target.number} and later)."))
        else:
            effect.update(f"The files are already as they were before #{target.number}.")

    def _target(self) -> Checkpoint | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return self.history[table.cursor_row]

    def action_preview(self) -> None:
        """space: show (or hide) the change under the cursor as a diff."""
        box = self.query_one("#diff")
        target = self._target()
        if box.has_class("-open") or target is None or self.checkpoints is None:
            box.remove_class("-open")
            return
        self.shown_diff = self.checkpoints.diff(target) or "(no change in text)"
        self.query_one("#diff-text", Static).update(Syntax(self.shown_diff, "diff", theme="ansi_dark", word_wrap=False))
        box.add_class("-open")

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        """enter: rewind to before the change under the cursor."""
        target = self._target()
        if target is not None:
            self.dismiss(target.number)

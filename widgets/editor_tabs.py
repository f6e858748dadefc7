"""The files open in the editor: a tab strip over one EditorPane per file, the active one shown.

`/edit PATH`, or the command palette's file search (widgets/tui.py: type part of a path), opens a
file in a tab of its own, or goes back to its tab when it is open already; a tab's label marks a file with unsaved edits (●). ctrl+pagedown and
ctrl+pageup move between tabs, a click picks one, ctrl+w closes the active one (a file with
unsaved edits only on a second ctrl+w; with the last file the strip goes: `AllClosed`). This
widget writes no file: saving is the screen's.
"""

from __future__ import annotations

import itertools
from pathlib import PurePosixPath

from textual import on
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Tab, Tabs, TextArea

from widgets.editor_pane import EditorPane

_ids = itertools.count(1)


class _FileTabs(Tabs):
    def _on_tab_relabelled(self, event: Tab.Relabelled) -> None:
        """A ● come or gone puts the underline right at once (Textual slides it, every first key)."""
        event.stop()
        self._highlight_active(animate=False)


class EditorTabs(Vertical):
    DEFAULT_CSS = """
    EditorTabs {
        width: 1fr;
        height: 1fr;
        & > Tabs { margin: 0 1; }
    }
    """

    BINDINGS = [
        Binding("ctrl+pagedown", "move(1)", "Next file", show=False, priority=True),
        Binding("ctrl+pageup", "move(-1)", "Previous file", show=False, priority=True),
        Binding("ctrl+w", "close", "Close the file", show=False, priority=True),
    ]

    class AllClosed(Message):
        """The last file was closed, and the strip with it: the focus should go somewhere."""

    def __init__(self) -> None:
        super().__init__(id="editors")
        self._tabs: dict[str, EditorPane] = {}
        """Tab id -> its editor, in the strip's order."""
        self._labels: dict[str, str] = {}
        self._discarding: EditorPane | None = None
        """The editor whose unsaved edits the latest ctrl+w warned of (the next one closes it)."""

    def compose(self):  # noqa: ANN201 - a ComposeResult
        tabs = _FileTabs()
        tabs.can_focus = False  # the keys above move between tabs; focus stays in the editor
        yield tabs

    @property
    def editors(self) -> list[EditorPane]:
        return list(self._tabs.values())

    @property
    def active(self) -> EditorPane | None:
        return self._tabs.get(self.query_one(Tabs).active)

    def find(self, path: str) -> EditorPane | None:
        return next((e for e in self._tabs.values() if e.path == path), None)

    async def open(self, editor: EditorPane) -> None:
        """Add `editor` in a tab of its own after the active one, and show it."""
        tab_id = f"file-{next(_ids)}"
        self._tabs[tab_id] = editor
        editor.display = False
        await self.mount(editor)
        tabs = self.query_one(Tabs)
        after = tabs.active_tab
        await tabs.add_tab(Tab(self._label(editor), id=tab_id), after=after)
        self._relabel()
        self.show(editor)

    def show(self, editor: EditorPane) -> None:
        """Make `editor`'s tab the active one, and focus it."""
        tab_id = self._tab_of(editor)
        self.query_one(Tabs).active = tab_id
        self._shown(tab_id)

    @on(Tabs.TabActivated)
    def _activated(self, event: Tabs.TabActivated) -> None:
        event.stop()
        if event.tab.id in self._tabs:
            self._shown(event.tab.id)

    def _shown(self, tab_id: str) -> None:
        for other_id, editor in self._tabs.items():
            editor.display = other_id == tab_id
        self._tabs[tab_id].focus()

    def action_move(self, step: int) -> None:
        if len(self._tabs) > 1:
            tabs = self.query_one(Tabs)
            (tabs.action_next_tab if step > 0 else tabs.action_previous_tab)()

    async def action_close(self) -> None:
        """ctrl+w: close the active file (with unsaved edits: on the second ctrl+w)."""
        editor = self.active
        if editor is None:
            return
        if self.query("RangeReview"):
            self.notify("A selection edit is open: decide it or press esc first.", severity="warning")
            return
        if editor.modified and self._discarding is not editor:
            self._discarding = editor
            self.notify(f"{editor.path} has unsaved edits: ctrl+s saves them, ctrl+w again closes it without.",
                        severity="warning")
            return
        self._discarding = None
        await self.close(editor)

    async def close(self, editor: EditorPane) -> None:
        """Take `editor`'s tab away; with the last one, the whole strip (focus goes back to the prompt)."""
        tab_id = self._tab_of(editor)
        del self._tabs[tab_id]
        self._labels.pop(tab_id, None)
        if not self._tabs:
            self.screen.post_message(self.AllClosed())
            await self.remove()
            return
        await self.query_one(Tabs).remove_tab(tab_id)
        await editor.remove()
        self._relabel()

    @on(TextArea.Changed)
    def _changed(self, event: TextArea.Changed) -> None:
        """An edit, a save or a reload: the tab's ● follows whether the file has unsaved edits."""
        if isinstance(event.text_area, EditorPane):
            self.relabel(event.text_area)

    def relabel(self, editor: EditorPane) -> None:
        """Say again in `editor`'s tab whether its file has unsaved edits (after a save, say)."""
        tab_id, label = self._tab_of(editor), self._label(editor)
        if self._labels.get(tab_id) != label:  # not redrawn on every key
            self._labels[tab_id] = label
            self.query_one(f"#{tab_id}", Tab).label = label

    def _tab_of(self, editor: EditorPane) -> str:
        return next(tab_id for tab_id, owner in self._tabs.items() if owner is editor)

    def _relabel(self) -> None:
        for editor in self._tabs.values():
            self.relabel(editor)

    def _label(self, editor: EditorPane) -> str:
        """The file's name (with its folder when another open file has the same name), ● when modified."""
        path = PurePosixPath(editor.path)
        twins = sum(PurePosixPath(e.path).name == path.name for e in self._tabs.values())
        name = f"{path.parent.name}/{path.name}" if twins > 1 and path.parent.name else path.name
        return f"{name} ●" if editor.modified else name


"""The review's file list keeps its scrollbar right when its rows or its size change, though
it skips the scrollbar updates Textual makes on every layout of the screen."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Static

from widgets.file_list import FileList


class ListApp(App[None]):
    CSS = "FileList { height: 1fr; } #other { height: 3; }"

    def compose(self) -> ComposeResult:
        yield FileList()
        yield Static("other", id="other")

    def on_mount(self) -> None:
        self.query_one(FileList).set_labels([Text(f"file {i}") for i in range(50)])


async def test_the_scrollbar_follows_the_rows_and_the_size() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        files = app.query_one(FileList)
        bar = files.vertical_scrollbar
        assert files.show_vertical_scrollbar
        assert (bar.window_virtual_size, bar.window_size) == (50, 17)

        app.query_one("#other").styles.height = 5  # a layout of the screen that resizes the list
        await pilot.pause()
        assert (bar.window_virtual_size, bar.window_size) == (50, 15)

        app.query_one("#other").styles.width = 20  # a layout that leaves the list as it was
        await pilot.pause()
        assert (bar.window_virtual_size, bar.window_size) == (50, 15)

        files.set_labels([Text(f"file {i}") for i in range(80)])  # more rows, same size
        await pilot.pause()
        assert (bar.window_virtual_size, bar.window_size) == (80, 15)

        files.set_labels([Text("only file")])
        await pilot.pause()
        assert not files.show_vertical_scrollbar

        await pilot.resize_terminal(40, 30)
        files.set_labels([Text(f"file {i}") for i in range(50)])
        await pilot.pause()
        assert files.show_vertical_scrollbar
        assert (bar.window_virtual_size, bar.window_size) == (50, 25)

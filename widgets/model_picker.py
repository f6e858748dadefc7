"""A modal list of models to switch to; dismissed with the chosen "provider/model".

It opens at once with the configured pairs; the models each provider's server offers are added as
they arrive (the ModelCatalog asks off the UI thread and keeps the answers for the session), with
a line saying what is still loading and one line per server that could not be asked. Typing
filters the list; up/down move, enter picks, escape cancels.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from app.llm.catalog import Listing, ModelCatalog
from widgets.option_picker import OptionPicker


class ModelPicker(OptionPicker[str]):
    """Pick one of the catalog's "provider/model" choices; escape cancels (dismissed with None)."""

    DEFAULT_CSS = """
    ModelPicker #status { color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    class Listed(Message):
        """A provider's server answered (posted from the catalog's thread)."""

        def __init__(self, listing: Listing) -> None:
            super().__init__()
            self.listing = listing

    def __init__(self, catalog: ModelCatalog, current: str) -> None:
        super().__init__()
        self.catalog = catalog
        self.current = current
        self.waiting: set[str] = set()
        """Providers whose servers have not answered yet."""
        self.failures: list[str] = []
        """One line per server that could not be asked."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Switch model — the conversation continues with the new one")
            yield Input(placeholder="type to filter", compact=True)
            yield OptionList()
            yield Static(id="status")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self._fill(self.current)
        self.waiting = set(self.catalog.ask(lambda listing: self.post_message(self.Listed(listing))))
        self._show_status()

    @on(Listed)
    def _listed(self, message: Listed) -> None:
        self.waiting.discard(message.listing.provider)
        if message.listing.error:
            self.failures.append(f"not listed: {message.listing.error}")
        self._fill(self._highlighted())
        self._show_status()

    @on(Input.Changed)
    def _filter(self) -> None:
        self._fill(self._highlighted())

    def chosen(self, option_id: str) -> str:
        return option_id

    def _fill(self, keep: str | None) -> None:
        """List the choices matching the filter, keeping `keep` highlighted if it is among them."""
        words = self.query_one(Input).value.lower().split()
        choices = [c for c in self.catalog.choices() if all(w in c.lower() for w in words)]
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(Option(f"{'●' if c == self.current else ' '} {c}", id=c) for c in choices)
        if choices:
            options.highlighted = choices.index(keep) if keep in choices else 0

    def _highlighted(self) -> str | None:
        option = self.query_one(OptionList).highlighted_option
        return option.id if option else None

    def _show_status(self) -> None:
        loading = [f"loading the models {', '.join(sorted(self.waiting))} offer…"] if self.waiting else []
        lines = loading + self.failures
        status = self.query_one("#status", Static)
        status.update("\n".join(lines))
        status.display = bool(lines)

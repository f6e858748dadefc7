"""AnswerView: streamed text reaches the Markdown widget, and ending an answer is safe at any moment."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult
from textual.widgets import Markdown

from widgets.answer_view import AnswerView


class OneAnswer(App[None]):
    def compose(self) -> ComposeResult:
        yield AnswerView("test/model")


def shown(view: AnswerView) -> str:
    return view.query_one(Markdown).source


async def test_finishing_while_a_flush_is_half_way_keeps_every_word() -> None:
    """The answer ends (a message handled by the screen) while the flush timer's callback is
    suspended half-way through handing text to Markdown. Ending must neither raise (a CancelledError
    there silently ended the screen's message loop and froze the chat) nor lose the text."""
    app = OneAnswer()
    async with app.run_test() as pilot:
        view = app.query_one(AnswerView)
        view.append("all the words.")
        flush = asyncio.create_task(view._flush())
        await asyncio.sleep(0)  # the flush starts and is suspended half-way
        await view.finish("complete")
        await flush
        await pilot.pause()
        assert view.status == "complete"
        assert shown(view) == view.text == "all the words."


async def test_text_streams_into_markdown_and_a_cancelled_answer_keeps_it() -> None:
    app = OneAnswer()
    async with app.run_test() as pilot:
        view = app.query_one(AnswerView)
        for word in ("one ", "two ", "three"):
            view.append(word)
            await pilot.pause(0.05)
        assert shown(view) == "one two three"
        await view.finish("cancelled", "stopped by you")
        await pilot.pause()
        assert view.has_class("-cancelled") and shown(view) == "one two three"
        assert "stopped" in str(view.query_one("#answer-error").render())
        view.append(" more")  # after the end: ignored
        await pilot.pause(0.05)
        assert shown(view) == "one two three"

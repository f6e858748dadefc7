"""The status bar at common widths: what matters stays readable when the line is too long."""

from __future__ import annotations

from textual.app import App, ComposeResult

from widgets.status_bar import StatusBar


class BarApp(App[None]):
    def compose(self) -> ComposeResult:
        yield StatusBar()


async def status_line(width: int, **values: object) -> str:
    app = BarApp()
    async with app.run_test(size=(width, 5)) as pilot:
        bar = app.query_one(StatusBar)
        for name, value in values.items():
            setattr(bar, name, value)
        await pilot.pause()
        return bar.render().plain


OFFLINE = dict(provider="local", model="SmolLM2-135M-Instruct", offline=True, usage="~486↑ ~139↓ $0")
CONTEXT = dict(context=("src/calc.py", "src/greet.py"))


async def test_wide_enough_the_context_names_its_files() -> None:
    line = await status_line(160, **OFFLINE, **CONTEXT)
    assert "files 2: src/calc.py, src/greet.py" in line
    assert line.endswith("/help · ^q quit")


async def test_at_100_columns_the_context_is_shown_not_cut_off() -> None:
    line = await status_line(100, **OFFLINE, **CONTEXT)
    assert "(offline)" in line  # the banner above the chat says the rest
    assert "files 2: src/" in line  # the names are cut short, the count is not
    assert len(line) == 98 and line.endswith("…  /help · ^q quit")  # 100 less the padding


async def test_at_100_columns_a_failover_notice_is_not_hidden_behind_file_names() -> None:
    line = await status_line(
        100, provider="openai", model="wire-model", usage="~479↑ ~5↓ $?", **CONTEXT,
        notice="anthropic unavailable — switched to openai/wire-model",
    )
    assert "files 2   ⚠ anthropic unavailable" in line  # counted, not named


async def test_the_meter_shows_the_next_request_against_the_window_by_part() -> None:
    from app.chat import RequestSize

    line = await status_line(200, **OFFLINE, **CONTEXT, request=RequestSize(1200, 1000, 1100, 96, 200_000))
    assert "context ~3.4k/200k 2% (sys 1.2k · map 1.0k · files 1.1k · chat 96)" in line
    line = await status_line(100, **OFFLINE, **CONTEXT, request=RequestSize(1200, 0, 2000, 900, 4096))
    assert "context ~4.1k/4.1k 100% ^o make room" in line and "(sys" not in line  # short: the total only
    assert "make room" not in await status_line(200, **OFFLINE, request=RequestSize(1200, 0, 1000, 900, 4096))
    assert "context ~150" in await status_line(160, **OFFLINE, request=RequestSize(150, 0, 0, 0, None))


async def test_the_ghost_text_model_shows_when_it_is_not_the_chats() -> None:
    line = await status_line(200, provider="anthropic", model="claude-sonnet-4-5", complete_model="qwen2.5-coder")
    assert "anthropic · claude-sonnet-4-5 · tab qwen2.5-coder" in line
    assert " tab " not in await status_line(200, provider="anthropic", model="claude-sonnet-4-5")

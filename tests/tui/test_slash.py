"""Slash-command parsing and tab-completion."""

from __future__ import annotations

from widgets.slash import Completer, parse

FILES = ["README.md", "app/chat.py", "app/cli.py", "app/llm/base.py", "tests/test_x.py"]


def completer() -> Completer:
    return Completer(lambda: FILES, lambda: ["app/cli.py"], lambda: ["openai/gpt-4.1", "local/SmolLM2"])


def test_parse() -> None:
    assert parse("what does /add do?") is None
    assert parse("//not a command") is None
    command = parse("/add --force 'my file.py' x.py")
    assert command is not None
    assert (command.name, command.args, command.flags) == ("/add", ["my file.py", "x.py"], {"--force"})


def test_complete_commands() -> None:
    assert completer().complete("/").options == ["/model", "/add", "/drop", "/clear", "/review", "/undo", "/help"]
    completion = completer().complete("/d")
    assert completion is not None and completion.options == ["/drop"]


def test_complete_paths_one_level_at_a_time() -> None:
    completion = completer().complete("/add a")
    assert completion is not None
    assert (completion.start, completion.options, completion.common) == (5, ["app/"], "app/")
    completion = completer().complete("/add app/c")
    assert completion is not None and completion.options == ["app/chat.py", "app/cli.py"]
    assert completion.common == "app/c"
    completion = completer().complete("/add app/l")
    assert completion is not None and completion.options == ["app/llm/"]


def test_complete_drop_models_and_flags() -> None:
    drop = completer().complete("/drop a")
    model = completer().complete("/model lo")
    flag = completer().complete("/add --f")
    assert drop is not None and drop.options == ["app/cli.py"]
    assert model is not None and model.options == ["local/SmolLM2"]
    assert flag is not None and flag.options == ["--force"]
    assert completer().complete("hello") is None

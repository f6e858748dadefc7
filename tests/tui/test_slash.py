"""Slash-command parsing and tab-completion."""

from __future__ import annotations

from widgets.slash import Completer, parse, path_and_line

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
    assert completer().complete("/").options == ["/model", "/add", "/drop", "/clear", "/review", "/undo", "/redo", "/rewind", "/test", "/context", "/edit", "/compact", "/resume", "/stats", "/help"]
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


def test_a_completed_path_is_escaped_so_add_reads_it_back() -> None:
    """`/add my` + Tab gave `/add my file.py`, which /add read as two names."""
    files = Completer(lambda: ["my file.py", "my notes/a.py", "plain.py"], list, list)
    completion = files.complete("/add my")
    assert completion is not None and completion.options == ["my file.py", "my notes/"]
    assert completion.text == "my\\ "
    completion = files.complete("/add my\\ f")
    assert completion is not None and completion.typed == "my f" and completion.text == "my\\ file.py "
    command = parse("/add " + completion.text)
    assert command is not None and command.args == ["my file.py"]
    quoted = files.complete("/add 'my n")
    assert quoted is not None and quoted.start == 5 and quoted.text == "my\\ notes/"
    assert files.complete("/add plain.py") is not None and files.complete("/add plain.py").text == "plain.py "


def test_an_at_word_in_a_question_completes_a_repo_path() -> None:
    files = Completer(lambda: [*FILES, "my file.py"], list, list)
    completion = files.complete_mention("explain @app/c")
    assert completion is not None and completion.start == 9 and completion.options == ["app/chat.py", "app/cli.py"]
    whole = files.complete_mention("why does @tests/t")
    assert whole is not None and whole.text == "tests/test_x.py "
    assert files.complete_mention("mail me@app") is None  # not at the start of a word
    assert files.complete_mention("plain words") is None
    assert files.complete_mention("@m").options == []  # a path with a space cannot be mentioned


def test_a_path_and_its_line() -> None:
    assert path_and_line("app/x.py:12") == ("app/x.py", 12)
    assert path_and_line("@app/x.py") == ("app/x.py", None)  # as mentioned in a question
    assert path_and_line("odd:name.py") == ("odd:name.py", None)
    assert path_and_line(":3") == (":3", None)

"""Configuration: files, environment and flags in order of precedence; one-line errors."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import Config, ConfigError, allow_in_project, describe, load_config, redact

ROOT = Path(__file__).resolve().parents[1]


def kinds(config: Config) -> list[tuple[str, str]]:
    return [(p.name, p.model) for p in config.providers]


def test_nothing_configured_is_the_offline_model(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert kinds(config) == [("local", "SmolLM2-135M-Instruct")]
    assert config.providers[0].threads == 1


def test_keys_in_the_environment_add_providers_before_the_offline_one(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret-1234")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    config = load_config(tmp_path)
    assert [p.name for p in config.providers] == ["anthropic", "openai", "local"]
    anthropic, openai, _ = config.providers
    assert anthropic.api_key == "sk-ant-secret-1234" and anthropic.sources["api_key"] == "env ANTHROPIC_API_KEY"
    assert openai.base_url == "http://localhost:11434/v1" and openai.api_key is None
    # the built-in smoke-test model is there to pick by hand, never switched to by itself
    assert [p.failover for p in config.providers] == [True, True, False]
    text = describe(config)
    assert re.search(r"failover +False +default \(a smoke-test model is never switched to by itself\)", text)
    assert re.search(r"edit_format +auto: whole \(a local server\)", text)
    assert re.search(r"edit_format +auto: search-replace \(a hosted model\)", text)


def test_anthropic_base_url_from_the_environment_is_shown_where_requests_go(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret-1234")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://proxy.internal:8080")  # the SDK honours it
    anthropic, _ = load_config(tmp_path).providers
    assert anthropic.base_url == "http://proxy.internal:8080"
    assert anthropic.sources["base_url"] == "env ANTHROPIC_BASE_URL"


def test_user_file_then_project_file_then_env_then_flags(tmp_path, isolated_settings, monkeypatch) -> None:
    isolated_settings.write_text(
        '[[providers]]\nname = "mine"\nkind = "openai"\nbase_url = "http://user/v1"\nmodel = "user-model"\n'
        'timeout = 5\n\n[prices."user-model"]\ninput = 1\noutput = 2\n'
    )
    config = load_config(tmp_path)
    assert kinds(config) == [("mine", "user-model")] and config.providers[0].timeout == 5.0
    assert config.providers[0].sources["model"].endswith("config.toml:5")
    assert config.prices == {"user-model": {"input": 1.0, "output": 2.0}}

    (tmp_path / ".exosuit.toml").write_text(
        '[[providers]]\nname = "team"\nkind = "anthropic"\n\n[[providers]]\nkind = "local"\nthreads = 2\n'
    )
    config = load_config(tmp_path)
    assert kinds(config) == [("team", "claude-sonnet-5-5"), ("local", "SmolLM2-135M-Instruct")]
    assert config.prices == {"user-model": {"input": 1.0, "output": 2.0}}  # prices merge, lists replace

    monkeypatch.setenv("EXOSUIT_THREADS", "3")
    monkeypatch.setenv("EXOSUIT_MODEL", "claude-opus-5-5")
    config = load_config(tmp_path)
    assert config.providers[1].threads == 3 and config.providers[1].sources["threads"] == "env EXOSUIT_THREADS"
    assert config.providers[0].model == "claude-opus-5-5"

    config = load_config(tmp_path, provider="local", model="other.gguf")
    assert kinds(config) == [("local", "other.gguf")]
    assert config.providers[0].sources["model"] == "--model"


def test_provider_flag_picks_by_name_then_kind_then_a_default(tmp_path) -> None:
    (tmp_path / ".exosuit.toml").write_text(
        '[[providers]]\nname = "ollama"\nkind = "openai"\nbase_url = "http://h/v1"\nmodel = "q"\n'
    )
    assert kinds(load_config(tmp_path, provider="ollama")) == [("ollama", "q")]
    assert kinds(load_config(tmp_path, provider="openai")) == [("ollama", "q")]
    assert kinds(load_config(tmp_path, provider="local")) == [("local", "SmolLM2-135M-Instruct")]
    with pytest.raises(ConfigError, match=r"--provider: no provider named 'gemini' \(configured: ollama"):
        load_config(tmp_path, provider="gemini")


def test_openai_key_is_never_sent_to_another_configured_server(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-secret")
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-secret")
    (tmp_path / ".exosuit.toml").write_text(
        '[[providers]]\nname = "ollama"\nkind = "openai"\nbase_url = "http://h/v1"\nmodel = "q"\n\n'
        '[[providers]]\nname = "router"\nkind = "openai"\nbase_url = "https://openrouter.ai/api/v1"\n'
        'model = "x"\napi_key_env = "OPENROUTER_API_KEY"\n\n'
        '[[providers]]\nname = "openai"\nkind = "openai"\n'
    )
    ollama, router, openai = load_config(tmp_path).providers
    assert ollama.api_key is None
    assert router.api_key == "sk-or-secret"
    assert openai.api_key == "sk-openai-secret"


@pytest.mark.parametrize(("text", "error"), [
    ('[[providers]\nkind = "local"\n', r"\.exosuit\.toml:1: Expected ']]' at the end of an array declaration$"),
    ('[[providers]]\nkind = "local"\nthreads = "two"\n', r"\.exosuit\.toml:3: providers\[1\]: threads must be int$"),
    ('[[providers]]\nkind = "local"\n\n[[providers]]\nkind = "openai"\nmodle = "x"\n',
     r"\.exosuit\.toml:6: providers\[2\]: unknown setting 'modle' \(known: name, kind, model"),
    ('[[providers]]\nkind = "gemini"\n', r"\.exosuit\.toml:2: providers\[1\]: kind must be one of anthropic, openai, local$"),
    ('[[providers]]\nkind = "openai"\nbase_url = "http://h/v1"\n',
     r"\.exosuit\.toml:1: providers\[1\]: model is required for an OpenAI-compatible server"),
    ('[[providers]]\nkind = "openai"\nfim = "magic"\n', r"\.exosuit\.toml:3: providers\[1\]: fim must be one of chat, native$"),
    ('[[providers]]\nkind = "openai"\ntemperature = 3\n', r"\.exosuit\.toml:3: providers\[1\]: temperature must be between 0 and 2$"),
    ('[[providers]]\nkind = "anthropic"\ntemperature = 0.5\n', r":3: providers\[1\]: Anthropic's API takes no temperature"),
    ('[[providers]]\nkind = "openai"\nedit_format = "udiff"\n',
     r"\.exosuit\.toml:3: providers\[1\]: edit_format must be one of auto, whole, search-replace$"),
    ('[[providers]]\nkind = "openai"\nfirst_token_timeout = 0\n',
     r"\.exosuit\.toml:3: providers\[1\]: first_token_timeout must be more than 0 seconds$"),
    ('[[providers]]\nkind = "local"\n[[providers]]\nkind = "local"\n', r":3: providers\[2\]: duplicate name 'local'$"),
    ("providers = []\n", r"\.exosuit\.toml: `providers` must be a non-empty list"),
    ('[[provider]]\nkind = "local"\n', r"\.exosuit\.toml:1: unknown top-level setting 'provider' — did you mean \[\[providers\]\]\?$"),
    ('# my settings\nmodel = "gpt-5.4"\n', r"\.exosuit\.toml:2: unknown top-level setting 'model' — provider settings go in"),
    ('[prices.m]\ninput = "cheap"\n', r"\.exosuit\.toml: \[prices\.'m'\] needs numbers input and output"),
])
def test_bad_files_give_one_line_naming_file_and_line(tmp_path, text, error) -> None:
    (tmp_path / ".exosuit.toml").write_text(text)
    with pytest.raises(ConfigError, match=error) as caught:
        load_config(tmp_path)
    assert "\n" not in str(caught.value) and str(tmp_path) in str(caught.value)


@pytest.mark.parametrize("text, error", [
    ('[provider]\nkind = "openai"\nbase_url = "http://h/v1"\nmodel = "m"\n',
     r":1: unknown top-level setting 'provider' — did you mean \[\[providers\]\]\?$"),
    ('[[providers]]\nkind = "local"\n\n[price."m"]\ninput = 1\noutput = 2\n',
     r":4: unknown top-level setting 'price' — did you mean \[prices\.\"model-id\"\]\?$"),
    ('[ui]\ntheme = "dark"\n', r":1: unknown top-level setting 'ui' — the tables are \[\[providers\]\] and \[prices"),
])
def test_an_unknown_table_is_an_error_not_ignored(tmp_path, isolated_settings, text, error) -> None:
    """A table nobody reads (a typo, single brackets) would leave the person on another model
    without a word."""
    (tmp_path / ".exosuit.toml").write_text(text)
    with pytest.raises(ConfigError, match=error):
        load_config(tmp_path)
    isolated_settings.write_text(text)
    (tmp_path / ".exosuit.toml").unlink()
    with pytest.raises(ConfigError, match=re.escape(str(isolated_settings)) + error):
        load_config(tmp_path)


def test_non_utf8_file_is_a_one_line_error(tmp_path) -> None:
    (tmp_path / ".exosuit.toml").write_bytes(b"\xff\xfe[[providers]]")
    with pytest.raises(ConfigError, match=r"\.exosuit\.toml: not UTF-8 text$"):
        load_config(tmp_path)


def test_bad_environment_values_name_the_variable(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("EXOSUIT_TIMEOUT", "soon")
    with pytest.raises(ConfigError, match=r"^EXOSUIT_TIMEOUT='soon': expected a float$"):
        load_config(tmp_path)
    monkeypatch.setenv("EXOSUIT_TIMEOUT", "-1")
    with pytest.raises(ConfigError, match=r"^EXOSUIT_TIMEOUT='-1': timeout must be more than 0 seconds$"):
        load_config(tmp_path)


def test_redact_keeps_at_most_the_last_four_characters() -> None:
    assert redact("sk-ant-api03-abcdefghijklmnop") == "…mnop (redacted)"
    assert redact("short") == "(set, redacted)"
    assert redact(None) == "(not set)"


def test_describe_shows_sources_and_never_the_key(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api03-verysecretvalue-WXYZ")
    text = describe(load_config(tmp_path))
    assert "verysecret" not in text and "…WXYZ (redacted)" in text
    assert "env ANTHROPIC_API_KEY" in text and "1. anthropic" in text and "2. local" in text


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`exosuit` as a real subprocess (the environment, isolated by conftest, is inherited)."""
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_exosuit_config_command_prints_settings(tmp_path) -> None:
    result = run_cli("config", "--repo", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "Providers, in failover order:" in result.stdout and "1. local" in result.stdout


def test_exosuit_config_with_a_broken_file_exits_2_with_one_line(tmp_path) -> None:
    (tmp_path / ".exosuit.toml").write_text("[[providers]]\nkind = \n")
    result = run_cli("config", "--repo", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"exosuit: config error: {tmp_path / '.exosuit.toml'}:2: ")


def test_config_warns_of_a_missing_key_and_of_a_key_in_the_project_file(tmp_path, isolated_settings, monkeypatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    (tmp_path / ".exosuit.toml").write_text(
        '[[providers]]\nkind = "anthropic"\n\n[[providers]]\nname = "mine"\nkind = "openai"\n'
        'base_url = "http://h/v1"\nmodel = "m"\napi_key = "sk-live"\n'
    )
    text = describe(load_config(tmp_path))
    warnings = [line for line in text.splitlines() if line.startswith("Warning: ")]
    assert warnings[0] == "Warning: anthropic has no API key: its requests will fail — set ANTHROPIC_API_KEY"
    assert warnings[1].startswith("Warning: mine's api_key is written in ") and ".exosuit.toml:9" in warnings[1]
    assert "sk-live" not in text


def test_autonomy_and_agent_tables_are_typed_and_a_project_overrides_the_user_key_by_key(
    tmp_path, isolated_settings, monkeypatch
) -> None:
    user = tmp_path / "user.toml"
    user.write_text('[autonomy]\nallow = ["pytest*"]\nlevel = "agent"\n\n[agent]\nmax_steps = 10\n')
    monkeypatch.setenv("EXOSUIT_CONFIG", str(user))
    (tmp_path / ".exosuit.toml").write_text('[agent]\nmax_cost = 2\ntest_command = "make test"\n')
    config = load_config(tmp_path)
    assert (config.autonomy.level, config.autonomy.allow, config.autonomy.auto_accept_edits) == ("agent", ["pytest*"], False)
    assert (config.agent.max_steps, config.agent.max_cost, config.agent.test_command) == (10, 2.0, "make test")
    assert config.agent.sources["max_cost"].endswith(".exosuit.toml:2")
    shown = describe(config)
    assert "[autonomy]:" in shown and "pytest*" in shown and "make test" in shown


@pytest.mark.parametrize(("table", "message"), [
    ('[autonomy]\nlevel = "yolo"\n', ':2: [autonomy]: level must be "files" or "agent"'),
    ("[autonomy]\nallow = 'pytest'\n", ":2: [autonomy]: allow must be a list of strings"),
    ("[autonomy]\nallow = ['pytest', 3]\n", ":2: [autonomy]: allow must be a list of strings"),
    ("[agent]\n\nmax_step = 3\n", ":3: [agent]: unknown setting 'max_step' (known: max_steps, max_cost, max_seconds, test_command)"),
    ("[agent]\nmax_steps = 0\n", ":2: [agent]: max_steps must be 1 or more"),
    ("[agent]\nmax_seconds = true\n", ":2: [agent]: max_seconds must be int or float"),
    ("agent = 3\n", ":1: [agent]: must be a table"),
])
def test_a_bad_autonomy_or_agent_setting_is_one_line_with_its_line(tmp_path, isolated_settings, table, message) -> None:
    (tmp_path / ".exosuit.toml").write_text(table)
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path)
    assert str(error.value) == f"{tmp_path / '.exosuit.toml'}{message}"


def test_an_allowed_command_is_added_to_the_project_file_keeping_what_was_written(tmp_path: Path) -> None:
    project = tmp_path / ".exosuit.toml"
    assert allow_in_project(tmp_path, "pytest*") == project
    assert project.read_text() == '[autonomy]\nallow = ["pytest*"]\n'
    project.write_text('# mine\n[autonomy]\nlevel = "agent"  # start here\nallow = ["ls*"]\n')
    allow_in_project(tmp_path, "npm test*")
    allow_in_project(tmp_path, "npm test*")
    assert project.read_text() == '# mine\n[autonomy]\nlevel = "agent"  # start here\nallow = ["ls*", "npm test*"]\n'
    assert load_config(tmp_path).autonomy.allow == ["ls*", "npm test*"]


@pytest.mark.parametrize("text", ["[autonomy\nallow = 1\n", "[autonomy]\nallow = \"pytest*\"\n", "autonomy = 3\n"])
def test_a_project_file_that_cannot_take_the_pattern_is_left_as_it_was(tmp_path: Path, text: str) -> None:
    (tmp_path / ".exosuit.toml").write_text(text)
    with pytest.raises(ConfigError, match=r"^\.exosuit\.toml: not changed"):
        allow_in_project(tmp_path, "pytest*")
    assert (tmp_path / ".exosuit.toml").read_text() == text


def test_a_project_file_linked_out_of_the_repository_is_not_written(tmp_path: Path) -> None:
    outside = tmp_path / "outside.toml"
    outside.write_text("")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".exosuit.toml").symlink_to(outside)
    with pytest.raises(ConfigError, match="outside the repository"):
        allow_in_project(repo, "pytest*")
    assert outside.read_text() == ""

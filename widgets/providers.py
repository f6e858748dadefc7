"""What the UI says about providers: the offline model's warning, its loading, the model list."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.llm.base import Provider
    from app.llm.router import Router

OFFLINE_MODEL = "SmolLM2-135M"


def is_offline(provider: Provider) -> bool:
    """Whether `provider` is the embedded offline smoke-test model."""
    return getattr(provider, "kind", None) == "local"


def loading_text(provider: Provider) -> str | None:
    """What to show while the embedded model loads on first use, or None when nothing loads."""
    if is_offline(provider) and not getattr(provider, "loaded", True):
        return f"loading the offline model ({OFFLINE_MODEL}) — the first answer takes a few seconds…"
    return None


def describe_offline() -> str:
    """The banner text (content markup) shown while the embedded model is in use."""
    return (
        f"[b $text-warning]⚠ Offline built-in smoke-test model ({OFFLINE_MODEL}).[/] It only shows "
        "that the app works; its answers are not useful for real work.\n"
        "To use a real model set [b]ANTHROPIC_API_KEY[/], or [b]OPENAI_API_KEY[/] (with "
        "[b]OPENAI_BASE_URL[/] for an OpenAI-compatible server such as Ollama or vLLM), or add a "
        "[b]\\[\\[providers]][/] entry to [b].exosuit.toml[/]."
    )


def model_choices(router: Router) -> list[str]:
    """Every configured provider as "name/model", in failover order."""
    return [f"{p.name}/{p.model}" for p in router.providers]

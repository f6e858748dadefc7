"""Build providers and the router from the configuration."""

from __future__ import annotations

from app.config import Config, ProviderConfig
from app.llm.base import Provider
from app.llm.router import Router


def make_provider(config: ProviderConfig) -> Provider:
    """The Provider for one `[[providers]]` entry (its SDK is imported on first use)."""
    if config.kind == "anthropic":
        from app.llm.anthropic_api import AnthropicProvider

        return AnthropicProvider(config)
    if config.kind == "openai":
        from app.llm.openai_api import OpenAIProvider

        return OpenAIProvider(config)
    if config.kind == "local":
        from app.llm.embedded import EmbeddedProvider

        return EmbeddedProvider(config)
    raise ValueError(f"unknown provider kind {config.kind!r}")


def build_router(config: Config) -> Router:
    """A Router over the configured providers, in failover order."""
    return Router([make_provider(p) for p in config.providers])

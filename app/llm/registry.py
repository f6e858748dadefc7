"""Build providers and the router from the configuration."""

from __future__ import annotations

from app.config import Config, ConfigError, ProviderConfig
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


def build_router(config: Config, role: str = "chat") -> Router:
    """A Router over the configured providers, in failover order: for `role` ("complete",
    "commit"), the ones `[roles]` names for it, else the chat's (instances of their own either
    way, so that closing one role's request never closes another's). Raises ConfigError for a
    role naming no configured provider."""
    names = [] if role == "chat" else getattr(config.roles, role)
    if not names:
        return Router([make_provider(p) for p in config.providers])
    by_name = {p.name: p for p in config.providers}
    if unknown := [n for n in names if n not in by_name]:
        raise ConfigError(f"[roles] {role}: no provider named {', '.join(unknown)} (known: {', '.join(by_name)})")
    return Router([make_provider(by_name[n]) for n in names])


def role_router(config: Config, role: str) -> Router | None:
    """The Router `[roles]` names for `role`, None when it names none (the chat's then serves it)."""
    return build_router(config, role) if getattr(config.roles, role) else None

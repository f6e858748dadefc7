"""What the UI says about providers: the offline model's warning and loading."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content

if TYPE_CHECKING:
    from app.llm.base import Provider
    from app.llm.router import Router


def is_offline(provider: Provider) -> bool:
    """Whether `provider` is the embedded offline smoke-test model."""
    return provider.kind == "local"


def loading_text(provider: Provider, first_use: bool) -> str | None:
    """What to show while the embedded model loads on its first use, or None when nothing loads."""
    if is_offline(provider) and first_use:
        return "loading the offline model (first use only)…"
    return None


def banner_notice(router: Router) -> Content | None:
    """The banner's warning about the active provider, or None when there is none."""
    if not router.notice:
        return None
    title = "Smoke-test model only" if is_offline(router.active) else "Note"
    return Content.from_markup("[b $text-warning]⚠ $title.[/] $notice", title=title, notice=router.notice)


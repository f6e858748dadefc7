"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.wire_server import WireServer


@pytest.fixture
def wire_server() -> Iterator[WireServer]:
    """A scripted Anthropic/OpenAI wire-protocol server on 127.0.0.1 (see tests/wire_server.py)."""
    with WireServer() as server:
        yield server

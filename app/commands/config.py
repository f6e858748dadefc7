"""`exosuit config`: print the effective settings, where each came from (keys redacted)."""

from __future__ import annotations

import argparse

from app.commands.common import OK, settings, workplace
from app.config import describe


def run(args: argparse.Namespace) -> int:
    print(describe(settings(workplace(args.repo).root, args)))
    return OK

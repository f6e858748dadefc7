"""`exosuit model list | install NAME`: the models the embedded provider can be given, and
fetching one (see app/llm/downloads.py), with a progress bar and where the file came from."""

from __future__ import annotations

import argparse
import sys
import time

from app.commands.common import OK, CommandError
from app.llm.downloads import CATALOG, InstallError, Progress, install, installed

BAR = 30
"""Cells of the progress bar."""


def run(args: argparse.Namespace) -> int:
    return install_model(args) if args.action == "install" else listing(args)


def listing(args: argparse.Namespace) -> int:
    for name, download in CATALOG.items():
        path = installed(name)
        where = f"installed: {path}" if path else f"not installed ({download.size / 1e9:.1f} GB: exosuit model install {name})"
        print(f"{name}  {download.description}\n  {where}")
    return OK


def install_model(args: argparse.Namespace) -> int:
    download = CATALOG.get(args.name.lower())
    if download is None:
        raise CommandError(f"no model named {args.name} (known: {', '.join(CATALOG)})")
    path = installed(download.name)
    if path is not None and not args.force:
        print(f"{download.name} is installed already: {path} (--force fetches it again)")
        return OK
    print(f"{download.name}: {download.description}\nFrom: {download.origin}")
    try:
        path = install(download, _progress_bar(sys.stderr.isatty()))
    except InstallError as exc:
        raise CommandError(f"{download.name} not installed: {exc}", code=1) from None
    print(f"\nInstalled {path} ({download.size:,} bytes, sha256 checked).\n"
          "For ghost text with it (offline; on a CPU it answers on alt+\\ rather than on every pause),\n"
          "add to your config (`exosuit config` says where it is):\n\n"
          f'[[providers]]\nname = "{download.name}"\nkind = "local"\nmodel = "{download.name}"\n\n'
          f'[roles]\ncomplete = ["{download.name}"]')
    return OK


def _progress_bar(terminal: bool) -> Progress:
    """A bar redrawn in place on a terminal; elsewhere, a line per part."""
    said = [""]
    started = time.monotonic()

    def progress(doing: str, done: int, total: int) -> None:
        if not terminal:
            if doing.startswith("fetching") and doing != said[0]:
                print(f"  {doing}", file=sys.stderr, flush=True)
            said[0] = doing
            return
        filled = BAR * done // max(total, 1)
        rate = done / max(time.monotonic() - started, 1e-3) / 1e6
        line = f"\r  {'█' * filled}{'░' * (BAR - filled)} {done / 2**20:7,.0f} / {total / 2**20:,.0f} MiB  {rate:5.1f} MB/s  {doing}"
        print(line.ljust(100), end="", file=sys.stderr, flush=True)

    return progress

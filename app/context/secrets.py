"""Files that must not reach a model or a command unless the person adds them explicitly: named
like secrets (`.env`, private keys, credentials) or holding what looks like a key or token.

A project adds its own names (`[context] secret_files`) and exempts files that only look like
secrets (`[context] not_secret_files`, e.g. a `secrets.py` module of code); `configure` sets them
for the process when its settings are read.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import PurePosixPath

SECRET_NAMES = (
    ".env", ".env.*", "*.env", ".envrc", "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore",
    "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", ".netrc", ".npmrc", ".pypirc", ".htpasswd",
    "credentials", "credentials.*", "secrets.*", "*.secret", "*.secrets",
)  # fmt: skip
"""File names (fnmatch, case-insensitive) that usually hold secrets."""

_SECRET_NAME = re.compile("|".join(fnmatch.translate(pattern) for pattern in SECRET_NAMES))
"""SECRET_NAMES as one expression (a name is checked for every file a sandboxed command may see)."""

NOT_SECRET_SUFFIXES = (".example", ".sample", ".template", ".dist")
"""`.env.example` and friends document settings without holding them."""

SECRET_CONTENT = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|\bsk-ant-[A-Za-z0-9_-]{20,}"
    r"|\bsk-(?:proj-)?[A-Za-z0-9_-]{32,}"
    r"|\bAKIA[0-9A-Z]{16}\b"
    r"|\bgh[pousr]_[A-Za-z0-9]{36,}"
    r"|\bxox[abprs]-[A-Za-z0-9-]{10,}"
)
"""Private keys and well-known API token shapes."""


_extra: tuple[str, ...] = ()
_exempt: tuple[str, ...] = ()


def configure(secret_files: list[str], not_secret_files: list[str]) -> None:
    """Use the project's own patterns from now on: files named like `secret_files` are secrets
    too, files named like `not_secret_files` never are (a pattern holding "/" matches the whole
    repo-relative path, `*` across directories as in git; one without, the file name)."""
    global _extra, _exempt
    _extra, _exempt = tuple(secret_files), tuple(not_secret_files)


def _matches(rel: str, patterns: tuple[str, ...]) -> bool:
    name = PurePosixPath(rel).name
    return any(fnmatch.fnmatch(rel if "/" in p else name, p.removeprefix("/")) for p in patterns)


def secret_reason(rel: str, text: str | None = None) -> str | None:
    """Why `rel` (repo-relative, with content `text` if known) looks like a secret, or None when
    it doesn't."""
    if _exempt and _matches(rel, _exempt):
        return None
    name = PurePosixPath(rel).name.lower()
    if not name.endswith(NOT_SECRET_SUFFIXES) and _SECRET_NAME.match(name):
        return f"{rel} is named like a secrets file"
    if _extra and _matches(rel, _extra):
        return f"{rel} is in the project's secret_files"
    if text is not None and (match := SECRET_CONTENT.search(text)):
        kind = "a private key" if match.group().startswith("-----") else "an API token"
        return f"{rel} contains what looks like {kind}"
    return None

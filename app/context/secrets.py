"""Files that must not reach a model or a command unless the person adds them explicitly: named
like secrets (`.env`, private keys, credentials) or holding what looks like a key or token."""

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


def secret_reason(rel: str, text: str | None = None) -> str | None:
    """Why `rel` (with content `text`, if known) looks like a secret, or None when it doesn't."""
    name = PurePosixPath(rel).name.lower()
    if not name.endswith(NOT_SECRET_SUFFIXES) and _SECRET_NAME.match(name):
        return f"{rel} is named like a secrets file"
    if text is not None and (match := SECRET_CONTENT.search(text)):
        kind = "a private key" if match.group().startswith("-----") else "an API token"
        return f"{rel} contains what looks like {kind}"
    return None

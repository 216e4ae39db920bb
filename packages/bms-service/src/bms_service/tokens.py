"""Bearer tokens in files: created owner-only (0600), read back, compared in constant time."""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path


def write_secret(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (mode 0600), replacing it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT: narrow it first
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def read_token(path: Path) -> str | None:
    """The token in ``path`` (surrounding white space dropped); None when it is empty or unreadable."""
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def load_or_create_token(path: Path) -> str:
    """The token in ``path``; on first use a new random one, written owner-only.

    ``O_EXCL``: two services starting on one data directory never overwrite each other's
    token; the one that loses the race reads the winner's.
    """
    existing = read_token(path)
    if existing:
        return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_token(path) or token
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    return token


def bearer_matches(header: str | None, token: str) -> bool:
    """Whether an ``Authorization`` header carries ``token`` (``Bearer <token>``)."""
    if not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header.removeprefix("Bearer ").strip().encode(), token.encode())

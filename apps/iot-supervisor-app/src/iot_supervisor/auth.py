"""The bearer token: given in the settings, or generated on first start into the data directory (0600)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from iot_supervisor.settings import Settings


def load_or_create_token(settings: Settings) -> str:
    if settings.token is not None:
        return settings.token.get_secret_value()
    path: Path = settings.token_path
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    # O_EXCL: two services starting on one data dir must not overwrite each other's token.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(token + "\n")
    return token


def token_matches(header: str | None, token: str) -> bool:
    if not header or not header.startswith("Bearer "):
        return False
    return secrets.compare_digest(header.removeprefix("Bearer ").strip(), token)

"""The bearer token: given in the settings, or generated on first start into the data directory (0600)."""

from __future__ import annotations

from bms_service import tokens
from iot_supervisor.settings import Settings


def load_or_create_token(settings: Settings) -> str:
    if settings.token is not None:
        return settings.token.get_secret_value()
    return tokens.load_or_create_token(settings.token_path)

"""Settings of the Designer (environment prefix ``BMS_DESIGNER_``)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the Designer can be told; every address defaults to loopback."""

    model_config = SettingsConfigDict(env_prefix="BMS_DESIGNER_", extra="forbid")

    host: str = Field(default="127.0.0.1", description="Address the HTTP server binds to.")
    port: int = Field(default=3000, ge=0, le=65535, description="Port of the HTTP server.")
    data_dir: Path = Field(
        default=Path("var/designer"),
        description="projects.db, the signing key, the admin password file.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; sqlite:///<data_dir>/projects.db (WAL) if unset.",
    )
    web_dir: Path = Field(
        default=Path("apps/designer/web/dist"),
        description="The built SPA; a placeholder page is served when it does not exist.",
    )
    engine_url: str = Field(default="http://127.0.0.1:8081", description="The engine's API.")
    engine_token: str | None = Field(default=None, description="The engine's bearer token.")
    engine_token_file: Path | None = Field(
        default=Path("var/engine/token"),
        description="File holding the engine's token, read on each call when no token is set.",
    )
    iot_url: str = Field(default="http://127.0.0.1:8080", description="The IoT service's API.")
    iot_token: str | None = Field(
        default=None,
        description=(
            "The Designer's bearer token at the IoT service (its designer token, which may name "
            "the signed-in operator)."
        ),
    )
    iot_token_file: Path | None = Field(
        default=Path("var/iot/designer-token"),
        description="File holding that token, read on each call when no token is set.",
    )
    admin_username: str = Field(default="admin", description="Name of the local admin account.")
    admin_password: str | None = Field(
        default=None,
        description="Password of the admin created on first start; generated and printed if unset.",
    )
    secure_cookies: bool = Field(
        default=False, description="Mark session cookies Secure (set when served over HTTPS)."
    )
    session_hours: float = Field(default=12.0, gt=0, description="Session lifetime.")
    max_json_body_bytes: int = Field(
        default=4 * 1024 * 1024,
        ge=1024,
        description="Largest JSON request body; larger ones are answered 413 before being read.",
    )
    api_docs: bool | None = Field(
        default=None,
        description=(
            "Serve /docs, /redoc and /openapi.json; on when bound to loopback and off otherwise "
            "unless set."
        ),
    )
    upstream_timeout_s: float = Field(
        default=10.0, gt=0, description="Timeout of calls to the engine and the IoT service."
    )

    def docs_enabled(self) -> bool:
        """Whether the API documentation is served (``api_docs``, else only on loopback)."""
        if self.api_docs is not None:
            return self.api_docs
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'projects.db').resolve()}"

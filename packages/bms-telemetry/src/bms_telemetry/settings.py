"""What a process needs to publish: the broker, the topic prefix and site, the queue."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

_LEVEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class MqttSettings(BaseModel):
    """MQTT telemetry of one process. Off unless a broker host is given."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field(description="Broker host, e.g. 127.0.0.1.")
    port: int = Field(default=1883, ge=1, lt=65_536, description="Broker port.")
    username: str | None = Field(default=None, description="Broker user, if it needs one.")
    password: str | None = Field(default=None, description="Broker password, if it needs one.")
    prefix: str = Field(default="bms", description="First topic level.")
    site: str = Field(default="site", description="Second topic level: this building.")
    client_id: str | None = Field(default=None, description="MQTT client id; derived if unset.")
    queue_path: Path | None = Field(
        default=None, description="The on-disk queue (SQLite); beside the process's data if unset."
    )
    queue_max: int = Field(
        default=100_000, ge=10, description="Messages kept while the broker is away."
    )
    keepalive_s: int = Field(default=30, ge=5, le=3600, description="MQTT keep-alive.")
    reconnect_max_s: float = Field(default=10.0, gt=0, description="Longest reconnect delay.")
    commands: bool = Field(
        default=False, description="Accept point commands from MQTT (IoT service only)."
    )
    command_points: list[str] = Field(
        default_factory=list, description="The only points MQTT commands may write."
    )
    points: list[str] = Field(
        default_factory=list,
        description="Points the IoT service watches for telemetry besides those a client watches.",
    )

    @field_validator("prefix", "site")
    @classmethod
    def _one_level(cls, value: str) -> str:
        if not _LEVEL.match(value):
            raise ValueError(f"{value!r} must be one topic level: letters, digits, '_', '.', '-'")
        return value


__all__ = ["MqttSettings"]

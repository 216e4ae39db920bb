"""Settings of the headless engine (environment prefix ``BMS_ENGINE_``)."""

from __future__ import annotations

from pathlib import Path

from bms_telemetry import MqttSettings
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the engine can be told; every address defaults to loopback."""

    model_config = SettingsConfigDict(env_prefix="BMS_ENGINE_", extra="forbid")

    host: str = Field(default="127.0.0.1", description="Address the HTTP API binds to.")
    port: int = Field(default=8081, ge=0, le=65535, description="Port of the HTTP API (0: any).")
    state_dir: Path = Field(default=Path("var/engine"), description="Bundles, state, token, logs.")
    token: str | None = Field(
        default=None, description="Bearer token of the API; generated into state_dir if unset."
    )
    iot_url: str = Field(default="http://127.0.0.1:8080", description="The IoT service's base URL.")
    iot_token: str | None = Field(default=None, description="Bearer token for the IoT service.")
    mqtt: MqttSettings | None = Field(
        default=None,
        description='MQTT telemetry (JSON in BMS_ENGINE_MQTT, e.g. {"host": "127.0.0.1"}); off if unset.',
    )
    iot_token_file: Path | None = Field(
        default=None,
        description="File holding the IoT service's token (read at start and on every 401).",
    )
    trusted_keys: list[Path] = Field(
        default_factory=list,
        description="Ed25519 public keys (PEM) whose bundles are accepted; also state_dir/trusted/*.pub.",
    )
    allow_unsigned: bool = Field(
        default=False, description="Accept unsigned bundles (development only; logged loudly)."
    )
    state_save_interval_s: float = Field(
        default=5.0,
        gt=0,
        description="Block state is saved at a tick boundary this often (loss window).",
    )
    tick_lead_s: float = Field(
        default=0.002,
        ge=0,
        le=0.02,
        description="The scheduler wakes this long before a tick and waits out the rest on the "
        "CPU, so that ticks start on time on a busy machine (0: sleep to the tick).",
    )
    values_interval_s: float = Field(
        default=0.5,
        ge=0,
        description="Fewest seconds between two live values events of a flow; the changes of "
        "the ticks in between are gathered into the next one (0: every tick).",
    )
    poll_interval_s: float = Field(default=30.0, gt=0, description="Safety-net batch read period.")
    write_min_interval_s: float = Field(
        default=1.0, ge=0, description="Fewest seconds between two commands to one point."
    )
    backoff_max_s: float = Field(default=30.0, gt=0, description="Cap of the reconnect backoff.")
    device_check_s: float = Field(
        default=10.0,
        gt=0,
        description="How often the status of the devices the bundle touches is checked; a "
        "device back online gets the engine's commands again.",
    )
    command_retry_max_s: float = Field(
        default=30.0, gt=0, description="Cap of the retry delay of a command not confirmed."
    )
    autostart: bool = Field(
        default=True, description="Run the active bundle at boot unless it was stopped by command."
    )

"""Settings of the IoT Supervisor Service: one pydantic-settings class, env prefix ``BMS_IOT_``.

Every address defaults to loopback, and a non-loopback address is refused
unless ``allow_lan`` is set: LAN exposure is opt-in. The supervisor's own
BACnet port (47809) differs from the devices' (47808) because bacpypes3 0.0.110
short-circuits any 127.x destination on its own port back into itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from bms_telemetry import MqttSettings
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from iot_supervisor.addresses import is_loopback_host, require_loopback
from iot_supervisor.interlocks import Interlock

DiscoveryMode = Literal["global", "directed-broadcast", "unicast", "foreign"]


class Settings(BaseSettings):
    """Configuration of one service instance."""

    model_config = SettingsConfigDict(env_prefix="BMS_IOT_", extra="forbid")

    http_host: str = Field(default="127.0.0.1", description="HTTP bind address.")
    http_port: int = Field(default=8080, ge=0, lt=65536, description="HTTP port.")
    data_dir: Path = Field(
        default=Path("var/iot"), description="runtime.db and the token live here."
    )
    token: SecretStr | None = Field(
        default=None, description="Bearer token; generated into data_dir on first start if unset."
    )
    token_principal: str = Field(
        default="engine",
        min_length=1,
        max_length=64,
        description="Who the main token authenticates, as the audit log names it.",
    )
    designer_token: SecretStr | None = Field(
        default=None,
        description=(
            "The Designer's bearer token, the only one that may name the operator it acts for "
            "(X-On-Behalf-Of); generated into data_dir/designer-token on first start if unset."
        ),
    )
    allow_lan: bool = Field(default=False, description="Allow non-loopback addresses.")
    api_docs: bool | None = Field(
        default=None,
        description=(
            "Serve /docs, /redoc and /openapi.json; on when bound to loopback and off on the LAN "
            "unless set."
        ),
    )

    bacnet_address: str = Field(
        default="127.0.0.1/8:47809", description="The service's own BACnet/IP ip[/prefix][:port]."
    )
    device_instance: int = Field(
        default=4_194_000, ge=0, le=4_194_302, description="The service's own device instance."
    )
    max_apdu: int = Field(default=1476, ge=50, le=1476, description="Largest APDU we accept.")
    max_segments: int = Field(default=64, ge=2, le=64, description="Segments we accept in a reply.")

    discovery_mode: DiscoveryMode = Field(
        default="directed-broadcast", description="How Who-Is is sent."
    )
    broadcast_address: str = Field(
        default="127.255.255.255:47808", description="Directed-broadcast destination of Who-Is."
    )
    targets: list[str] = Field(
        default_factory=list, description="Device addresses for unicast discovery."
    )
    routers: list[str] = Field(
        default_factory=list,
        description="BACnet routers (ip:port) whose networks discovery also searches: a global "
        "Who-Is is sent through each, whatever the discovery mode.",
    )
    bbmd_address: str | None = Field(
        default=None, description="BBMD to register with as a foreign device."
    )
    discovery_timeout_s: float = Field(default=2.0, gt=0, description="Wait for I-Am replies.")
    discover_on_start: bool = Field(default=False, description="Run discovery at start-up.")

    request_timeout_s: float = Field(default=1.5, gt=0, description="Per BACnet request attempt.")
    request_retries: int = Field(default=1, ge=0, le=5, description="Retries after a timeout.")
    in_flight_per_device: int = Field(
        default=8, ge=1, le=64, description="Requests in flight per device (bacpypes3 hangs >255)."
    )
    in_flight_total: int = Field(
        default=64,
        ge=1,
        le=4096,
        description="Requests in flight over all devices (the service's socket and CPU).",
    )
    describe_devices_at_once: int = Field(
        default=16, ge=1, le=256, description="Devices whose objects discovery reads at once."
    )
    rpm_max_objects: int = Field(default=20, ge=1, le=200, description="Objects per RPM request.")
    offline_after_failures: int = Field(
        default=2, ge=1, description="Consecutive failures that mark a device offline."
    )
    probe_interval_s: float = Field(default=2.0, gt=0, description="Probe of offline devices.")

    subscription_idle_timeout_s: float = Field(
        default=300.0, ge=1, description="A subscription no stream reads ends after this long."
    )
    subscription_sweep_s: float = Field(
        default=1.0, gt=0, le=60, description="How often ended subscriptions are looked for."
    )
    cov_lifetime_s: int = Field(
        default=300,
        ge=4,
        description="SubscribeCOV lifetime, renewed at half of it (10,000 points renewed every "
        "30 s would be 330 requests a second).",
    )
    cov_confirmed: bool = Field(default=False, description="Ask for confirmed COV notifications.")
    cov_steps_at_once: int = Field(
        default=1024,
        ge=1,
        le=100_000,
        description="Watch steps (SubscribeCOV, renewal, poll) prepared at once; the others wait "
        "their turn in order. Each waiting step costs memory, not requests: the requests in "
        "flight are bounded by in_flight_total.",
    )
    poll_interval_s: float = Field(default=10.0, gt=0, description="Poll of points without COV.")
    cov_poll_interval_s: float = Field(
        default=60.0,
        gt=0,
        description="Safety-net poll of points with a live COV subscription (a change COV missed "
        "makes it subscribe again); 10,000 points every 10 s would keep a field bus busy.",
    )

    stream_keepalive_s: float = Field(
        default=15.0, gt=0, description="Interval of SSE keep-alive comments on an idle stream."
    )

    default_priority: int = Field(
        default=8, ge=1, le=16, description="Priority of writes without one."
    )
    allow_priority_6: bool = Field(
        default=False, description="Allow priority 6, reserved for minimum on/off time."
    )
    interlocks: list[Interlock] = Field(default_factory=list, description="Write interlocks.")
    interlocks_file: Path | None = Field(default=None, description="JSON/YAML file of interlocks.")
    rate_limit_per_s: float = Field(default=5.0, gt=0, description="Writes per second per point.")
    rate_limit_burst: int = Field(default=10, ge=1, description="Burst of writes per point.")
    override_check_s: float = Field(
        default=1.0, gt=0, le=60, description="How often overrides are checked for their end."
    )
    override_retry_s: float = Field(
        default=30.0, gt=0, description="Wait before retrying to end an override that failed."
    )

    protocols: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description=(
            "Protocol plugins to load, by name, each with its own configuration "
            "(e.g. {'modbus': {'devices': [...]}}); see docs/modbus.md."
        ),
    )
    protocols_file: Path | None = Field(
        default=None, description="YAML/JSON mapping of protocol name to its configuration."
    )

    mqtt: MqttSettings | None = Field(
        default=None,
        description='MQTT telemetry (JSON in BMS_IOT_MQTT, e.g. {"host": "127.0.0.1"}); off if unset.',
    )

    value_log_retention_s: float = Field(default=86_400.0, gt=0, description="Value log kept.")
    shutdown_grace_s: float = Field(
        default=5.0,
        gt=0,
        description="At shutdown, streams end at once; other requests get this long to finish.",
    )
    simulate: Path | None = Field(
        default=None, description="Also run the simulator from this YAML/JSON file."
    )

    @model_validator(mode="after")
    def _loopback_unless_opted_in(self) -> Settings:
        for what, address in (
            ("bacnet_address", self.bacnet_address),
            ("broadcast_address", self.broadcast_address),
            *(("target", t) for t in self.targets),
            *(("router", r) for r in self.routers),
            *((("bbmd_address", self.bbmd_address),) if self.bbmd_address else ()),
            ("http_host", self.http_host),
        ):
            require_loopback(address, allow_lan=self.allow_lan, what=what)
        return self

    def all_interlocks(self) -> tuple[Interlock, ...]:
        """The interlocks from the settings and from ``interlocks_file``."""
        extra: list[Interlock] = []
        if self.interlocks_file is not None:
            extra = [Interlock.model_validate(i) for i in _load_list(self.interlocks_file)]
        return (*self.interlocks, *extra)

    def all_protocols(self) -> dict[str, dict[str, Any]]:
        """The protocol plugins' configurations from the settings and from ``protocols_file``.

        A relative path inside a file's configuration is read relative to that file.
        """
        merged = dict(self.protocols)
        if self.protocols_file is not None:
            data = _load(self.protocols_file)
            if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
                raise ValueError(
                    f"{self.protocols_file}: expected a mapping of protocol to settings"
                )
            for name, config in data.items():
                merged[str(name)] = {"base_dir": str(self.protocols_file.parent), **config}
        return merged

    @property
    def db_path(self) -> Path:
        return self.data_dir / "runtime.db"

    @property
    def token_path(self) -> Path:
        return self.data_dir / "token"

    @property
    def designer_token_path(self) -> Path:
        return self.data_dir / "designer-token"

    def docs_enabled(self) -> bool:
        """Whether the API documentation is served (``api_docs``, else only on loopback)."""
        if self.api_docs is not None:
            return self.api_docs
        return is_loopback_host(self.http_host)


def _load(path: Path) -> object:
    text = path.read_text(encoding="utf-8")
    if path.suffix in {".yaml", ".yml"}:
        import yaml

        return yaml.safe_load(text)
    return json.loads(text)


def _load_list(path: Path) -> list[object]:
    data = _load(path)
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of interlocks")
    return data

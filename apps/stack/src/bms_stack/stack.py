"""The stack: start IoT service -> engine -> Designer, each gated on the one before being ready;
restart any that dies, with backoff; stop all three cleanly, in reverse order.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bms_stack.services import (
    BIN,
    Running,
    ServiceSpec,
    clean_env,
    http_ok,
    run_prepare,
    spawn,
    stop,
)

log = logging.getLogger("bms_stack")

BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
STABLE_S = 60.0
"""A service that ran this long without dying starts its backoff afresh."""


@dataclass(frozen=True)
class StackConfig:
    """Where the stack keeps its data, which ports it uses, which building it simulates."""

    data_dir: Path
    simulator: Path
    iot_port: int = 8080
    engine_port: int = 8081
    designer_port: int = 3000
    web_dir: Path = Path("apps/designer/web/dist")
    admin_password: str | None = None
    ready_timeout_s: float = 120.0
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Per service ('iot', 'engine', 'designer'): its settings by field name (a settings file)."""
    environ: Mapping[str, str] = field(default_factory=dict)
    """The caller's environment: its BMS_IOT_/BMS_ENGINE_/BMS_DESIGNER_ settings pass through."""
    protocols: Path | None = None
    """The IoT service's protocol plugins (BMS_IOT_PROTOCOLS_FILE), e.g. the demo's Modbus devices."""
    mqtt_port: int | None = None
    """Start a Mosquitto broker on 127.0.0.1 at this port, and publish telemetry to it."""

    @property
    def iot_url(self) -> str:
        return f"http://127.0.0.1:{self.iot_port}"

    @property
    def engine_url(self) -> str:
        return f"http://127.0.0.1:{self.engine_port}"

    @property
    def designer_url(self) -> str:
        return f"http://127.0.0.1:{self.designer_port}"


def device_addresses(simulator: Path) -> list[str]:
    """The simulated devices' ``ip:port``, so the service can find them by unicast Who-Is."""
    config = yaml.safe_load(simulator.read_text(encoding="utf-8"))
    addresses = []
    for device in config["devices"]:
        host_port = str(device["address"])
        ip, _, rest = host_port.partition("/")
        port = rest.partition(":")[2] if ":" in rest else host_port.partition(":")[2]
        addresses.append(f"{ip.partition(':')[0]}:{port or 47808}")
    return addresses


def mosquitto_spec(config: StackConfig, port: int) -> ServiceSpec:
    """Debian's Mosquitto on 127.0.0.1:``port``, its data beside the services' (docs/mqtt.md)."""
    import getpass
    import socket

    binary = shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin")
    if binary is None:
        raise RuntimeError("--mqtt needs mosquitto (apt-get install mosquitto)")
    data = config.data_dir / "mosquitto"
    data.mkdir(parents=True, exist_ok=True)
    conf = data / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
        f"persistence_location {data}/\nuser {getpass.getuser()}\n",
        encoding="utf-8",
    )

    def listening() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False

    return ServiceSpec(
        name="mosquitto", argv=[binary, "-c", str(conf)], env=clean_env(),
        log=config.data_dir / "logs" / "mosquitto.log", ready=listening,
        url=f"mqtt://127.0.0.1:{port}",
    )  # fmt: skip


PREFIXES = {"iot": "BMS_IOT_", "engine": "BMS_ENGINE_", "designer": "BMS_DESIGNER_"}
"""Each service's pydantic-settings environment prefix."""


def load_settings(path: Path) -> dict[str, dict[str, Any]]:
    """A stack settings file: ``{iot: {...}, engine: {...}, designer: {...}}`` (YAML or JSON).

    Keys are each service's settings field names, e.g. ``iot: {bacnet_address:
    127.12.0.1/8:47809, discovery_mode: unicast, targets: [127.12.0.2:47808]}``.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ValueError(f"{path}: expected a mapping of service name to its settings")
    unknown = sorted(set(data) - set(PREFIXES))
    if unknown:
        raise ValueError(f"{path}: unknown services {unknown}; known: {sorted(PREFIXES)}")
    return {name: dict(values) for name, values in data.items()}


def service_env(
    service: str, config: StackConfig, wiring: Mapping[str, str], defaults: Mapping[str, str]
) -> dict[str, str]:
    """The service's environment, later sources winning over earlier ones.

    ``defaults`` (the stack's choices for the demo) < the caller's ``BMS_<SERVICE>_``
    environment < the settings file < ``wiring`` (data dirs, ports, URLs and token files
    that tie the three services together and must stay consistent).
    """
    prefix = PREFIXES[service]
    env = dict(defaults)
    env |= {k: v for k, v in config.environ.items() if k.startswith(prefix)}
    for name, value in config.settings.get(service, {}).items():
        env[prefix + name.upper()] = _env_value(value)
    env |= wiring
    return clean_env(**env)


def _env_value(value: Any) -> str:
    # pydantic-settings reads lists and mappings as JSON, booleans as true/false.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def service_specs(config: StackConfig) -> list[ServiceSpec]:
    """The three services (and a broker, if asked for), in start order."""
    data = config.data_dir
    iot_token, engine_token = data / "iot" / "token", data / "engine" / "token"
    # The Designer has a token of its own: the only one the IoT service trusts to name an operator.
    designer_iot_token = data / "iot" / "designer-token"
    iot_mqtt: dict[str, str] = {}
    engine_mqtt: dict[str, str] = {}
    if config.mqtt_port is not None:
        broker = {"host": "127.0.0.1", "port": config.mqtt_port, "site": "demo"}
        iot_mqtt = {"BMS_IOT_MQTT": json.dumps(broker)}
        engine_mqtt = {"BMS_ENGINE_MQTT": json.dumps(broker)}
    iot = ServiceSpec(
        name="iot-service",
        argv=[str(BIN / "iot-supervisor"), "serve", "--simulate", str(config.simulator)],
        env=service_env(
            "iot",
            config,
            wiring={
                "BMS_IOT_DATA_DIR": str(data / "iot"),
                "BMS_IOT_HTTP_PORT": str(config.iot_port),
                **({"BMS_IOT_PROTOCOLS_FILE": str(config.protocols)} if config.protocols else {}),
                **iot_mqtt,
            },
            defaults={
                "BMS_IOT_DISCOVERY_MODE": "unicast",
                "BMS_IOT_TARGETS": json.dumps(device_addresses(config.simulator)),
                "BMS_IOT_DISCOVER_ON_START": "true",
            },
        ),
        log=data / "logs" / "iot-service.log",
        ready=lambda: (
            http_ok(f"{config.iot_url}/health")
            and http_ok(f"{config.iot_url}/devices", iot_token)
            and _has_devices(config.iot_url, iot_token)
        ),
        url=config.iot_url,
    )
    engine = ServiceSpec(
        name="engine",
        argv=[
            str(BIN / "headless-engine"),
            "start",
            "--state-dir",
            str(data / "engine"),
            "--iot-url",
            config.iot_url,
            "--iot-token-file",
            str(iot_token),
            "--port",
            str(config.engine_port),
        ],
        env=service_env("engine", config, wiring=engine_mqtt, defaults={}),
        log=data / "logs" / "engine.log",
        ready=lambda: _json(f"{config.engine_url}/engine/health").get("ready") is True,
        url=config.engine_url,
    )
    designer_wiring = {
        "BMS_DESIGNER_DATA_DIR": str(data / "designer"),
        "BMS_DESIGNER_PORT": str(config.designer_port),
        "BMS_DESIGNER_WEB_DIR": str(config.web_dir),
        "BMS_DESIGNER_ENGINE_URL": config.engine_url,
        "BMS_DESIGNER_ENGINE_TOKEN_FILE": str(engine_token),
        "BMS_DESIGNER_IOT_URL": config.iot_url,
        "BMS_DESIGNER_IOT_TOKEN_FILE": str(designer_iot_token),
    }
    if config.admin_password:
        designer_wiring["BMS_DESIGNER_ADMIN_PASSWORD"] = config.admin_password
    designer_env = service_env("designer", config, wiring=designer_wiring, defaults={})
    designer = ServiceSpec(
        name="designer",
        argv=[str(BIN / "designer"), "serve"],
        # migrated in a process of its own: a server that migrates keeps alembic loaded
        # (about 10 MB) for its whole life
        prepare=[str(BIN / "designer"), "migrate"],
        env=designer_env,
        log=data / "logs" / "designer.log",
        ready=lambda: http_ok(f"{config.designer_url}/health"),
        url=config.designer_url,
    )
    if config.mqtt_port is not None:
        return [mosquitto_spec(config, config.mqtt_port), iot, engine, designer]
    return [iot, engine, designer]


def _json(url: str) -> dict[str, Any]:
    import httpx

    try:
        body = httpx.get(url, timeout=2).json()
    except (httpx.HTTPError, ValueError):
        return {}
    return body if isinstance(body, dict) else {}


def _has_devices(url: str, token_file: Path) -> bool:
    import httpx

    try:
        token = token_file.read_text().strip()
        devices = httpx.get(
            f"{url}/devices", headers={"authorization": f"Bearer {token}"}, timeout=5
        )
        return bool(devices.json())
    except (httpx.HTTPError, OSError, ValueError):
        return False


class Stack:
    """Runs the services; :meth:`supervise` keeps them running until :meth:`shutdown`."""

    def __init__(self, config: StackConfig, specs: list[ServiceSpec] | None = None) -> None:
        self.config = config
        self.specs = specs if specs is not None else service_specs(config)
        self.running: dict[str, Running] = {}
        self._stopping = False

    def wait_ready(self, spec: ServiceSpec, process: Any) -> None:
        deadline = time.monotonic() + self.config.ready_timeout_s
        while not spec.ready():
            if process.poll() is not None:
                raise RuntimeError(
                    f"{spec.name} exited with code {process.returncode} while starting; see {spec.log}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{spec.name} was not ready after {self.config.ready_timeout_s:.0f} s; see {spec.log}"
                )
            time.sleep(0.2)

    def start(self, after_ready: Callable[[ServiceSpec], None] | None = None) -> None:
        """Start every service in order, each once the previous one is ready."""
        for spec in self.specs:
            log.info("starting %s", spec.name)
            run_prepare(spec)
            process = spawn(spec)
            self.running[spec.name] = Running(spec, process, time.monotonic())
            self.wait_ready(spec, process)
            log.info("%s ready at %s (pid %d)", spec.name, spec.url, process.pid)
            if after_ready is not None:
                after_ready(spec)
        self.write_pids()

    def write_pids(self) -> None:
        pids = {name: r.pid for name, r in self.running.items()}
        (self.config.data_dir / "stack.json").write_text(json.dumps(pids, indent=2) + "\n")

    def check_once(self, should_stop: Callable[[], bool] = lambda: False) -> None:
        """Restart any service that exited, with backoff; called every half second."""
        for name, running in self.running.items():
            code = running.exited()
            if code is None or self._stopping or should_stop():
                continue
            now = time.monotonic()
            if now - running.started_at > STABLE_S:
                running.restarts = 0
            delay = BACKOFF_S[min(running.restarts, len(BACKOFF_S) - 1)]
            log.warning(
                "%s exited with code %s; restarting in %.0f s (restart %d)",
                name, code, delay, running.restarts + 1,
            )  # fmt: skip
            deadline = time.monotonic() + delay
            while time.monotonic() < deadline:  # a Ctrl-C during the backoff is not kept waiting
                if should_stop():
                    return
                time.sleep(0.1)
            running.history.append(code)
            running.process = spawn(running.spec)
            running.started_at = time.monotonic()
            running.restarts += 1
            try:
                self.wait_ready(running.spec, running.process)
            except RuntimeError as err:
                log.error("%s", err)
                continue
            log.info("%s restarted and ready (pid %d)", name, running.pid)
            self.write_pids()

    def supervise(self, should_stop: Callable[[], bool]) -> None:
        while not should_stop():
            self.check_once(should_stop)
            time.sleep(0.5)

    def shutdown(self) -> None:
        """Stop the services in reverse order; each shuts down cleanly on SIGINT."""
        self._stopping = True
        for name in reversed([s.name for s in self.specs]):
            running = self.running.get(name)
            if running is not None:
                code = stop(running.process)
                log.info("%s stopped (exit %s)", name, code)


def trust_designer_key(config: StackConfig) -> None:
    """Make the engine trust the bundles the Designer signs."""
    public = config.data_dir / "designer" / "signing.pub"
    trusted = config.data_dir / "engine" / "trusted" / "designer.pub"
    trusted.parent.mkdir(parents=True, exist_ok=True)
    if public.exists():
        shutil.copyfile(public, trusted)

"""The whole system on the demo building, for the fault and fuzz benches.

The demo's simulated devices run in their own `iot-supervisor simulate` process
(so a device can go silent or reboot on its own), then the IoT service, the
engine and the Designer, each gated on the previous one's readiness, exactly
as `bms-stack up` wires them (bms_stack.stack.service_specs). The demo project
is created and deployed through the Designer's API. Everything binds to
127.11.x.x / ports 41100-41199 (issue 11's range), never the default stack's.
"""

from __future__ import annotations

import dataclasses
import json
import signal
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import yaml

from bms_stack.demo import DesignerClient, admin_password, provision_demo
from bms_stack.demo_project import demo_graph, demo_points
from bms_stack.services import ServiceSpec, clean_env, spawn
from bms_stack.stack import Stack, StackConfig, service_specs, trust_designer_key

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEMO = ROOT / "apps/iot-supervisor-app/examples/demo-building.yaml"
BACNET_PORT = 41108
IOT_PORT, ENGINE_PORT, DESIGNER_PORT = 41100, 41101, 41102


def wait_for(
    condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.25
) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = condition()
        except (httpx.HTTPError, OSError, KeyError, ValueError, TypeError, sqlite3.Error) as err:
            last = err
        else:
            if last:
                return last
        time.sleep(interval)
    raise TimeoutError(f"{what}: not within {timeout} s (last: {last!r})")


def simulator_config(
    path: Path, net: int = 0, bacnet_port: int = BACNET_PORT, network: str = "127.11"
) -> Path:
    """The demo building moved to <network>.<net>.x:<bacnet_port>."""
    config = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    for i, device in enumerate(config["devices"]):
        device["address"] = f"{network}.{net}.{i + 2}/8:{bacnet_port}"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


class DemoStack:
    """Simulator, IoT service, engine and Designer; processes can be killed and restarted."""

    def __init__(
        self,
        data_dir: Path,
        *,
        offset: int = 0,
        network: str = "127.11",
        settings: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        """``offset`` moves every port (and the <network>.x subnet) so two stacks never meet;
        ``network`` is the first two octets of the BACnet addresses; ``settings`` are merged
        over the bench's own, per service."""
        self.data = data_dir
        net, bacnet = offset // 20, BACNET_PORT + offset
        sim = simulator_config(data_dir / "building.yaml", net, bacnet, network)
        self.config = StackConfig(
            data_dir=data_dir, simulator=sim, iot_port=IOT_PORT + offset,
            engine_port=ENGINE_PORT + offset, designer_port=DESIGNER_PORT + offset,
            web_dir=ROOT / "apps/designer/web/dist",
            admin_password="fault-bench-admin",
            settings=_merged({
                "iot": {"bacnet_address": f"{network}.{net}.1/8:{bacnet + 1}",
                        "request_timeout_s": 0.5, "request_retries": 0,
                        "offline_after_failures": 1, "probe_interval_s": 0.5},
                "engine": {"device_check_s": 1, "command_retry_max_s": 2, "backoff_max_s": 1,
                           "poll_interval_s": 5},
            }, settings or {}),
        )  # fmt: skip
        specs = service_specs(self.config)
        iot = specs[0]
        # the devices in a process of their own, so that they can fail apart from the service
        specs[0] = dataclasses.replace(iot, argv=[str(BIN / "iot-supervisor"), "serve"])
        self.sim_spec = ServiceSpec(
            name="simulator", argv=[str(BIN / "iot-supervisor"), "simulate", str(sim)],
            env=clean_env(), log=data_dir / "logs" / "simulator.log", ready=lambda: True,
            url=f"bacnet://{network}.{net}.2:{bacnet}",
        )  # fmt: skip
        (data_dir / "logs").mkdir(parents=True, exist_ok=True)
        self.stack = Stack(self.config, [self.sim_spec, *specs])

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        def after_ready(spec: ServiceSpec) -> None:
            if spec.name == "designer":
                trust_designer_key(self.config)

        self.stack.start(after_ready)
        self.sign_in()
        provision_demo(self.designer, lambda: demo_graph(demo_points()))
        self.iot = httpx.Client(base_url=self.config.iot_url, timeout=30)
        self.engine = httpx.Client(base_url=self.config.engine_url, timeout=30)
        self.refresh_tokens()

    def sign_in(self) -> None:
        """A new Designer session for the bench."""
        if hasattr(self, "designer"):
            self.designer.close()
        self.designer: DesignerClient = DesignerClient(
            self.config.designer_url, "admin", admin_password(self.data, "fault-bench-admin")
        )

    def refresh_tokens(self) -> None:
        iot = (self.data / "iot" / "token").read_text().strip()
        engine = (self.data / "engine" / "token").read_text().strip()
        self.iot.headers["authorization"] = f"Bearer {iot}"
        self.engine.headers["authorization"] = f"Bearer {engine}"

    def process(self, name: str) -> Any:
        return self.stack.running[name].process

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.process(name)
        process.send_signal(sig)
        process.wait(60)

    def restart(self, name: str, env: dict[str, str] | None = None) -> None:
        """Start ``name`` again; ``env``, if given, replaces its environment from now on."""
        running = self.stack.running[name]
        if env is not None:
            running.spec = dataclasses.replace(running.spec, env=env)
        running.process = spawn(running.spec)
        self.stack.wait_ready(running.spec, running.process)

    def close(self) -> None:
        for client in ("iot", "engine", "designer"):
            if hasattr(self, client):
                getattr(self, client).close()
        self.stack.shutdown()

    # --- what the devices hold ---------------------------------------------------------------

    def commands(self) -> list[tuple[str, int, Any]]:
        """(point, priority, value) of every point output of the running bundle; None = let go."""
        status = self.engine.get("/engine/status").json()
        bundle = json.loads(
            (self.data / "engine" / "bundles" / f"{status['version']}.json").read_text()
        )
        default = bundle.get("defaults", {}).get("writePriority", 16)
        values = self.engine.get("/engine/values").json()["flows"]
        found = []
        for flow in bundle["graph"]["flows"]:
            for node in bundle["graph"]["nodes"]:
                if node["type"] != "io.point-output" or node.get("flow", flow["id"]) != flow["id"]:
                    continue
                params = node.get("params", {})
                command = values.get(flow["id"], {}).get(node["id"], {}).get("command")
                if command is None:
                    continue
                found.append((str(params["point"]), int(params.get("priority") or default),
                              command[0]))  # fmt: skip
        return found

    def slots(self, commands: list[tuple[str, int, Any]]) -> list[Any]:
        if not commands:  # an engine just booted may command nothing yet: nothing to read
            return []
        refs = [
            f"{p.removesuffix('/present-value')}/priority-array[{prio}]" for p, prio, _ in commands
        ]
        results = self.iot.post("/points/read", json={"points": refs}).json()["results"]
        return [r["value"]["value"] for r in results]

    def mismatched(self) -> tuple[list[str], list[str]]:
        """(commands not in their slot, slots still held though the engine let go)."""
        commands = self.commands()
        wrong, stuck = [], []
        for (point, priority, value), held in zip(commands, self.slots(commands), strict=True):
            if value is None:
                if held is not None:
                    stuck.append(f"{point}@{priority}={held!r}")
            elif not _same(held, value):
                wrong.append(f"{point}@{priority}: {held!r} != {value!r}")
        return wrong, stuck

    # --- records -----------------------------------------------------------------------------

    def records(self) -> dict[str, int]:
        deployments = self.engine.get("/engine/deployments", params={"limit": 1000}).json()
        audit = self.iot.get("/writes", params={"limit": 1000}).json()["entries"]
        projects = self.designer.json("GET", "/api/projects")["projects"]
        return {
            "deployments": int(deployments.get("total") or len(deployments["entries"])),
            "audit_max_id": max((e["id"] for e in audit), default=0),
            "audit": len(audit),
            "projects": len(projects),
        }

    def audit_ids(self) -> set[int]:
        return {e["id"] for e in self.iot.get("/writes", params={"limit": 1000}).json()["entries"]}

    def healthy(self) -> bool:
        iot = httpx.get(f"{self.config.iot_url}/health", timeout=5).status_code == 200
        engine = httpx.get(f"{self.config.engine_url}/engine/health", timeout=5).json()
        designer = httpx.get(f"{self.config.designer_url}/health", timeout=5).status_code == 200
        return (
            iot
            and designer
            and engine["ready"]
            and self.engine.get("/engine/status").json()["state"] == "running"
        )


def _merged(
    base: dict[str, dict[str, Any]], over: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    return {k: base.get(k, {}) | over.get(k, {}) for k in base.keys() | over.keys()}


def _same(held: Any, value: Any) -> bool:
    if held is None:
        return False
    if isinstance(value, bool):
        words = ("1", "active", "true") if value else ("0", "inactive", "false")
        return str(held).lower() in words
    if isinstance(value, int | float) and isinstance(held, int | float):
        return abs(float(held) - float(value)) <= 1e-3 * max(1.0, abs(float(value)))
    return bool(held == value)

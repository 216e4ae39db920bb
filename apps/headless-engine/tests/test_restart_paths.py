"""Command truth over real processes: after every restart path, every command is back.

One stack is shared by the tests of this module (start-up is the slow part):

- device 2111 is simulated *inside* the IoT service (``--simulate``, as the demo runs), so an
  IoT service restart also restarts the device with an empty priority array;
- device 2112 is simulated by a separate process, so it can go silent and come back;
- one engine runs a bundle whose point outputs are constants: their value never changes,
  so write-on-change alone would never write them again.

Each test takes one path (IoT service restart, engine stop/start, redeploy of the same
graph, rollback, an output removed by a deploy, device offline and back, stop and start
through the API) and then waits, bounded, until every point output's value sits in its
priority slot on the simulated device, read back over BACnet through the service. Each
test ends with the stack whole.
"""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bms_service.testing import ChildProcess, clean_env, free_port, wait_for
from supervisor_engine import (
    SigningKey,
    bundle_document,
    generate_key,
    public_key_pem,
    sign_document,
)
from supervisor_engine.testing import GraphBuilder, NetPlan, make_bundle

IOT_TOKEN = "iot-restart-paths-token"
BIN = Path(sys.executable).parent
PLAN = NetPlan.allocate()  # this run's addresses and ports: another run never collides
INNER = f"{PLAN.host(2)}/8:{PLAN.device_port}"
OUTER = f"{PLAN.host(3)}/8:{PLAN.device_port}"
SERVICE_BACNET = PLAN.service_address
BROADCAST = PLAN.broadcast
BACK_WITHIN_S = 30
"""Bound on how long a command may be missing after the path completes."""

pytestmark = pytest.mark.timeout(240)


def _device(instance: int, address: str) -> dict[str, Any]:
    return {
        "instance": instance, "address": address, "name": f"dev-{instance}",
        "objects": [
            {"type": "analog-input", "instance": 1, "name": "T", "value": 21.0,
             "units": "degrees-celsius"},
            {"type": "analog-output", "instance": 1, "name": "VLV", "value": 0.0,
             "units": "percent"},
            {"type": "analog-value", "instance": 1, "name": "SP", "value": 20.0,
             "units": "degrees-celsius", "commandable": True},
            {"type": "binary-value", "instance": 1, "name": "EN", "value": False,
             "commandable": True},
            {"type": "binary-output", "instance": 1, "name": "FAN", "value": False},
        ],
    }  # fmt: skip


# (point, priority, value) of every point output of version 1.x
COMMANDS = (
    ("2111/analog-output,1/present-value", 10, 42.0),
    ("2111/analog-value,1/present-value", 12, 17.5),
    ("2111/binary-value,1/present-value", 9, True),
    ("2112/analog-output,1/present-value", 10, 33.0),
    ("2112/binary-output,1/present-value", 8, True),
)
INPUTS = ("2111/analog-input,1/present-value", "2112/analog-input,1/present-value")


def command_bundle(
    key: SigningKey, version: str, commands: tuple[tuple[str, int, Any], ...] = COMMANDS
) -> dict[str, Any]:
    g = GraphBuilder(flow="hold", period_ms=500)
    for i, point in enumerate(INPUTS):
        g.node("io.point-input", f"in{i}", point=point, staleAfterS=30)
    for i, (point, priority, value) in enumerate(commands):
        kind = "bool" if isinstance(value, bool) else "number"
        c = g.node("io.constant", f"c{i}", value=value, valueType=kind)
        out = g.node("io.point-output", f"out{i}", point=point, priority=priority, valueType=kind)
        g.wire(c, "value", out, "value")
    return sign_document(bundle_document(make_bundle(g.build(), version=version)), key)


def _holds(held: Any, value: Any) -> bool:
    """A slot read back holds ``value``; a binary slot reads back as an enumerated ("1")."""
    if held is None:
        return False
    if isinstance(value, bool):
        return str(held).lower() in (
            ("1", "active", "true") if value else ("0", "inactive", "false")
        )
    return bool(held == pytest.approx(value))


class Stack:
    """The IoT service (with device 2111 inside), device 2112 outside, and the engine."""

    def __init__(self, root: Path, key: SigningKey) -> None:
        self.root = root
        self.key = key
        (root / "inner.json").write_text(
            json.dumps({"tickS": 1, "devices": [_device(2111, INNER)]})
        )
        (root / "outer.json").write_text(
            json.dumps({"tickS": 1, "devices": [_device(2112, OUTER)]})
        )
        public = root / "signing.pub"
        public.write_bytes(public_key_pem(key.public_key()))
        self.iot_port, self.engine_port = free_port(), free_port()
        self.iot_url = f"http://127.0.0.1:{self.iot_port}"
        self.engine_url = f"http://127.0.0.1:{self.engine_port}"
        self.iot = httpx.Client(
            base_url=self.iot_url, headers={"authorization": f"Bearer {IOT_TOKEN}"}, timeout=10
        )
        self.token_file = root / "iot-token"
        self.token_file.write_text(IOT_TOKEN + "\n")
        self.processes: list[ChildProcess] = []
        try:
            self.outer = self._spawn(
                [str(BIN / "iot-supervisor"), "simulate", str(root / "outer.json")],
                clean_env(), "outer.log",
            )  # fmt: skip
            self.service = self._spawn(
                [str(BIN / "iot-supervisor"), "serve"],
                clean_env(
                    BMS_IOT_DATA_DIR=str(root / "iot"), BMS_IOT_TOKEN=IOT_TOKEN,
                    BMS_IOT_HTTP_PORT=str(self.iot_port), BMS_IOT_BACNET_ADDRESS=SERVICE_BACNET,
                    BMS_IOT_BROADCAST_ADDRESS=BROADCAST, BMS_IOT_SIMULATE=str(root / "inner.json"),
                    BMS_IOT_DISCOVERY_MODE="directed-broadcast", BMS_IOT_DISCOVER_ON_START="true",
                    BMS_IOT_POLL_INTERVAL_S="1", BMS_IOT_STREAM_KEEPALIVE_S="0.5",
                    BMS_IOT_REQUEST_TIMEOUT_S="0.5", BMS_IOT_REQUEST_RETRIES="0",
                    BMS_IOT_OFFLINE_AFTER_FAILURES="1", BMS_IOT_PROBE_INTERVAL_S="0.5",
                ),
                "iot.log",
            )  # fmt: skip
            self.wait_service()
            self.engine = self._spawn(
                [str(BIN / "headless-engine"), "start", "--state-dir", str(root / "engine"),
                 "--iot-url", self.iot_url, "--port", str(self.engine_port),
                 "--trusted-key", str(public), "--iot-token-file", str(self.token_file)],
                clean_env(
                    BMS_ENGINE_STATE_SAVE_INTERVAL_S="0.5",
                    BMS_ENGINE_BACKOFF_MAX_S="1", BMS_ENGINE_POLL_INTERVAL_S="2",
                    BMS_ENGINE_WRITE_MIN_INTERVAL_S="0.2", BMS_ENGINE_DEVICE_CHECK_S="0.5",
                    BMS_ENGINE_COMMAND_RETRY_MAX_S="2",
                ),
                "engine.log",
            )  # fmt: skip
            self.wait_engine()
            token = (root / "engine" / "token").read_text().strip()
            self.http = httpx.Client(
                base_url=self.engine_url, headers={"authorization": f"Bearer {token}"}, timeout=10
            )
        except BaseException:
            self.close()  # never leave a process behind a failed setup
            raise

    def _spawn(self, args: list[str], env: dict[str, str], log: str) -> ChildProcess:
        process = ChildProcess(args, env, self.root / log)
        self.processes.append(process)
        return process

    def wait_service(self) -> None:
        def both_discovered() -> bool:
            found = {d["instance"] for d in self.iot.get("/devices").json()}
            if {2111, 2112} <= found:
                return True
            self.iot.post("/discover", json={}, timeout=30)
            return False

        wait_for(both_discovered, 60, "the IoT service to discover both devices", interval=0.5)

    def wait_engine(self) -> None:
        wait_for(
            lambda: httpx.get(f"{self.engine_url}/engine/health", timeout=2).json()["ready"],
            30,
            "the engine",
        )

    # --- reading the devices over BACnet ------------------------------------------------------

    def slots(self, commands: tuple[tuple[str, int, Any], ...]) -> list[Any]:
        """The value in each command's priority slot, read over BACnet through the service."""
        refs = [
            f"{p.removesuffix('/present-value')}/priority-array[{prio}]" for p, prio, _ in commands
        ]
        response = self.iot.post("/points/read", json={"points": refs})
        return [r["value"]["value"] for r in response.json()["results"]]

    def missing(self, commands: tuple[tuple[str, int, Any], ...] = COMMANDS) -> list[str]:
        """Commands whose slot does not hold their value (empty when all are held)."""
        return [
            f"{point}@{priority}={held!r}"
            for (point, priority, value), held in zip(commands, self.slots(commands), strict=True)
            if not _holds(held, value)
        ]

    def wait_all_held(
        self, what: str, commands: tuple[tuple[str, int, Any], ...] = COMMANDS
    ) -> None:
        last: list[str] = []

        def held() -> bool:
            nonlocal last
            last = self.missing(commands)
            return not last

        try:
            wait_for(held, BACK_WITHIN_S, f"every command back {what}", interval=0.25)
        except AssertionError as err:
            raise AssertionError(f"{err}; still missing: {last}") from None

    def clear_slots(self) -> None:
        """Relinquish every commanded slot behind the engine's back (what a reboot does)."""
        writes = [{"point": p, "value": None, "priority": prio} for p, prio, _ in COMMANDS]
        response = self.iot.post("/points/write", json={"writes": writes})
        assert response.status_code == 200, response.text
        assert all(v is None for v in self.slots(COMMANDS))

    def health(self) -> dict[str, Any]:
        return dict(httpx.get(f"{self.engine_url}/engine/health", timeout=5).json())

    def deploy(self, document: dict[str, Any]) -> None:
        response = self.http.post("/engine/deploy", json={"bundle": document})
        assert response.status_code == 200, response.text

    def close(self) -> None:
        for client in ("iot", "http"):
            if hasattr(self, client):
                getattr(self, client).close()
        for process in reversed(self.processes):
            process.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    key = generate_key()
    s = Stack(tmp_path_factory.mktemp("restart-paths"), key)
    try:
        s.deploy(command_bundle(key, "1.0.0"))
        s.wait_all_held("after the first deploy")
        yield s
    finally:
        s.close()


@pytest.fixture
def held(stack: Stack) -> Stack:
    """Every test starts with every command held and ends with it held again."""
    stack.wait_all_held("before the test")
    return stack


def test_iot_service_restart_with_its_devices(held: Stack) -> None:
    held.service.kill(signal.SIGKILL)
    held.service.start()
    held.wait_service()
    held.wait_all_held("after the IoT service (and device 2111 inside it) restarted")


def test_engine_stop_and_start(held: Stack) -> None:
    held.engine.kill(signal.SIGTERM)  # a clean stop relinquishes every command
    assert all(v is None for v in held.slots(COMMANDS)), "a clean stop lets go of every slot"
    held.engine.start()
    held.wait_engine()
    held.wait_all_held("after the engine restarted")


def test_engine_killed_and_restarted_with_the_slots_lost(held: Stack) -> None:
    held.engine.kill(signal.SIGKILL)
    held.clear_slots()
    held.engine.start()
    held.wait_engine()
    held.wait_all_held("after the engine was killed and the slots were lost meanwhile")


def test_redeploy_of_the_same_graph(held: Stack) -> None:
    held.clear_slots()
    held.deploy(command_bundle(held.key, "1.0.1"))
    held.wait_all_held("after a redeploy of the same graph")


def test_rollback_brings_the_old_commands_back_and_leaves_no_slot_held(held: Stack) -> None:
    # 2.0.0 moves one point to another priority and changes another's value
    moved = (COMMANDS[0][0], 11, 55.0)
    v2 = (moved, *COMMANDS[1:4], (COMMANDS[4][0], 8, False))
    held.deploy(command_bundle(held.key, "2.0.0", v2))
    held.wait_all_held("after deploying 2.0.0", v2)
    assert held.slots(((COMMANDS[0][0], 10, None),)) == [None], "2.0.0 let go of slot 10"
    versions = [e["version"] for e in held.http.get("/engine/deployments").json()["entries"]]
    older = next(v for v in versions if v.startswith("1."))
    response = held.http.post("/engine/rollback", json={"version": older})
    assert response.status_code == 200, response.text
    held.wait_all_held(f"after the rollback to {older}")
    assert held.slots(((moved[0], 11, None),)) == [None], "the rollback let go of slot 11"


def test_an_output_removed_by_a_deploy_lets_go_of_its_slot(held: Stack) -> None:
    # 3.0.0 drops the point output of 2112's binary output: its slot 8 reads back null
    before = held.http.get("/engine/status").json()["version"]
    kept = COMMANDS[:4]
    held.deploy(command_bundle(held.key, "3.0.0", kept))
    held.wait_all_held("after deploying 3.0.0", kept)
    wait_for(lambda: held.slots((COMMANDS[4],)) == [None], BACK_WITHIN_S, "3.0.0 let go of slot 8")
    assert held.http.post("/engine/rollback", json={"version": before}).status_code == 200
    held.wait_all_held(f"after the rollback to {before}")


def test_device_offline_and_back(held: Stack) -> None:
    held.outer.kill(signal.SIGKILL)
    wait_for(
        lambda: any("2112" in r and "offline" in r for r in held.health()["reasons"]),
        BACK_WITHIN_S,
        "the engine's health to name device 2112 offline",
    )
    held.outer.start()  # a fresh device: its priority array is empty
    held.wait_all_held("after device 2112 came back")
    wait_for(lambda: not held.health()["degraded"], BACK_WITHIN_S, "health to recover")


def test_stop_and_start_through_the_api(held: Stack) -> None:
    assert held.http.post("/engine/stop").status_code == 200
    wait_for(
        lambda: all(v is None for v in held.slots(COMMANDS)), BACK_WITHIN_S, "every slot let go"
    )
    assert held.http.post("/engine/start").status_code == 200
    held.wait_all_held("after start through the API")
    commands = held.http.get("/engine/status").json()["commands"]
    assert commands["held"] == len(COMMANDS)
    assert commands["unconfirmed"] == []


def test_token_rotation_reports_unauthorized_then_recovers_from_the_token_file(
    held: Stack,
) -> None:
    rotated = "rotated-" + IOT_TOKEN
    held.service.kill(signal.SIGKILL)
    held.service.env["BMS_IOT_TOKEN"] = rotated
    held.iot.headers["authorization"] = f"Bearer {rotated}"
    try:
        held.service.start()
        held.wait_service()
        health = wait_for(
            lambda: (
                (h := held.health())["degraded"]
                and any(r.startswith("unauthorized") for r in h["reasons"])
                and h
            ),
            BACK_WITHIN_S,
            "health to say unauthorized",
        )
        assert not any("unreachable" in r for r in health["reasons"])
        held.token_file.write_text(rotated + "\n")  # the operator rotates the engine's copy
        held.wait_all_held("after the token file got the rotated token")
        wait_for(lambda: not held.health()["degraded"], BACK_WITHIN_S, "health to recover")
    finally:
        held.token_file.write_text(rotated + "\n")

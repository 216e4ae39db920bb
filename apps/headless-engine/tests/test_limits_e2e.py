"""Authored limits and degraded policies over real processes.

Two simulator processes (a zone controller 2001 and an outdoor sensor 2002, so
that the sensor can die alone), the IoT service and the engine, talking BACnet/IP
on a 127.A.B.x block of their own (a NetPlan) and HTTP. What the engine
commands is read back over BACnet.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bms_schemas import BundleDefaults, DegradedPolicy, LimitAction, PointConstraint, PointRef
from bms_service.testing import ChildProcess, clean_env, free_port, wait_for
from supervisor_engine import bundle_document, sign_document
from supervisor_engine.testing import GraphBuilder, NetPlan, make_bundle

BIN = Path(sys.executable).parent
TOKEN = "iot-limits-e2e-token"
PLAN = NetPlan.allocate()  # this run's addresses and ports: another run never collides
PORT = PLAN.device_port
SERVICE_BACNET = PLAN.service_address
BROADCAST = f"127.255.255.255:{PORT}"
DAMPER = "2001/analog-output,1/present-value"
VALVE = "2001/analog-output,2/present-value"
SETPOINT = "2001/analog-value,1/present-value"
OAT = "2002/analog-value,1/present-value"

pytestmark = pytest.mark.timeout(180)


def _simulator(tmp_path: Path, name: str, device: dict[str, Any]) -> ChildProcess:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"tickS": 0.5, "devices": [device]}))
    return ChildProcess(
        [str(BIN / "iot-supervisor"), "simulate", str(path)], clean_env(), tmp_path / f"{name}.log"
    )


@pytest.fixture
def system(tmp_path: Path, public_key_file: Path) -> Iterator[dict[str, Any]]:
    procs: list[ChildProcess] = []
    try:
        procs.append(_simulator(tmp_path, "zone", {
            "instance": 2001, "address": f"{PLAN.host(2)}/8:{PORT}", "name": "zone",
            "objects": [
                {"type": "analog-value", "instance": 1, "name": "SP", "value": 21.0,
                 "units": "degrees-celsius", "commandable": True},
                {"type": "analog-output", "instance": 1, "name": "DMPR", "value": 0.0, "units": "percent"},
                {"type": "analog-output", "instance": 2, "name": "VLV", "value": 0.0, "units": "percent"},
            ],
        }))  # fmt: skip
        sensor = _simulator(tmp_path, "sensor", {
            "instance": 2002, "address": f"{PLAN.host(3)}/8:{PORT}", "name": "sensor",
            "objects": [{"type": "analog-value", "instance": 1, "name": "OAT", "value": 10.0,
                         "units": "degrees-celsius"}],
        })  # fmt: skip
        procs.append(sensor)
        port = free_port()
        iot = httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"authorization": f"Bearer {TOKEN}"},
            timeout=10,
        )  # fmt: skip
        procs.append(ChildProcess(
            [str(BIN / "iot-supervisor"), "serve"],
            clean_env(
                BMS_IOT_DATA_DIR=str(tmp_path / "iot"), BMS_IOT_TOKEN=TOKEN,
                BMS_IOT_HTTP_PORT=str(port), BMS_IOT_BACNET_ADDRESS=SERVICE_BACNET,
                BMS_IOT_BROADCAST_ADDRESS=BROADCAST, BMS_IOT_DISCOVERY_MODE="directed-broadcast",
                BMS_IOT_DISCOVER_ON_START="true", BMS_IOT_POLL_INTERVAL_S="1",
                BMS_IOT_STREAM_KEEPALIVE_S="0.5", BMS_IOT_REQUEST_TIMEOUT_S="0.5",
                BMS_IOT_PROBE_INTERVAL_S="0.5",
            ),
            tmp_path / "iot.log",
        ))  # fmt: skip

        def both_devices() -> bool:
            if len(iot.get("/devices").json()) >= 2:
                return True
            iot.post("/discover", json={}, timeout=30)
            return False

        wait_for(both_devices, 60, "the IoT service to discover both devices")
        engine_port = free_port()
        state = tmp_path / "engine"
        procs.append(ChildProcess(
            [str(BIN / "headless-engine"), "start", "--state-dir", str(state), "--iot-url",
             f"http://127.0.0.1:{port}", "--port", str(engine_port), "--trusted-key",
             str(public_key_file)],
            clean_env(BMS_ENGINE_IOT_TOKEN=TOKEN, BMS_ENGINE_BACKOFF_MAX_S="1",
                      BMS_ENGINE_POLL_INTERVAL_S="1", BMS_ENGINE_WRITE_MIN_INTERVAL_S="0.2"),
            tmp_path / "engine.log",
        ))  # fmt: skip
        url = f"http://127.0.0.1:{engine_port}"
        wait_for(lambda: httpx.get(f"{url}/engine/health", timeout=2).json()["ready"], 60, "engine")
        engine = httpx.Client(
            base_url=url, timeout=10,
            headers={"authorization": f"Bearer {(state / 'token').read_text().strip()}"},
        )  # fmt: skip
        yield {"iot": iot, "engine": engine, "sensor": sensor}
        engine.close()
        iot.close()
    finally:
        for proc in reversed(procs):
            proc.close()


def _bundle(signing_key: Any) -> dict[str, Any]:
    g = GraphBuilder(flow="limits", period_ms=200)
    wish = g.node("io.constant", "wish", value=150.0)
    damper = g.node("io.point-output", "damper", point=DAMPER, priority=10)
    oat = g.node("io.point-input", "oat", point=OAT, staleAfterS=2)
    valve = g.node("io.point-output", "valve", point=VALVE, priority=10)
    setpoint = g.node("io.point-output", "setpoint", point=SETPOINT, priority=12)
    g.wire(wish, "value", damper, "value")
    g.wire(oat, "value", valve, "value").wire(oat, "value", setpoint, "value")
    constraints = (
        PointConstraint(point=PointRef.parse(DAMPER), min=0.0, max=80.0),
        PointConstraint(point=PointRef.parse(VALVE), min=0.0, max=100.0,
                        degraded=DegradedPolicy.FALLBACK, fallback=35.0),
        PointConstraint(point=PointRef.parse(SETPOINT), degraded=DegradedPolicy.RELINQUISH),
    )  # fmt: skip
    bundle = make_bundle(
        g.build(), constraints=constraints,
        defaults=BundleDefaults(limit_action=LimitAction.CLAMP),
    )  # fmt: skip
    return sign_document(bundle_document(bundle), signing_key)


def _read(iot: httpx.Client, point: str) -> Any:
    return iot.post("/points/read", json={"points": [point]}).json()["results"][0]["value"]["value"]


def test_a_command_above_its_limit_is_clamped_and_a_dead_sensor_leads_to_the_policy(
    system: dict[str, Any], signing_key: Any
) -> None:
    iot, engine = system["iot"], system["engine"]
    response = engine.post("/engine/deploy", json={"bundle": _bundle(signing_key)})
    assert response.status_code == 200, response.text

    # 150 % asked, 80 % authored: the engine sends 80, and the audit log says why.
    wait_for(lambda: _read(iot, DAMPER) == pytest.approx(80.0), 30, "the damper at 80 %")
    audit = iot.get("/writes", params={"point": DAMPER, "outcome": "written"}).json()["entries"]
    assert audit[0]["caller"] == "engine"
    assert audit[0]["value"] == 80.0
    assert "clamped to the maximum 80 (asked 150)" in audit[0]["reason"]
    slot = iot.get("/points/priority-array", params={"point": DAMPER}).json()["slots"][9]
    assert (slot["value"], slot["holder"]) == (80.0, "engine")

    # The sensor's value drives the valve and the setpoint while it is good.
    wait_for(lambda: _read(iot, VALVE) == pytest.approx(10.0), 30, "the valve following OAT")
    array = "2001/analog-value,1/priority-array"
    wait_for(lambda: _read(iot, f"{array}[12]") == pytest.approx(10.0), 30, "slot 12 of SP")

    # The sensor dies: the valve goes to its authored fallback, the setpoint is relinquished.
    system["sensor"].close()
    wait_for(lambda: _read(iot, VALVE) == pytest.approx(35.0), 60, "the valve's fallback 35 %")
    wait_for(lambda: _read(iot, f"{array}[12]") is None, 60, "slot 12 of SP relinquished")
    reasons = [
        e["reason"] for e in iot.get("/writes", params={"outcome": "written"}).json()["entries"]
    ]
    assert any("degraded-fallback" in (r or "") for r in reasons)
    assert any("degraded-relinquish" in (r or "") for r in reasons)

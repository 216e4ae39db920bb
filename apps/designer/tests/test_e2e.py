"""End to end over real processes: simulated BACnet devices, the IoT service, the engine and
the Designer, each its own process talking HTTP (and BACnet/IP over UDP) on loopback.

Through the Designer's API only: create a project, bind a point, validate, build and sign,
diff, deploy, see the engine report the version, deploy another, roll back, override a point
by hand and release it. Waiting is bounded polling for an observable event.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bms_service.testing import ChildProcess, clean_env, free_port, wait_for
from supervisor_engine.testing import GraphBuilder, NetPlan

from .conftest import PASSWORD

IOT_TOKEN = "iot-designer-e2e-token"
IOT_DESIGNER_TOKEN = "iot-designer-e2e-designer-token"
"""The Designer's own token: the only one the IoT service trusts to name the operator."""
BIN = Path(sys.executable).parent
PLAN = NetPlan.allocate()  # this run's addresses and ports: another run never collides
DEVICE = f"{PLAN.host(2)}/8:{PLAN.device_port}"
SERVICE_BACNET = PLAN.service_address
BROADCAST = PLAN.broadcast
TEMP = "2001/analog-value,1"
DAMPER = "2001/analog-output,1"
DAMPER_PV = f"{DAMPER}/present-value"
TEMP_PV = f"{TEMP}/present-value"

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def system(tmp_path: Path) -> Iterator[dict[str, Any]]:
    processes: list[ChildProcess] = []
    try:
        # the Designer first: it makes the signing key the engine must trust
        designer_port = free_port()
        engine_port = free_port()
        iot_port = free_port()
        designer_url = f"http://127.0.0.1:{designer_port}"
        engine_state = tmp_path / "engine"
        processes.append(
            ChildProcess(
                [str(BIN / "designer"), "serve", "--port", str(designer_port)],
                clean_env(
                    BMS_DESIGNER_DATA_DIR=str(tmp_path / "designer"),
                    BMS_DESIGNER_ADMIN_PASSWORD=PASSWORD,
                    BMS_DESIGNER_WEB_DIR=str(tmp_path / "no-web"),
                    BMS_DESIGNER_ENGINE_URL=f"http://127.0.0.1:{engine_port}",
                    BMS_DESIGNER_ENGINE_TOKEN_FILE=str(engine_state / "token"),
                    BMS_DESIGNER_IOT_URL=f"http://127.0.0.1:{iot_port}",
                    BMS_DESIGNER_IOT_TOKEN=IOT_DESIGNER_TOKEN,
                ),
                tmp_path / "designer.log",
            )
        )
        wait_for(
            lambda: httpx.get(f"{designer_url}/health", timeout=2).json()["ready"],
            30,
            "the Designer",
        )
        public_key = tmp_path / "designer" / "signing.pub"
        config = {
            "tickS": 0.5,
            "devices": [
                {
                    "instance": 2001, "address": DEVICE, "name": "zone-1",
                    "objects": [
                        {"type": "analog-value", "instance": 1, "name": "ZN-T", "value": 24.0,
                         "units": "degrees-celsius", "commandable": True},
                        {"type": "analog-output", "instance": 1, "name": "DMPR", "value": 0.0,
                         "units": "percent"},
                    ],
                }
            ],
        }  # fmt: skip
        (tmp_path / "sim.json").write_text(json.dumps(config))
        processes.append(
            ChildProcess(
                [str(BIN / "iot-supervisor"), "simulate", str(tmp_path / "sim.json")],
                clean_env(),
                tmp_path / "sim.log",
            )
        )
        processes.append(
            ChildProcess(
                [str(BIN / "iot-supervisor"), "serve"],
                clean_env(
                    BMS_IOT_DATA_DIR=str(tmp_path / "iot"),
                    BMS_IOT_TOKEN=IOT_TOKEN,
                    BMS_IOT_DESIGNER_TOKEN=IOT_DESIGNER_TOKEN,
                    BMS_IOT_HTTP_PORT=str(iot_port),
                    BMS_IOT_BACNET_ADDRESS=SERVICE_BACNET,
                    BMS_IOT_BROADCAST_ADDRESS=BROADCAST,
                    BMS_IOT_DISCOVERY_MODE="directed-broadcast",
                    BMS_IOT_DISCOVER_ON_START="true",
                    BMS_IOT_POLL_INTERVAL_S="1",
                    BMS_IOT_STREAM_KEEPALIVE_S="0.5",
                    BMS_IOT_REQUEST_TIMEOUT_S="0.5",
                ),
                tmp_path / "iot.log",
            )
        )
        processes.append(
            ChildProcess(
                [
                    str(BIN / "headless-engine"),
                    "start",
                    "--state-dir",
                    str(engine_state),
                    "--iot-url",
                    f"http://127.0.0.1:{iot_port}",
                    "--port",
                    str(engine_port),
                    "--trusted-key",
                    str(public_key),
                ],
                clean_env(
                    BMS_ENGINE_IOT_TOKEN=IOT_TOKEN,
                    BMS_ENGINE_BACKOFF_MAX_S="1",
                    BMS_ENGINE_POLL_INTERVAL_S="1",
                    BMS_ENGINE_WRITE_MIN_INTERVAL_S="0.2",
                ),
                tmp_path / "engine.log",
            )
        )
        wait_for(
            lambda: httpx.get(f"http://127.0.0.1:{engine_port}/engine/health", timeout=2).json()[
                "ready"
            ],
            30,
            "the engine",
        )
        with httpx.Client(base_url=designer_url, timeout=15) as client:
            response = client.post(
                "/api/auth/login", json={"username": "admin", "password": PASSWORD}
            )
            assert response.status_code == 200, response.text
            client.headers["x-csrf-token"] = response.json()["csrfToken"]
            yield {"client": client, "iot_url": f"http://127.0.0.1:{iot_port}"}
    finally:
        for process in reversed(processes):
            process.close()


def zone_graph(setpoint: float) -> dict[str, Any]:
    g = GraphBuilder(flow="zone", period_ms=200)
    t = g.node("io.point-input", "t", point="1/analog-value,1", staleAfterS=5)
    sp = g.node("io.constant", "sp", value=setpoint)
    pid = g.node("control.pid", "pid", kp=10.0, tiS=0, action="direct", bias=0.0)
    out = g.node("io.point-output", "damper", point=DAMPER, priority=10)
    g.wire(t, "value", pid, "pv").wire(sp, "value", pid, "setpoint").wire(pid, "out", out, "value")
    return g.build().model_dump(mode="json", by_alias=True)


def discovered(client: httpx.Client, iot_url: str) -> Any:
    """The devices, through the Designer; asks the IoT service to look again while none."""
    response = client.get("/api/iot/devices")
    if response.status_code == 200 and not response.json():
        # the service may have sent its Who-Is before the simulator was listening
        httpx.post(f"{iot_url}/discover", json={}, timeout=5,
                   headers={"authorization": f"Bearer {IOT_TOKEN}"})  # fmt: skip
    return response.status_code == 200 and response.json()


def damper(client: httpx.Client) -> Any:
    response = client.post("/api/iot/points/read", json={"points": [DAMPER_PV]})
    return response.json()["results"][0]["value"]["value"]


def test_design_bind_validate_deploy_roll_back_and_override_through_the_designer(system):
    client: httpx.Client = system["client"]
    # the devices, through the Designer's IoT proxy
    found = wait_for(lambda: discovered(client, system["iot_url"]), 30, "discovered devices")
    again = client.post("/api/iot/discover", json={})
    assert again.status_code == 200, again.text
    assert [d["instance"] for d in again.json()["devices"]] == [2001]
    assert [d["instance"] for d in found] == [2001]
    points = client.get("/api/iot/devices/2001/points").json()
    assert {p["point"] for p in points} >= {TEMP_PV, DAMPER_PV}

    # a project, then bind the input block to the zone temperature
    project = client.post("/api/projects", json={"name": "Zone 1"}).json()
    pid = project["id"]
    saved = client.put(
        f"/api/projects/{pid}",
        json={"revision": 1, "content": {"graph": zone_graph(21.0), "bindings": {}}},
    ).json()
    bound = client.put(
        f"/api/projects/{pid}",
        json={"revision": saved["revision"],
              "content": {"graph": zone_graph(21.0), "bindings": {"t": TEMP}}},
    )  # fmt: skip
    assert bound.status_code == 200, bound.text
    assert client.post(f"/api/projects/{pid}/validate").json()["valid"] is True

    first = client.post(f"/api/projects/{pid}/bundles", json={"version": "1.0.0"}).json()
    diff = client.get(f"/api/projects/{pid}/bundles/1.0.0/diff").json()
    assert diff["activeVersion"] is None
    assert diff["pointsNewlyWritten"] == [DAMPER_PV]

    deployed = client.post(f"/api/projects/{pid}/deployments", json={"version": "1.0.0"})
    assert deployed.status_code == 200, deployed.text
    assert deployed.json()["outcome"] == "active"
    assert deployed.json()["engineAnswer"]["version"] == "1.0.0"
    status = client.get("/api/engine/status").json()
    assert (status["version"], status["hash"]) == ("1.0.0", first["hash"])
    # P only: (24 - 21) * 10 = 30 % on the simulated damper
    wait_for(lambda: damper(client) == pytest.approx(30.0), 30, "the damper at 30 %")

    # a second version: the diff names the change, the engine runs it
    client.put(
        f"/api/projects/{pid}",
        json={"revision": bound.json()["revision"],
              "content": {"graph": zone_graph(22.0), "bindings": {"t": TEMP}}},
    )  # fmt: skip
    assert client.post(f"/api/projects/{pid}/bundles", json={}).json()["version"] == "1.0.1"
    diff = client.get(f"/api/projects/{pid}/bundles/1.0.1/diff").json()
    assert diff["activeVersion"] == "1.0.0"
    assert diff["activeKnown"] is True
    assert diff["blocksChanged"] == [
        {"node": "sp", "fields": ["params.value"],
         "params": {"value": {"before": 21.0, "after": 22.0}}}
    ]  # fmt: skip
    assert client.post(f"/api/projects/{pid}/deployments", json={"version": "1.0.1"}).is_success
    wait_for(lambda: damper(client) == pytest.approx(20.0), 30, "the damper at 20 %")

    # roll back
    rolled = client.post(f"/api/projects/{pid}/rollback", json={"version": "1.0.0"})
    assert rolled.status_code == 200, rolled.text
    assert client.get("/api/engine/status").json()["version"] == "1.0.0"
    wait_for(lambda: damper(client) == pytest.approx(30.0), 30, "the damper back at 30 %")

    # to a version this engine never ran: it answers 404, the Designer sends the bundle
    assert client.post(f"/api/projects/{pid}/bundles", json={"version": "0.9.0"}).is_success
    rolled = client.post(f"/api/projects/{pid}/rollback", json={"version": "0.9.0"})
    assert rolled.status_code == 200, rolled.text
    assert client.get("/api/engine/status").json()["version"] == "0.9.0"

    history = client.get(f"/api/projects/{pid}/deployments").json()["entries"]
    assert [(e["action"], e["version"], e["outcome"]) for e in history] == [
        ("rollback", "0.9.0", "active"),
        ("rollback", "0.9.0", "refused"),
        ("rollback", "1.0.0", "active"),
        ("deploy", "1.0.1", "active"),
        ("deploy", "1.0.0", "active"),
    ]
    engine_history = client.get("/api/engine/deployments").json()["entries"]
    assert {e["by"] for e in engine_history if e["action"] in ("deploy", "rollback")} == {"admin"}

    # a manual override and its release, audited by the IoT service with the user and reason
    write = client.post(
        "/api/iot/points/write",
        json={"point": TEMP_PV, "value": 19.5, "priority": 8, "reason": "commissioning",
              "durationS": 3600},
    )  # fmt: skip
    assert write.status_code == 200, write.text
    assert write.json()["results"][0]["ok"] is True
    [override] = client.get("/api/iot/overrides").json()["overrides"]
    assert (override["caller"], override["reason"]) == ("designer:admin", "commissioning")
    assert 3590 < override["remainingS"] <= 3600
    slots = client.get("/api/iot/points/priority-array", params={"point": TEMP_PV}).json()["slots"]
    assert (slots[7]["value"], slots[7]["holder"]) == (19.5, "designer:admin")
    assert client.get("/api/iot/points/priority-array", params={"point": "x"}).status_code == 422
    release = client.post(
        "/api/iot/points/release", json={"point": TEMP_PV, "priority": 8, "reason": "done"}
    )
    assert release.json()["results"][0]["value"] is None
    audit = client.get("/api/iot/writes").json()["entries"]
    mine = [(e["caller"], e["reason"]) for e in audit if e["point"] == TEMP_PV]
    assert ("designer:admin", "commissioning") in mine, mine
    assert ("designer:admin", "done") in mine, mine
    assert client.get("/api/iot/overrides").json()["overrides"] == []
    filtered = client.get(
        "/api/iot/writes", params={"caller": "admin", "point": TEMP_PV, "outcome": "written"}
    ).json()["entries"]
    assert [e["reason"] for e in filtered] == ["done", "commissioning"]
    # the engine's event stream, relayed: the first event is its status
    with client.stream("GET", "/api/engine/stream") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            if line.startswith("event:"):
                assert line == "event: status"
                break

    # the engine's controls and alarms, as the console uses them
    stopped = client.post("/api/engine/stop")
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["state"] == "stopped"
    assert client.post("/api/engine/start").json()["state"] == "running"
    assert client.post("/api/engine/reload").json()["version"] == "0.9.0"
    engine_history = client.get("/api/engine/deployments").json()["entries"]
    assert [(e["action"], e["by"]) for e in engine_history[:3]] == [
        ("reload", "admin"), ("start", "admin"), ("stop", "admin"),
    ]  # fmt: skip
    alarms = client.get("/api/engine/alarms", params={"open": "true", "maxPriority": 50})
    assert alarms.status_code == 200, alarms.text
    assert alarms.json()["alarms"] == []
    unknown = client.post("/api/engine/alarms/nope/ack", json={"note": "checked"})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_alarm")

    # the zone temperature's history, through the Designer, downsampled by the IoT service
    history_body = client.get(
        "/api/iot/points/history", params={"point": TEMP, "buckets": 30}
    ).json()
    [series] = history_body["series"]
    assert (series["point"], series["unitSymbol"], series["kind"]) == (TEMP_PV, "°C", "number")
    assert len(series["buckets"]) == 30
    assert isinstance(series["buckets"][-1]["last"], float)

    # a second project at a version the first has too: the engine keeps both bundles, and
    # going back to the first project's version replaces the second only when confirmed
    school = client.post("/api/projects", json={"name": "School"}).json()
    content = {"graph": zone_graph(21.0), "bindings": {"t": TEMP}}
    client.put(f"/api/projects/{school['id']}", json={"revision": 1, "content": content})
    built = client.post(f"/api/projects/{school['id']}/bundles", json={"version": "0.9.0"})
    assert built.is_success, built.text
    deployed = client.post(
        f"/api/projects/{school['id']}/deployments",
        json={"version": "0.9.0", "allowOtherProject": True},
    )
    assert deployed.status_code == 200, deployed.text
    back = client.post(f"/api/projects/{pid}/rollback", json={"version": "0.9.0"})
    assert back.status_code == 409, back.text
    assert "'School' version 0.9.0" in back.json()["message"]
    assert client.get("/api/engine/status").json()["projectName"] == "School"
    back = client.post(
        f"/api/projects/{pid}/rollback", json={"version": "0.9.0", "allowOtherProject": True}
    )
    assert back.status_code == 200, back.text
    status = client.get("/api/engine/status").json()
    assert (status["projectName"], status["version"]) == ("Zone 1", "0.9.0")

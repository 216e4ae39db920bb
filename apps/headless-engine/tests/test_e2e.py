"""End to end over real processes: simulated BACnet devices, the IoT service, the engine.

The simulator and the service are `iot-supervisor` processes talking BACnet/IP
over UDP on a 127.A.B.x block of their own (a NetPlan); the engine is a `headless-engine` process talking
HTTP to the service. Tests kill and restart processes the way an operator or
a crash would. Waiting is bounded polling for an observable event, never a
sleep that assumes a speed.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bms_service.testing import ChildProcess, clean_env, free_port, wait_for
from supervisor_engine import bundle_document, sign_document
from supervisor_engine.testing import GraphBuilder, NetPlan, make_bundle

IOT_TOKEN = "iot-e2e-token"
BIN = Path(sys.executable).parent
PLAN = NetPlan.allocate()  # this run's addresses and ports: another run never collides
DEVICE = f"{PLAN.host(2)}/8:{PLAN.device_port}"
SERVICE_BACNET = PLAN.service_address
BROADCAST = PLAN.broadcast

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def devices(tmp_path: Path) -> Iterator[ChildProcess]:
    config = {
        "tickS": 0.5,
        "devices": [
            {
                "instance": 2001, "address": DEVICE, "name": "zone-1",
                "objects": [
                    {"type": "analog-value", "instance": 1, "name": "ZN-T", "value": 24.0,
                     "units": "degrees-celsius", "commandable": True},
                    {"type": "analog-output", "instance": 1, "name": "DMPR", "value": 0.0, "units": "percent"},
                    {"type": "binary-value", "instance": 1, "name": "CALL", "value": False, "commandable": True},
                    {"type": "binary-output", "instance": 1, "name": "COMP"  , "value": False},
                ],
            }
        ],
    }  # fmt: skip
    path = tmp_path / "sim.json"
    path.write_text(json.dumps(config))
    proc = ChildProcess(
        [str(BIN / "iot-supervisor"), "simulate", str(path)], clean_env(), tmp_path / "sim.log"
    )
    yield proc
    proc.close()


class Service:
    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = clean_env(
            BMS_IOT_DATA_DIR=str(tmp_path / "iot"), BMS_IOT_TOKEN=IOT_TOKEN,
            BMS_IOT_HTTP_PORT=str(self.port), BMS_IOT_BACNET_ADDRESS=SERVICE_BACNET,
            BMS_IOT_BROADCAST_ADDRESS=BROADCAST, BMS_IOT_DISCOVERY_MODE="directed-broadcast",
            BMS_IOT_DISCOVER_ON_START="true", BMS_IOT_POLL_INTERVAL_S="1",
            BMS_IOT_STREAM_KEEPALIVE_S="0.5", BMS_IOT_REQUEST_TIMEOUT_S="0.5",
        )  # fmt: skip
        self.http = httpx.Client(
            base_url=self.url, headers={"authorization": f"Bearer {IOT_TOKEN}"}, timeout=10
        )
        self.process = ChildProcess(
            [str(BIN / "iot-supervisor"), "serve"], env, tmp_path / "iot.log"
        )
        try:
            self.wait_ready()
        except BaseException:
            self.close()  # never leave a process behind a failed setup
            raise

    def wait_ready(self) -> None:
        def discovered() -> bool:
            if self.http.get("/devices").json():
                return True
            # the simulator may have bound its socket after the service's first Who-Is
            return bool(self.http.post("/discover", json={}, timeout=30).json()["devices"])

        wait_for(discovered, 45, "the IoT service to discover the simulated device")

    def read(self, point: str) -> dict[str, Any]:
        response = self.http.post("/points/read", json={"points": [point]})
        return dict(response.json()["results"][0]["value"])

    def write(self, point: str, value: Any, priority: int = 8) -> None:
        response = self.http.post(
            "/points/write",
            json={"writes": [{"point": point, "value": value, "priority": priority}]},
        )
        assert response.status_code == 200, response.text

    def restart(self) -> None:
        self.process.start()
        self.wait_ready()

    def close(self) -> None:
        self.http.close()
        self.process.close()


@pytest.fixture
def service(devices: ChildProcess, tmp_path: Path) -> Iterator[Service]:
    svc = Service(tmp_path)
    yield svc
    svc.close()


class Engine:
    def __init__(self, tmp_path: Path, service: Service, public_key: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.state_dir = tmp_path / "engine"
        self.cli_args = ["--url", self.url, "--state-dir", str(self.state_dir)]
        env = clean_env(BMS_ENGINE_IOT_TOKEN=IOT_TOKEN, BMS_ENGINE_STATE_SAVE_INTERVAL_S="0.5",
                       BMS_ENGINE_BACKOFF_MAX_S="1", BMS_ENGINE_POLL_INTERVAL_S="2",
                       BMS_ENGINE_WRITE_MIN_INTERVAL_S="0.2")  # fmt: skip
        args = [str(BIN / "headless-engine"), "start", "--state-dir", str(self.state_dir),
                "--iot-url", service.url, "--port", str(self.port), "--trusted-key", str(public_key)]  # fmt: skip
        self.process = ChildProcess(args, env, tmp_path / "engine.log")
        try:
            self.wait_ready()
        except BaseException:
            self.process.close()  # never leave a process behind a failed setup
            raise
        token = (self.state_dir / "token").read_text().strip()
        self.http = httpx.Client(
            base_url=self.url, headers={"authorization": f"Bearer {token}"}, timeout=10
        )

    def wait_ready(self) -> None:
        wait_for(
            lambda: httpx.get(f"{self.url}/engine/health", timeout=2).json()["ready"],
            30,
            "the engine",
        )

    def deploy(self, document: dict[str, Any]) -> httpx.Response:
        return self.http.post("/engine/deploy", json={"bundle": document})

    def status(self) -> dict[str, Any]:
        return dict(self.http.get("/engine/status").json())

    def output(self, flow: str, node: str, port: str) -> list[Any]:
        return list(self.http.get("/engine/values").json()["flows"][flow][node][port])

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(BIN / "headless-engine"), *args, *self.cli_args],
                              capture_output=True, text=True, env=clean_env(), check=False)  # fmt: skip

    def restart(self) -> None:
        self.process.start()
        self.wait_ready()

    def close(self) -> None:
        self.http.close()
        self.process.close()


@pytest.fixture
def engine(service: Service, tmp_path: Path, public_key_file: Path) -> Iterator[Engine]:
    eng = Engine(tmp_path, service, public_key_file)
    yield eng
    eng.close()


TEMP = "2001/analog-value,1/present-value"
DAMPER = "2001/analog-output,1/present-value"
CALL = "2001/binary-value,1/present-value"
COMPRESSOR = "2001/binary-output,1/present-value"


def damper_bundle(signing_key: Any, version: str, setpoint: float) -> dict[str, Any]:
    g = GraphBuilder(flow="zone", period_ms=200)
    t = g.node("io.point-input", "t", point=TEMP, staleAfterS=2)
    sp = g.node("io.constant", "sp", value=setpoint)
    pid = g.node("control.pid", "pid", kp=10.0, tiS=0, action="direct", bias=0.0)
    out = g.node("io.point-output", "damper", point=DAMPER, priority=10)
    g.wire(t, "value", pid, "pv").wire(sp, "value", pid, "setpoint").wire(pid, "out", out, "value")
    return sign_document(bundle_document(make_bundle(g.build(), version=version)), signing_key)


def test_pid_drives_the_simulated_damper_at_the_bundles_priority(engine, service, signing_key):
    assert engine.deploy(damper_bundle(signing_key, "1.0.0", 21.0)).status_code == 200
    # direct action, P only: (24 - 21) * 10 = 30 %
    wait_for(lambda: service.read(DAMPER)["value"] == pytest.approx(30.0), 20, "the damper at 30 %")
    # read back over BACnet: the command sits in slot 10 of the priority array, and only there
    slots = "2001/analog-output,1/priority-array"
    assert service.read(f"{slots}[10]")["value"] == pytest.approx(30.0)
    assert service.read(f"{slots}[9]")["value"] is None
    assert service.read(f"{slots}[11]")["value"] is None
    audit = service.http.get("/writes", params={"outcome": "written"}).json()["entries"]
    mine = [e for e in audit if e["point"] == DAMPER and e["caller"] == "engine"]
    assert mine
    assert {e["priority"] for e in mine} == {10}
    # the engine follows the zone: 26 degC -> 50 %
    service.write(TEMP, 26.0, priority=8)
    wait_for(lambda: service.read(DAMPER)["value"] == pytest.approx(50.0), 20, "the damper at 50 %")


def test_the_engine_rides_out_an_iot_outage_and_delivers_the_latest_command(
    engine, service, signing_key
):
    assert engine.deploy(damper_bundle(signing_key, "1.0.0", 21.0)).status_code == 200
    wait_for(lambda: service.read(DAMPER)["value"] == pytest.approx(30.0), 20, "the first command")
    service.process.kill()
    health = wait_for(lambda: (h := engine.http.get("/engine/health").json())["degraded"]
                      and any("unreachable" in r for r in h["reasons"]) and h, 20, "degraded health")  # fmt: skip
    assert health["ready"] is True
    ticks = engine.status()["flows"][0]["ticks"]
    wait_for(lambda: engine.output("zone", "t", "value")[1] == "stale", 20, "the input to go stale")
    assert engine.status()["flows"][0]["ticks"] > ticks  # ticks go on
    # a new command while the service is away: it waits, and only the latest is delivered
    assert engine.deploy(damper_bundle(signing_key, "1.1.0", 23.0)).status_code == 200
    assert engine.deploy(damper_bundle(signing_key, "1.2.0", 22.0)).status_code == 200
    service.restart()
    wait_for(lambda: engine.output("zone", "t", "value")[1] == "ok", 30, "values to flow again")
    wait_for(
        lambda: service.read(DAMPER)["value"] == pytest.approx(20.0),
        30,
        "the latest command (20 %)",
    )
    assert engine.status()["iot"]["connected"] is True
    assert not engine.http.get("/engine/health").json()["degraded"]


def min_off_bundle(signing_key: Any) -> dict[str, Any]:
    g = GraphBuilder(flow="plant", period_ms=200)
    call = g.node("io.point-input", "call", point=CALL, valueType="bool", staleAfterS=60)
    guard = g.node("timer.min-on-off", "guard", minOnS=0.5, minOffS=600)
    comp = g.node("io.point-output", "comp", point=COMPRESSOR, valueType="bool", priority=9)
    g.wire(call, "value", guard, "request").wire(guard, "out", comp, "value")
    return sign_document(bundle_document(make_bundle(g.build(), version="1.0.0")), signing_key)


def test_sigkill_between_ticks_resumes_the_version_and_a_minimum_off_timer(
    engine, service, signing_key
):
    assert engine.deploy(min_off_bundle(signing_key)).status_code == 200
    service.write(CALL, True)
    wait_for(lambda: service.read(COMPRESSOR)["value"] is True, 20, "the compressor to start")
    service.write(CALL, False)
    wait_for(lambda: service.read(COMPRESSOR)["value"] is False, 20, "the compressor to stop")
    service.write(CALL, True)  # too soon: the 600 s minimum off holds it
    wait_for(lambda: engine.output("plant", "guard", "held")[0] is True, 20, "the minimum-off hold")
    time.sleep(
        1.0
    )  # let the state be saved (every 0.5 s) after the hold began: the stated loss window
    engine.process.kill(signal.SIGKILL)
    engine.restart()
    status = engine.status()
    assert (status["version"], status["state"]) == ("1.0.0", "running")
    wait_for(lambda: engine.status()["flows"][0]["ticks"] > 3, 20, "ticks after the restart")
    assert engine.output("plant", "guard", "out")[0] is False
    assert engine.output("plant", "guard", "held")[0] is True
    assert service.read(COMPRESSOR)["value"] is False
    state = json.loads((engine.state_dir / "state.json").read_text())
    guard = state["flows"]["plant"]["state"]["guard"]["state"]
    assert guard, "the timer's state is saved"


def test_rollback_through_the_api_and_the_cli(engine, service, signing_key):
    for version, setpoint in (("1.0.0", 21.0), ("1.1.0", 22.0), ("1.2.0", 23.0)):
        assert engine.deploy(damper_bundle(signing_key, version, setpoint)).status_code == 200
    wait_for(lambda: service.read(DAMPER)["value"] == pytest.approx(10.0), 20, "1.2.0's 10 %")
    assert (
        engine.http.post("/engine/rollback", json={"version": "1.1.0"}).json()["version"] == "1.1.0"
    )
    wait_for(lambda: service.read(DAMPER)["value"] == pytest.approx(20.0), 20, "1.1.0's 20 %")
    result = engine.cli("rollback", "1.0.0")
    assert result.returncode == 0, result.stderr
    assert "rolled back to 1.0.0" in result.stdout
    wait_for(lambda: service.read(DAMPER)["value"] == pytest.approx(30.0), 20, "1.0.0's 30 %")
    shown = engine.cli("status")
    assert "version: 1.0.0" in shown.stdout
    bad = engine.cli("rollback", "9.9.9")
    assert bad.returncode == 1
    assert "404" in bad.stderr


def alarm_bundle(signing_key: Any) -> dict[str, Any]:
    g = GraphBuilder(flow="zone", period_ms=200)
    t = g.node("io.point-input", "t", point=TEMP, staleAfterS=5)
    alarm = g.node(
        "alarm.limit", "too_warm", highLimit=28.0, deadband=0.5, priority=20, unit="°C",
        message="Zone {value:.1f} {unit}, above {limit:.1f} {unit}",
    )  # fmt: skip
    g.wire(t, "value", alarm, "in")
    return sign_document(bundle_document(make_bundle(g.build(), version="1.0.0")), signing_key)


def test_a_limit_alarm_is_raised_acked_cleared_and_kept_across_a_restart(
    engine, service, signing_key
):
    assert engine.deploy(alarm_bundle(signing_key)).status_code == 200
    wait_for(lambda: engine.output("zone", "t", "value")[1] == "ok", 20, "the zone temperature")
    assert engine.http.get("/engine/alarms").json()["total"] == 0
    service.write(TEMP, 29.5)  # the simulated zone crosses its limit
    alarms = wait_for(
        lambda: engine.http.get("/engine/alarms", params={"open": "true"}).json()["alarms"],
        20,
        "the alarm to be raised",
    )
    raised = alarms[0]
    assert raised["state"] == "active-unacked"
    assert raised["message"] == "Zone 29.5 °C, above 28.0 °C"
    assert raised["source"]["point"] == TEMP
    acked = engine.http.post(
        f"/engine/alarms/{raised['id']}/ack",
        json={"note": "window open, closing it"},
        headers={"x-caller": "alice"},
    )
    assert acked.status_code == 200, acked.text
    assert (acked.json()["state"], acked.json()["ackedBy"]) == ("active-acked", "alice")
    service.write(TEMP, 22.0)  # back inside the limit
    wait_for(
        lambda: engine.http.get(f"/engine/alarms/{raised['id']}").json()["state"] == "normal",
        20,
        "the alarm to return to normal",
    )
    before = engine.http.get("/engine/alarms").json()
    engine.process.kill(signal.SIGTERM)
    engine.restart()
    after = engine.http.get("/engine/alarms").json()
    assert after == before
    record = after["alarms"][0]
    assert [t["state"] for t in record["transitions"]] == [
        "active-unacked", "active-acked", "normal",
    ]  # fmt: skip
    assert record["ackNote"] == "window open, closing it"
    assert engine.http.post(f"/engine/alarms/{raised['id']}/ack", json={}).status_code == 409
    assert engine.http.post("/engine/alarms/nope/ack", json={}).status_code == 404

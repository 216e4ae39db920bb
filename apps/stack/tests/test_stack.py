"""The start command's stack from fresh data directories: three real processes on loopback.

`bms-stack up` starts the IoT service (with the simulated demo building), the engine and
the Designer, each once the previous one is ready; creates and deploys the demo project;
restarts a process that dies. Waiting is bounded polling for observable events.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from bms_service.testing import free_port, wait_for
from supervisor_engine.testing import NetPlan

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.timeout(600)

EXAMPLES = ROOT / "apps" / "iot-supervisor-app" / "examples"


def moved_demo(tmp: Path, plan: NetPlan) -> tuple[Path, Path]:
    """The demo's BACnet and Modbus files on this run's own addresses.

    The shipped files name fixed 127.0.230.x addresses; a stack started from them collides
    with any other demo on the machine (a developer's `start.sh`, another test run).
    """
    building = yaml.safe_load((EXAMPLES / "demo-building.yaml").read_text())
    for device in building["devices"]:
        device["address"] = plan.move(device["address"])
    protocols = yaml.safe_load((EXAMPLES / "demo-modbus.yaml").read_text())
    for device in protocols["modbus"]["devices"]:
        device["host"] = plan.host(device["host"].rsplit(".", 1)[1])
    (tmp / "building.yaml").write_text(yaml.safe_dump(building))
    (tmp / "modbus.yaml").write_text(yaml.safe_dump(protocols))
    return tmp / "building.yaml", tmp / "modbus.yaml"


class Launched:
    def __init__(self, tmp: Path) -> None:
        self.data = tmp / "var"
        self.ports = {"iot": free_port(), "engine": free_port(), "designer": free_port()}
        self.log = tmp / "stack.log"
        self.plan = NetPlan.allocate()
        building, protocols = moved_demo(tmp, self.plan)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BMS_", "PYTEST"))}
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [str(BIN / "bms-stack"), "up", "--data-dir", str(self.data),
                 "--iot-port", str(self.ports["iot"]), "--engine-port", str(self.ports["engine"]),
                 "--designer-port", str(self.ports["designer"]), "--admin-password", "demo-pass-1",
                 "--simulator", str(building), "--protocols", str(protocols),
                 "--bacnet-address", self.plan.service_address],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def pids(self) -> dict[str, int]:
        return dict(json.loads((self.data / "stack.json").read_text()))

    def engine(self) -> httpx.Client:
        token = (self.data / "engine" / "token").read_text().strip()
        return httpx.Client(base_url=f"http://127.0.0.1:{self.ports['engine']}",
                            headers={"authorization": f"Bearer {token}"}, timeout=10)  # fmt: skip

    def iot(self) -> httpx.Client:
        token = (self.data / "iot" / "token").read_text().strip()
        return httpx.Client(base_url=f"http://127.0.0.1:{self.ports['iot']}",
                            headers={"authorization": f"Bearer {token}"}, timeout=10)  # fmt: skip


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Launched]:
    launched = Launched(tmp_path)
    yield launched
    if launched.process.poll() is None:
        launched.process.send_signal(signal.SIGINT)
        try:
            launched.process.wait(90)
        except subprocess.TimeoutExpired:
            launched.process.kill()
    print(launched.output()[-4000:])


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def test_the_stack_comes_up_runs_the_demo_restarts_a_dead_process_and_stops_cleanly(stack):
    wait_for(lambda: "BMS supervisor is running" in stack.output() or stack.process.poll() is not None,
             300, "the stack to come up")  # fmt: skip
    assert stack.process.poll() is None, stack.output()
    assert "password: demo-pass-1" in stack.output()
    with stack.engine() as engine:
        status = engine.get("/engine/status").json()
        assert (status["version"], status["state"]) == ("1.0.0", "running")
        assert status["pointsWritten"] > 0
    with stack.iot() as iot:
        written = wait_for(
            lambda: [e for e in iot.get("/writes", params={"outcome": "written"}).json()["entries"]
                     if e["caller"] == "engine"],
            60, "the demo bundle to write to the simulated building",
        )  # fmt: skip
        assert written
        # The demo's Modbus VFD is commanded through the engine (65 % occupied, 0 % otherwise)
        # and its feedback is read over Modbus TCP from the simulated drive.
        vfd = "modbus:9002/holding-register,0/present-value"
        wait_for(
            lambda: [e for e in iot.get("/writes", params={"outcome": "written"}).json()["entries"]
                     if e["point"] == vfd and e["caller"] == "engine"],
            60, "the demo to command the Modbus VFD's speed",
        )  # fmt: skip
        feedback = iot.post("/points/read", json={"points": ["modbus:9002/input-register,0"]})
        assert feedback.json()["results"][0]["value"]["quality"] == "ok", feedback.text
    # kill the engine: the launcher restarts it and it resumes the demo version
    first = stack.pids()
    os.kill(first["engine"], signal.SIGKILL)
    wait_for(lambda: stack.pids()["engine"] != first["engine"], 60, "a new engine process")
    assert "engine exited with code -9; restarting" in stack.output()
    with stack.engine() as engine:
        status = wait_for(lambda: (s := engine.get("/engine/status").json())["state"] == "running" and s,
                          60, "the restarted engine to run")  # fmt: skip
        assert status["version"] == "1.0.0"
    assert stack.pids()["iot-service"] == first["iot-service"]
    # Ctrl-C stops all three
    stack.process.send_signal(signal.SIGINT)
    assert stack.process.wait(90) == 0
    assert not any(alive(pid) for pid in stack.pids().values())

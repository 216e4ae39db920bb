"""End to end over real processes: the engine runs the demo's VFD flow on a Modbus TCP drive.

The IoT service is an `iot-supervisor serve` process whose Modbus plugin also
serves the simulated VFD (pymodbus, loopback TCP) from the shipped register
map; the engine is a `headless-engine` process. The flow commands the speed
through the engine and reads the drive's feedback back, as in the demo.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from bms_service.testing import ChildProcess, clean_env, free_port, wait_for
from bms_stack.demo_ahu import vfd_composite
from bms_stack.demo_project import VfdPoints, add_vfd
from supervisor_engine import bundle_document, sign_document
from supervisor_engine.testing import GraphBuilder, NetPlan
from supervisor_engine.testing import make_bundle as bundle_of

BIN = Path(sys.executable).parent
TOKEN = "iot-modbus-e2e-token"
PLAN = NetPlan.allocate()  # this run's addresses and ports: another run never collides
HOST = PLAN.host(2)
VFD = VfdPoints(
    speed_cmd="modbus:9002/holding-register,0/present-value",
    speed_feedback="modbus:9002/input-register,0/present-value",
)

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def iot_url(tmp_path: Path) -> Iterator[str]:
    protocols = tmp_path / "protocols.yaml"
    protocols.write_text(yaml.safe_dump({"modbus": {
        "simulate": True, "timeout_s": 0.5,
        "devices": [{"instance": 9002, "name": "Supply fan VFD", "host": HOST,
                     "port": free_port(), "map": "supply-fan-vfd",
                     "simulate": "supply-fan-vfd", "poll_interval_s": 0.5}],
    }}))  # fmt: skip
    port = free_port()
    env = clean_env(
        BMS_IOT_DATA_DIR=str(tmp_path / "iot"), BMS_IOT_TOKEN=TOKEN, BMS_IOT_HTTP_PORT=str(port),
        BMS_IOT_BACNET_ADDRESS=PLAN.service_address, BMS_IOT_DISCOVER_ON_START="true",
        BMS_IOT_BROADCAST_ADDRESS=PLAN.broadcast, BMS_IOT_DISCOVERY_TIMEOUT_S="0.2",
        BMS_IOT_PROTOCOLS_FILE=str(protocols),
    )  # fmt: skip
    process = ChildProcess([str(BIN / "iot-supervisor"), "serve"], env, tmp_path / "iot.log")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _get(url, "/health").get("status") == "ok", 30, "the IoT service")
        yield url
    finally:
        process.close()


def _get(url: str, path: str, token: str = TOKEN) -> Any:
    try:
        return httpx.get(f"{url}{path}", headers={"authorization": f"Bearer {token}"}).json()
    except httpx.HTTPError:
        return {}


def test_the_engine_commands_the_vfd_speed_and_reads_its_feedback(
    iot_url: str, tmp_path: Path, signing_key: Any, public_key_file: Path
) -> None:
    g = GraphBuilder(flow="vfd", period_ms=200)
    g.node("io.constant", "fan_request", valueType="bool", value=True)
    add_vfd(g, VFD, run=("fan_request", "value"))
    graph = g.build().model_copy(update={"composites": (vfd_composite(),)})
    document = sign_document(bundle_document(bundle_of(graph, version="1.0.0")), signing_key)

    port = free_port()
    state = tmp_path / "engine"
    engine = ChildProcess(
        [str(BIN / "headless-engine"), "start", "--state-dir", str(state), "--iot-url", iot_url,
         "--port", str(port), "--trusted-key", str(public_key_file)],
        clean_env(BMS_ENGINE_IOT_TOKEN=TOKEN, BMS_ENGINE_POLL_INTERVAL_S="1"),
        tmp_path / "engine.log",
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _get(url, "/engine/health").get("ready"), 30, "the engine")
        token = (state / "token").read_text().strip()
        http = httpx.Client(base_url=url, headers={"authorization": f"Bearer {token}"})
        deployed = http.post("/engine/deploy", json={"bundle": document})
        assert deployed.status_code == 200, deployed.text

        def feedback_in_engine() -> bool:
            values = http.get("/engine/values").json()["flows"].get("vfd", {})
            out = values.get("vfd_feedback", {}).get("value")
            return bool(out) and out[0] == 65.0

        wait_for(feedback_in_engine, 30, "the engine to read the VFD at its commanded 65 %")
        audit = _get(iot_url, "/writes")["entries"]
        assert any(
            e["point"] == VFD.speed_cmd and e["value"] == 65.0 and e["outcome"] == "written"
            for e in audit
        )
        http.close()
    finally:
        engine.close()

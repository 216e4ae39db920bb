"""Interoperability: an independent BACnet stack (@bacnet-js/client on Node) against our simulator.

The JS client runs as its own process on its own 127.x address and speaks
BACnet/IP over UDP to a simulated device: Who-Is, ReadProperty,
ReadPropertyMultiple, WriteProperty at priority 8 and its relinquish, and a
confirmed SubscribeCOV whose notification must follow the write.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from iot_supervisor.testing import NetPlan, SimHandle

INTEROP = Path(__file__).resolve().parents[1] / "interop"


@pytest.fixture(scope="module")
def node_client() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js/npm is not installed, so the independent JS BACnet client cannot run")
    subprocess.run([str(INTEROP / "install.sh")], check=True, timeout=300)
    return INTEROP / "interop.js"


def test_js_client_against_the_simulator(
    node_client: Path, simulator: SimHandle, plan: NetPlan
) -> None:
    default = simulator.present_value(1001, "analog-value,2")
    run = subprocess.run(
        [
            "node",
            str(node_client),
            f"{plan.ip_prefix}250",
            str(plan.device_port + 1),
            f"{plan.ip_prefix}2:{plan.device_port}",
            "127.255.255.255",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert run.returncode == 0, seen.get("error", run.stderr)
    assert seen["deviceId"] == 1001
    assert seen["deviceName"] == "SimDevice-1001"
    ai, av = seen["rpm"]
    assert ai == [10.0, 62]  # 62 = degrees-celsius
    assert av == [default]
    assert seen["afterWrite"] == 42.5
    assert 42.5 in seen["notifications"], "no COV notification followed the write"
    assert seen["afterRelinquish"] == default
    assert simulator.present_value(1001, "analog-value,2") == default

"""Holding a simulated object's value through the service's /simulator/holds, over the scripts
that drive it (and the plant model, the same way), then releasing it; read back over BACnet."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from bms_service.testing import wait_for
from iot_supervisor.cli import cli
from iot_supervisor.simulator import Simulator
from iot_supervisor.testing import NetPlan, ServiceHandle

DEVICE = 3001
TEMP = f"{DEVICE}/analog-input,1/present-value"
OCC = f"{DEVICE}/binary-input,1/present-value"


def _read(service: ServiceHandle, point: str) -> Any:
    response = service.http.post("/points/read", json={"points": [point], "maxAgeMs": 0})
    assert response.status_code == 200, response.text
    return response.json()["results"][0]["value"]["value"]


def _after_ticks(simulator: Simulator, ticks: int) -> None:
    """Wait until the scripts have run ``ticks`` more times (each would overwrite the value)."""
    start = simulator._ticks
    wait_for(lambda: simulator._ticks >= start + ticks, 10, f"{ticks} simulator ticks", 0.05)


def test_a_held_value_beats_the_simulation_until_released(
    plan: NetPlan, tmp_path: Path, service_factory: Callable[..., ServiceHandle]
) -> None:
    config = {
        "tickS": 0.1,
        "devices": [
            {
                "instance": DEVICE,
                "address": f"{plan.ip_prefix}2/8:{plan.device_port}",
                "name": "zone",
                "objects": [
                    {"type": "analog-input", "instance": 1, "name": "ZN-T", "value": 21.0,
                     "units": "degrees-celsius", "script": {"kind": "sine", "amplitude": 1.0,
                                                            "periodS": 5.0}},
                    {"type": "binary-input", "instance": 1, "name": "OCC", "value": "inactive"},
                ],
            }
        ],
    }  # fmt: skip
    sim_file = tmp_path / "sim.json"
    sim_file.write_text(json.dumps(config))
    service = service_factory(simulate=sim_file)
    assert service.http.post("/discover", json={}).status_code == 200
    simulator: Simulator = service.app.state.simulator

    held = service.http.put("/simulator/holds", json={"point": TEMP, "value": 35.0})
    assert held.status_code == 200, held.text
    assert held.json() == {"holds": [{"point": TEMP, "value": 35.0}]}
    _after_ticks(simulator, 3)
    assert _read(service, TEMP) == 35.0  # the sine script (20-22 degC) did not overwrite it

    assert (
        service.http.put("/simulator/holds", json={"point": OCC, "value": True}).status_code == 200
    )
    assert _read(service, OCC) is True
    assert len(service.http.get("/simulator/holds").json()["holds"]) == 2

    released = service.http.put("/simulator/holds", json={"point": TEMP, "value": None})
    assert released.json() == {"holds": [{"point": OCC, "value": "active"}]}
    _after_ticks(simulator, 2)
    assert 19.9 <= _read(service, TEMP) <= 22.1  # the script drives it again

    # the same from the shell
    auth = ["--url", service.base_url, "--token", service.token]
    result = CliRunner().invoke(cli, ["hold", TEMP, "12.5", *auth])
    assert result.exit_code == 0, result.output
    assert f"{TEMP} held at 12.5" in result.output
    assert _read(service, TEMP) == 12.5
    for point in (TEMP, OCC):
        assert CliRunner().invoke(cli, ["hold", point, "release", *auth]).exit_code == 0
    assert service.http.get("/simulator/holds").json() == {"holds": []}


def test_holds_refuse_what_the_simulator_has_not_and_a_service_without_one(
    plan: NetPlan, tmp_path: Path, service_factory: Callable[..., ServiceHandle]
) -> None:
    config = {
        "devices": [
            {
                "instance": DEVICE,
                "address": f"{plan.ip_prefix}2/8:{plan.device_port}",
                "name": "zone",
                "objects": [{"type": "analog-input", "instance": 1, "name": "T", "value": 1.0}],
            }
        ]
    }
    sim_file = tmp_path / "sim.json"
    sim_file.write_text(json.dumps(config))
    service = service_factory(simulate=sim_file)
    missing = service.http.put(
        "/simulator/holds", json={"point": f"{DEVICE}/analog-input,9", "value": 1.0}
    )
    assert missing.status_code == 404
    assert missing.json()["details"] == {"field": "point"}
    other_property = service.http.put(
        "/simulator/holds", json={"point": f"{DEVICE}/analog-input,1/description", "value": 1.0}
    )
    assert other_property.status_code == 400
    assert "present-value" in other_property.json()["message"]
    service.close()

    plain = service_factory()
    answer = plain.http.get("/simulator/holds")
    assert (answer.status_code, answer.json()["code"]) == (404, "no_simulator")

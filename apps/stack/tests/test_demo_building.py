"""The demo building file, and the simulator running its plant model over real BACnet/IP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bms_service.testing import wait_for
from bms_stack.demo_project import DEMO_POINTS
from iot_supervisor.simulator import SimulatorConfig
from iot_supervisor.testing import NetPlan, ServiceHandle, SimHandle, loopback_settings

DEMO_FILE = Path(__file__).parents[2] / "iot-supervisor-app" / "examples" / "demo-building.yaml"
TOKEN = "test-token-0123456789"
PLAN = NetPlan.allocate()  # the demo file's devices, moved onto this run's addresses


def demo_config(speed: float) -> SimulatorConfig:
    """The demo file moved onto this test's addresses, building time ``speed`` times real time."""
    config = SimulatorConfig.load(DEMO_FILE)
    data: dict[str, Any] = config.model_dump(by_alias=True)
    for device in data["devices"]:
        device["address"] = PLAN.move(device["address"])
    data["plant"]["speed"] = speed
    return SimulatorConfig.model_validate(data)


def test_the_demo_file_binds_the_demo_projects_points() -> None:
    config = SimulatorConfig.load(DEMO_FILE)
    assert config.plant is not None
    bound = {signal: f"{ref}/present-value" for signal, ref in config.plant.points.items()}
    assert bound == DEMO_POINTS.signals()
    assert all(d.address.startswith("127.0.230.") for d in config.devices)


def test_a_plant_point_must_exist_and_fit_its_direction() -> None:
    data: dict[str, Any] = SimulatorConfig.load(DEMO_FILE).model_dump(by_alias=True)
    points = data["plant"]["points"]
    broken = {
        **data,
        "plant": {**data["plant"], "points": {**points, "zone1.temp": "2101/analog-output,1"}},
    }
    with pytest.raises(ValueError, match=r"zone1\.temp needs a non-commandable object"):
        SimulatorConfig.model_validate(broken)
    missing = dict(points)
    del missing["ahu.sat"]
    with pytest.raises(ValueError, match=r"missing \['ahu\.sat'\]"):
        SimulatorConfig.model_validate({**data, "plant": {**data["plant"], "points": missing}})
    nowhere = {**points, "ahu.oat": "2001/analog-input,99"}
    with pytest.raises(ValueError, match="no object 2001/analog-input,99"):
        SimulatorConfig.model_validate({**data, "plant": {**data["plant"], "points": nowhere}})


@pytest.fixture
def demo_service(tmp_path: Path) -> Iterator[tuple[SimHandle, ServiceHandle]]:
    simulator = SimHandle(demo_config(speed=60.0))
    try:
        service = ServiceHandle(loopback_settings(PLAN, tmp_path / "data", TOKEN), TOKEN)
        try:
            assert service.http.post("/discover", json={}).status_code == 200
            yield simulator, service
        finally:
            service.close()
    finally:
        simulator.close()


def test_a_damper_command_over_bacnet_moves_the_zone_temperature(
    demo_service: tuple[SimHandle, ServiceHandle],
) -> None:
    simulator, service = demo_service
    z1, z2 = DEMO_POINTS.zones[0], DEMO_POINTS.zones[1]
    writes = [
        (DEMO_POINTS.fan_cmd, True),
        (DEMO_POINTS.heating_valve, 100.0),  # supply air about 25 K above mixed air
        (z1.damper, 100.0),
        (z2.damper, 0.0),
    ]
    body = {"writes": [{"point": p, "value": v, "priority": 8} for p, v in writes]}
    response = service.http.post("/points/write", json=body)
    assert response.status_code == 200, response.text
    assert all(r["ok"] for r in response.json()["results"]), response.text

    def read() -> dict[str, Any]:
        refs = [z1.temp, z2.temp, z1.airflow, DEMO_POINTS.fan_status]
        results = service.http.post("/points/read", json={"points": refs}).json()["results"]
        return {r["point"]: r["value"]["value"] for r in results}

    # 60 building seconds per real second: the zone's time constant with the damper open
    # is about 1000 s, so a few real seconds move it by kelvins.
    values = wait_for(
        lambda: (v := read())[z1.temp] > v[z2.temp] + 1.0 and v,
        timeout=30,
        what="zone 1 (damper open, warm supply air) to warm above zone 2 (damper shut)",
        interval=0.5,
    )
    assert values[DEMO_POINTS.fan_status] is True
    assert values[z1.airflow] > 200.0
    assert simulator.sim.building is not None
    assert simulator.sim.building.commands["zone1.damper"] == 100.0


def test_the_file_may_override_the_models_parameters() -> None:
    from iot_supervisor.simulator.runner import _building_params

    data: dict[str, Any] = SimulatorConfig.load(DEMO_FILE).model_dump(by_alias=True)
    data["plant"]["building"] = {"oat_mean_c": 26.0, "occupied_weekdays": [0, 1, 2, 3, 4, 5, 6]}
    config = SimulatorConfig.model_validate(data)
    assert config.plant is not None
    params = _building_params(config.plant)
    assert params.oat_mean_c == 26.0
    assert params.occupied_weekdays == (0, 1, 2, 3, 4, 5, 6)
    assert len(params.zones) == 4
    data["plant"]["building"] = {"oat_mean": 26.0}
    with pytest.raises(ValueError, match=r"unknown building parameters \['oat_mean'\]"):
        SimulatorConfig.model_validate(data)

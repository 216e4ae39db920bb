"""Modbus TCP through the service, against simulated devices served by pymodbus on loopback.

Real TCP both ways: the simulator is a pymodbus server on a 127.0.N.x address,
the service's Modbus plugin a pymodbus client, the test an HTTP client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bms_service.testing import wait_for
from iot_supervisor.modbus.registers import SHIPPED_MAPS
from iot_supervisor.modbus.testing import ModbusSimHandle, demo_devices
from iot_supervisor.testing import NetPlan, ServiceHandle, SseReader

METER = "modbus:9001"
VFD = "modbus:9002"
SPEED_COMMAND = f"{VFD}/holding-register,0"
SPEED_FEEDBACK = f"{VFD}/input-register,0"


@pytest.fixture
def modbus_devices(plan: NetPlan) -> list[dict[str, Any]]:
    return demo_devices(f"{plan.ip_prefix}60")


@pytest.fixture
def modbus_sim(modbus_devices: list[dict[str, Any]]) -> Iterator[ModbusSimHandle]:
    handle = ModbusSimHandle(modbus_devices)
    yield handle
    handle.close()


@pytest.fixture
def modbus_service(
    modbus_sim: ModbusSimHandle,
    modbus_devices: list[dict[str, Any]],
    service_factory: Callable[..., ServiceHandle],
) -> ServiceHandle:
    config = {
        "devices": [{k: v for k, v in d.items() if k != "simulate"} for d in modbus_devices],
        "timeout_s": 0.5, "offline_after_failures": 1, "backoff_initial_s": 0.2,
        "backoff_max_s": 0.5,
    }  # fmt: skip
    service = service_factory(protocols={"modbus": config})
    response = service.http.post("/discover", json={})
    assert response.status_code == 200, response.text
    return service


def _read(service: ServiceHandle, *points: str) -> list[dict[str, Any]]:
    response = service.http.post("/points/read", json={"points": list(points)})
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def test_the_meter_and_the_vfd_are_discovered_from_the_configuration_and_read(
    modbus_service: ServiceHandle,
) -> None:
    devices = {d["instance"]: d for d in modbus_service.http.get("/devices").json()}
    assert devices[9001]["protocol"] == "modbus"
    assert devices[9001]["status"] == "online"
    assert devices[9002]["name"] == "Supply fan VFD"
    points = {p["name"]: p for p in modbus_service.http.get("/devices/9002/points").json()}
    assert points["speed-command"]["point"] == f"{SPEED_COMMAND}/present-value"
    assert points["speed-command"]["writable"]
    assert points["speed-command"]["unitSymbol"] == "%"
    assert not points["speed-feedback"]["writable"]
    assert "codes: 0=stopped" in points["drive-status"]["description"]

    results = _read(
        modbus_service,
        f"{METER}/input-register,0",  # voltage-l1, float32
        f"{METER}/input-register,14",  # frequency, uint16 x 0.01
        f"{METER}/input-register,20",  # energy, uint32 low word first x 0.1
        f"{METER}/holding-register,100",  # demand limit, float32
        SPEED_FEEDBACK,
        f"{VFD}/discrete-input,0",
    )
    assert [r["error"] for r in results] == [None] * 6
    volts, hertz, _energy, limit, speed, running = (r["value"]["value"] for r in results)
    assert 225 < volts < 235
    assert results[0]["unitSymbol"] == "V"
    assert hertz == 50.0
    assert limit == 250.0
    assert speed == 0
    assert running is False


def test_the_vfd_speed_is_commanded_and_its_feedback_follows_then_relinquish_writes_the_default(
    modbus_service: ServiceHandle, modbus_sim: ModbusSimHandle
) -> None:
    response = modbus_service.http.post(
        "/points/write",
        json={"writes": [{"point": SPEED_COMMAND, "value": 42.5, "priority": 10}]},
        headers={"X-Caller": "modbus-test"},
    )
    assert response.status_code == 200, response.text
    result = response.json()["results"][0]
    assert result["ok"]
    assert result["presentValue"] == 42.5
    assert result["priorityArray"][9] == 42.5
    assert result["relinquishDefault"] == 0
    wait_for(lambda: modbus_sim.value(9002, "speed-command") == 42.5, 5, "the VFD's command")
    wait_for(
        lambda: _read(modbus_service, SPEED_FEEDBACK)[0]["value"]["value"] == 42.5,
        10, "the VFD's feedback to reach the command",
    )  # fmt: skip

    # A higher priority wins; releasing it falls back to priority 10's value, then to the default.
    write = modbus_service.http.post(
        "/points/write", json={"writes": [{"point": SPEED_COMMAND, "value": 80, "priority": 8}]}
    ).json()["results"][0]
    assert write["presentValue"] == 80
    released = modbus_service.http.post(
        "/points/write", json={"writes": [{"point": SPEED_COMMAND, "value": None, "priority": 8}]}
    ).json()["results"][0]
    assert released["presentValue"] == 42.5
    assert released["priorityArray"][7] is None
    last = modbus_service.http.post(
        "/points/write", json={"writes": [{"point": SPEED_COMMAND, "value": None, "priority": 10}]}
    ).json()["results"][0]
    assert last["presentValue"] == 0
    assert all(slot is None for slot in last["priorityArray"])


def test_a_write_outside_the_maps_range_is_refused_and_audited(
    modbus_service: ServiceHandle, modbus_sim: ModbusSimHandle
) -> None:
    for point, value in ((SPEED_COMMAND, 150), (SPEED_COMMAND, "fast"), (SPEED_FEEDBACK, 10)):
        response = modbus_service.http.post(
            "/points/write", json={"writes": [{"point": point, "value": value}]}
        )
        assert 400 <= response.status_code < 500, response.text
    body = modbus_service.http.post(
        "/points/write", json={"writes": [{"point": SPEED_COMMAND, "value": 150}]}
    ).json()
    assert body["code"] == "invalid_value"
    assert "outside the map's range 0.0 to 100.0 percent" in body["message"]
    assert modbus_sim.value(9002, "speed-command") == 0
    refused = modbus_service.http.get("/writes", params={"outcome": "refused"}).json()["entries"]
    assert {e["point"] for e in refused} >= {
        f"{SPEED_COMMAND}/present-value", f"{SPEED_FEEDBACK}/present-value"
    }  # fmt: skip


def test_a_point_outside_the_map_is_a_clear_404_and_a_bad_address_a_per_point_error(
    modbus_service: ServiceHandle,
) -> None:
    response = modbus_service.http.post("/points/read", json={"points": [f"{VFD}/coil,7"]})
    assert response.status_code == 404
    assert "has no point at coil 7" in response.json()["message"]


def test_killing_the_simulator_faults_its_points_and_reviving_it_restores_them(
    modbus_service: ServiceHandle, modbus_sim: ModbusSimHandle
) -> None:
    sub = modbus_service.http.post(
        "/subscriptions", json={"points": [SPEED_FEEDBACK, f"{METER}/input-register,12"]}
    )
    assert sub.status_code in (200, 201), sub.text
    reader = SseReader(modbus_service, sub.json()["id"])
    try:
        reader.wait_for(
            lambda e: e["point"].startswith(VFD) and e["value"]["quality"] == "ok",
            10, "a polled VFD value",
        )  # fmt: skip
        modbus_sim.kill(9002)
        reader.wait_for(
            lambda e: e["point"].startswith(VFD) and e["value"]["quality"] == "fault",
            10, "the VFD's point to turn fault",
        )  # fmt: skip
        result = _read(modbus_service, SPEED_FEEDBACK, f"{METER}/input-register,12")
        assert result[0]["value"]["quality"] == "fault"
        assert "offline" in result[0]["error"]
        assert result[1]["value"]["quality"] == "ok"  # the meter is unaffected
        statuses = {d["instance"]: d["status"] for d in modbus_service.http.get("/devices").json()}
        assert statuses == {9001: "online", 9002: "offline"}

        count = len(reader.events)
        modbus_sim.revive(9002)
        reader.wait_for(
            lambda e: reader.events.index(e) >= count
            and e["point"].startswith(VFD) and e["value"]["quality"] == "ok",
            10, "the VFD's point to be restored",
        )  # fmt: skip
        assert _read(modbus_service, SPEED_FEEDBACK)[0]["value"]["quality"] == "ok"
    finally:
        reader.close()


def test_an_address_the_device_refuses_is_one_points_error_not_its_neighbours(
    modbus_sim: ModbusSimHandle,
    modbus_devices: list[dict[str, Any]],
    service_factory: Callable[..., ServiceHandle],
    tmp_path: Path,
) -> None:
    # The service's map of the VFD has one register more than the drive has (a datasheet
    # error, or another firmware): it is adjacent, so it lands in the same batched read.
    shipped = yaml.safe_load((SHIPPED_MAPS / "supply-fan-vfd.yaml").read_text())
    shipped["points"].append({"name": "spare", "kind": "input-register", "address": 5})
    (tmp_path / "vfd-plus.yaml").write_text(yaml.safe_dump(shipped))
    devices = [
        {k: v for k, v in d.items() if k != "simulate"}
        | ({"map": str(tmp_path / "vfd-plus.yaml")} if d["instance"] == 9002 else {})
        for d in modbus_devices
    ]
    service = service_factory(protocols={"modbus": {"devices": devices, "timeout_s": 0.5}})
    results = _read(service, *(f"{VFD}/input-register,{a}" for a in range(6)))
    assert [r["value"]["quality"] for r in results] == ["ok"] * 5 + ["fault"]
    assert "illegal data address" in results[5]["error"]
    statuses = {d["instance"]: d["status"] for d in service.http.get("/devices").json()}
    assert statuses[9002] == "online"  # a refused address is not a dead device


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"devices": [{"instance": 1, "name": "x", "host": "127.0.0.1", "map": "no-such"}]},
         "no shipped map 'no-such'"),
        ({"devices": [{"instance": 1, "name": "x", "host": "10.1.2.3", "map": "energy-meter"}]},
         "not a loopback address"),
        ({"devices": [{"instance": 1, "name": "x", "host": "127.0.0.1", "map": "/nope.yaml"}]},
         "/nope.yaml"),
        ({"devices": [{"instance": 1, "host": "127.0.0.1", "map": "energy-meter"}]}, "name"),
        ({"devices": [], "timeout": 1}, "timeout"),
    ],
)  # fmt: skip
def test_a_bad_modbus_configuration_stops_the_start_with_the_field_named(
    config: dict[str, Any], message: str, tmp_path: Path
) -> None:
    from iot_supervisor.errors import ConfigError
    from iot_supervisor.plugins import load_protocols
    from iot_supervisor.settings import Settings

    with pytest.raises(ConfigError, match=message):
        load_protocols(Settings(data_dir=tmp_path, protocols={"modbus": config}))


def test_the_services_interlocks_bound_modbus_writes_inside_the_maps_range(
    modbus_sim: ModbusSimHandle,
    modbus_devices: list[dict[str, Any]],
    service_factory: Callable[..., ServiceHandle],
) -> None:
    devices = [{k: v for k, v in d.items() if k != "simulate"} for d in modbus_devices]
    service = service_factory(
        protocols={"modbus": {"devices": devices, "timeout_s": 0.5}},
        interlocks=[
            {"pattern": "modbus:9002/holding-register,0/*", "max": 90, "priorities": [8, 10]}
        ],
    )
    for value, priority in ((95, 8), (50, 5)):  # the map allows both values; the interlock not
        response = service.http.post(
            "/points/write",
            json={"writes": [{"point": SPEED_COMMAND, "value": value, "priority": priority}]},
        )
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "write_refused"
    ok = service.http.post(
        "/points/write", json={"writes": [{"point": SPEED_COMMAND, "value": 90, "priority": 10}]}
    )
    assert ok.status_code == 200, ok.text
    wait_for(lambda: modbus_sim.value(9002, "speed-command") == 90, 5, "the command")

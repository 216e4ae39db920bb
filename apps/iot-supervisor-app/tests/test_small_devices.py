"""A device that does not segment and accepts only 480-byte APDUs, like many field controllers."""

from __future__ import annotations

from typing import Any

import pytest

from bms_service.testing import wait_for
from iot_supervisor.simulator import DeviceSpec, SimulatorConfig
from iot_supervisor.testing import NetPlan, ServiceHandle, SimHandle


@pytest.fixture
def small_device(plan: NetPlan) -> Any:
    grid = SimulatorConfig.grid(
        devices=1, points_per_device=150, ip_prefix=plan.ip_prefix, port=plan.device_port
    )
    spec = grid.devices[0].model_copy(update={"max_apdu": 480, "segmentation": "no-segmentation"})
    handle = SimHandle(SimulatorConfig(devices=(DeviceSpec.model_validate(spec.model_dump()),)))
    yield handle
    handle.close()


def test_object_list_index_by_index_and_small_rpm_chunks(
    small_device: SimHandle, service_factory: Any
) -> None:
    service: ServiceHandle = service_factory()
    [found] = service.http.post("/discover", json={}).json()["devices"]
    assert (found["maxApdu"], found["segmentation"]) == (480, "no-segmentation")
    # 152 object ids do not fit one unsegmented 480-byte reply: read one by one.
    assert found["pointCount"] == 150
    refs = [f"1001/{o.type},{o.instance}" for o in small_device.config.devices[0].objects]
    results = service.http.post("/points/read", json={"points": refs}).json()["results"]
    assert all(r["value"]["quality"] == "ok" for r in results), [r for r in results if r["error"]][
        :3
    ]


def test_discovery_as_a_foreign_device_through_a_bbmd(
    plan: NetPlan, grid: SimulatorConfig, service_factory: Any
) -> None:
    first, *others = grid.devices
    config = SimulatorConfig(devices=(first.model_copy(update={"bbmd": True}), *others))
    sim = SimHandle(config)
    try:
        # The service is on another port, where a plain broadcast would reach no device (§2).
        service: ServiceHandle = service_factory(
            discovery_mode="foreign", bbmd_address=first.bip.hostport
        )

        def found() -> list[int]:
            devices = service.http.post("/discover", json={"describe": False}).json()["devices"]
            return [d["instance"] for d in devices]

        # Registration with the BBMD is asynchronous; retry discovery until it took effect.
        assert wait_for(lambda: found() == [1001, 1002, 1003], 10, "foreign-device discovery")
    finally:
        sim.close()

"""Discovery of 3 devices / 102 points and a batch read of all of them, over real BACnet/IP."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest

from iot_supervisor.bacnet.client import BacnetClient
from iot_supervisor.errors import AddressInUseError
from iot_supervisor.testing import NetPlan, ServiceHandle, SimHandle


def test_discovery_finds_every_device_and_point(
    service: ServiceHandle, simulator: SimHandle
) -> None:
    devices = service.http.get("/devices").json()
    assert [d["instance"] for d in devices] == [1001, 1002, 1003]
    assert sum(d["pointCount"] for d in devices) == 102
    assert all(d["status"] == "online" for d in devices)
    points = service.http.get("/devices/1002/points").json()
    by_ref = {p["point"]: p for p in points}
    av = by_ref["1002/analog-value,2/present-value"]
    assert av["units"] == "percent"
    assert av["unitSymbol"] == "%"
    assert av["commandable"] is True
    msv = by_ref["1002/multi-state-value,6/present-value"]
    assert msv["stateTexts"] == ["Off", "Heat", "Cool"]
    assert by_ref["1002/analog-input,1/present-value"]["commandable"] is False


def test_batch_read_returns_every_value_with_units(
    service: ServiceHandle, simulator: SimHandle
) -> None:
    refs = []
    expected = {}
    for device in simulator.config.devices:
        for obj in device.objects:
            ref = f"{device.instance}/{obj.type},{obj.instance}/present-value"
            refs.append(ref)
            expected[ref] = (obj, device)
    response = service.http.post("/points/read", json={"points": refs})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["point"] for r in results] == refs
    for result in results:
        obj, _ = expected[result["point"]]
        value = result["value"]
        assert result["error"] is None
        assert value["quality"] == "ok"
        if obj.type.startswith("analog"):
            assert math.isclose(value["value"], float(obj.value), rel_tol=1e-6)
            assert value["units"] == obj.units
        elif obj.type.startswith("binary"):
            assert value["value"] is (obj.value == "active")
        else:
            assert value["value"] == obj.value


def test_global_who_is_with_the_service_on_the_devices_port(
    simulator: SimHandle, service_factory: Any, plan: NetPlan
) -> None:
    # Same port as the devices: needs the loopback fix, or the stack answers itself (§2).
    service = service_factory(
        discovery_mode="global", bacnet_address=f"{plan.ip_prefix}1/8:{plan.device_port}"
    )
    found = service.http.post("/discover", json={}).json()["devices"]
    assert [d["instance"] for d in found] == [1001, 1002, 1003]
    result = service.http.post("/points/read", json={"points": ["1002/analog-value,2"]}).json()
    assert result["results"][0]["value"]["value"] == 11.25


def test_a_second_client_on_the_same_address_is_refused(service: ServiceHandle) -> None:
    # SO_REUSEPORT would let it bind and split the replies between the two; it must fail instead.
    twin = BacnetClient(service.settings)
    with pytest.raises(AddressInUseError, match="already bound"):
        asyncio.run(twin.start())

"""Discovery of many devices reads their objects a bounded number of devices at a time.

Ten simulated devices of 30 objects each (every kind of point), each answering every
request after 20 ms, so that requests to different devices overlap in time and the
simulator can count how many devices held an unanswered request at once. Describing
every device at once (100 devices in a building) queued the requests behind each other
until they timed out; a bound keeps each request's wait short, yet several devices are
still read side by side.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from iot_supervisor.simulator import SimulatorConfig
from iot_supervisor.testing import NetPlan, ServiceHandle, SimHandle, loopback_settings

PLAN = NetPlan.allocate()
TOKEN = "discovery-scale-token"
DEVICES, POINTS, AT_ONCE = 10, 30, 3


@pytest.fixture(scope="module")
def building() -> Iterator[SimHandle]:
    grid = SimulatorConfig.grid(
        devices=DEVICES, points_per_device=POINTS, ip_prefix=PLAN.ip_prefix, port=PLAN.device_port
    )
    slow = tuple(d.model_copy(update={"quirks": ("slow",), "slow_ms": 20}) for d in grid.devices)
    handle = SimHandle(grid.model_copy(update={"devices": slow}))
    yield handle
    handle.close()


def test_discovery_describes_every_device_a_bounded_number_at_a_time(
    building: SimHandle, tmp_path: Path
) -> None:
    settings = loopback_settings(
        PLAN,
        tmp_path,
        TOKEN,
        describe_devices_at_once=AT_ONCE,
        # a loaded machine answers late: that must not take a device offline here
        request_timeout_s=5.0,
        offline_after_failures=3,
    )
    service = ServiceHandle(settings, TOKEN)
    try:
        response = service.http.post("/discover", json={})
        assert response.status_code == 200, response.text
        devices = service.http.get("/devices").json()
    finally:
        service.close()
    assert len(devices) == DEVICES
    assert [d["pointCount"] for d in devices] == [POINTS] * DEVICES
    assert all(d["status"] == "online" for d in devices)
    busy = building.loop.call(lambda: building.sim.load.max_busy)
    # never more devices than the bound, but more than one: the bound is not a queue of one
    assert 2 <= busy <= AT_ONCE

"""Layered fixtures: network plan -> simulator -> service -> HTTP client.

Everything is real: the simulator's devices are bacpypes3 applications on
127.x UDP sockets, the service runs under uvicorn on a loopback TCP port, and
tests talk to it over HTTP with httpx. The simulator and the service each run
in a thread with an event loop of their own, so a test can kill a device or
change a value while the service is busy, and the tests stay synchronous.

Each fixture instance gets its own 127.A.B.x addresses and UDP ports, from
:meth:`NetPlan.allocate`, so a directed broadcast of one test never reaches
another test's devices, nor those of a second test run on the same machine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from iot_supervisor.simulator import SimulatorConfig
from iot_supervisor.testing import NetPlan, ServiceHandle, SimHandle, loopback_settings

TOKEN = "test-token-0123456789"


@pytest.fixture
def plan() -> Iterator[NetPlan]:
    allocated = NetPlan.allocate()
    yield allocated
    allocated.release()


@pytest.fixture
def grid(plan: NetPlan) -> SimulatorConfig:
    """3 devices with 34 points each: 102 points, every object type."""
    return SimulatorConfig.grid(
        devices=3, points_per_device=34, ip_prefix=plan.ip_prefix, port=plan.device_port
    )


@pytest.fixture
def simulator(grid: SimulatorConfig) -> Iterator[SimHandle]:
    handle = SimHandle(grid)
    yield handle
    handle.close()


@pytest.fixture
def service_factory(plan: NetPlan, tmp_path: Path) -> Iterator[Callable[..., ServiceHandle]]:
    handles: list[ServiceHandle] = []

    def start(**overrides: Any) -> ServiceHandle:
        handle = ServiceHandle(
            loopback_settings(plan, tmp_path / "data", TOKEN, **overrides), TOKEN
        )
        handles.append(handle)
        return handle

    yield start
    for handle in handles:
        if not handle._serving.done():
            handle.close()


@pytest.fixture
def service(simulator: SimHandle, service_factory: Callable[..., ServiceHandle]) -> ServiceHandle:
    """The service with the grid discovered."""
    handle = service_factory()
    response = handle.http.post("/discover", json={})
    assert response.status_code == 200, response.text
    return handle

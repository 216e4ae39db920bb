"""The simulated device itself, seen by a plain bacpypes3 client (not the service, which
validates before it sends): the wildcard device instance and multi-state ranges."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from bacpypes3.apdu import ErrorRejectAbortNack  # type: ignore[import-untyped]
from bacpypes3.pdu import Address  # type: ignore[import-untyped]
from bacpypes3.primitivedata import ObjectIdentifier  # type: ignore[import-untyped]

from iot_supervisor.addresses import BipAddress
from iot_supervisor.bacnet.stack import build_application, wait_bound
from iot_supervisor.testing import NetPlan, SimHandle


def _client_call(plan: NetPlan, simulator: SimHandle, request: Any) -> Any:
    """Run ``request(app, device_address)`` from a client Application of its own."""

    async def run() -> Any:
        app = build_application(
            BipAddress.parse(f"{plan.ip_prefix}250/8:{plan.device_port + 1}"),
            instance=4_194_100,
            name="test-client",
        )
        try:
            await wait_bound(app)
            return await asyncio.wait_for(
                request(app, Address(f"{plan.ip_prefix}2:{plan.device_port}")), 5
            )
        except ErrorRejectAbortNack as err:
            return err
        finally:
            app.close()

    return asyncio.run(run())


def test_device_answers_the_wildcard_instance(plan: NetPlan, simulator: SimHandle) -> None:
    async def read(app: Any, address: Any) -> Any:
        wildcard = ObjectIdentifier("device,4194303")
        object_id = await app.read_property(address, wildcard, "object-identifier")
        name = await app.read_property(address, wildcard, "object-name")
        return object_id, name

    object_id, name = _client_call(plan, simulator, read)
    assert (str(object_id[0]), object_id[1]) == ("device", 1001)
    assert str(name) == "SimDevice-1001"


@pytest.mark.parametrize("state", [0, 4, 9])
def test_multistate_refuses_a_state_out_of_range(
    state: int, plan: NetPlan, simulator: SimHandle
) -> None:
    async def write(app: Any, address: Any) -> Any:
        return await app.write_property(
            address, "multi-state-value,6", "present-value", state, priority=8
        )

    err = _client_call(plan, simulator, write)
    assert isinstance(err, ErrorRejectAbortNack)
    assert str(err.errorCode) == "value-out-of-range"
    assert simulator.present_value(1001, "multi-state-value,6") in (1, 2, 3)


def test_multistate_takes_its_last_state(plan: NetPlan, simulator: SimHandle) -> None:
    async def write(app: Any, address: Any) -> Any:
        await app.write_property(address, "multi-state-value,6", "present-value", 3, priority=8)
        return await app.read_property(address, "multi-state-value,6", "present-value")

    assert _client_call(plan, simulator, write) == 3


def test_the_field_devices_example_file_loads() -> None:
    from pathlib import Path

    from iot_supervisor.simulator import SimulatorConfig

    path = Path(__file__).parents[1] / "examples" / "field-devices.yaml"
    config = SimulatorConfig.load(path)
    quirks = {q for d in config.devices for q in d.quirks}
    assert quirks == {
        "broadcast-i-am", "no-cov", "no-rpm", "slow", "real-ccp", "drops", "no-segmentation"
    }  # fmt: skip
    small = next(d for d in config.devices if "no-segmentation" in d.quirks)
    assert (small.max_apdu, small.segmentation) == (206, "no-segmentation")
    assert [r.behind_network for r in config.routers] == [2]

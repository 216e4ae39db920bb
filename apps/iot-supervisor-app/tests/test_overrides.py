"""Timed operator overrides and point limits, over real BACnet on loopback.

The service's wall clock is injected (a list the test moves forward), so a
2-minute override ends without the test waiting 2 minutes; everything else
(the simulator, BACnet/IP, runtime.db, HTTP) is real.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bms_service.testing import wait_for
from iot_supervisor.simulator import SimulatorConfig
from iot_supervisor.simulator.config import DeviceSpec, ObjectSpec
from iot_supervisor.testing import NetPlan, ServiceHandle, SimHandle, loopback_settings

from .conftest import TOKEN

VALVE = "1001/analog-output,1/present-value"
SETPOINT = "1001/analog-value,2/present-value"


@pytest.fixture
def grid(plan: NetPlan) -> SimulatorConfig:
    """One device: a 0-100 % valve (its range declared as real actuators do) and a setpoint."""
    objects = (
        ObjectSpec(type="analog-output", instance=1, name="HW-VLV", value=0.0, units="percent"),
        ObjectSpec(
            type="analog-value", instance=2, name="ZN-SP", value=21.0,
            units="degrees-celsius", commandable=True, min_pres_value=15.0, max_pres_value=28.0,
        ),
    )  # fmt: skip
    device = DeviceSpec(
        instance=1001, address=f"{plan.ip_prefix}2/8:{plan.device_port}", name="AHU",
        objects=objects,
    )  # fmt: skip
    return SimulatorConfig(devices=(device,))


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _start(plan: NetPlan, data_dir: Path, clock: Clock) -> ServiceHandle:
    settings = loopback_settings(plan, data_dir, TOKEN, override_check_s=0.05)
    handle = ServiceHandle(settings, TOKEN, clock=clock)
    assert handle.http.post("/discover", json={}).status_code == 200
    return handle


def _as_operator(
    service: ServiceHandle, body: dict[str, Any], user: str = "alice"
) -> httpx.Response:
    token = service.settings.designer_token_path.read_text().strip()
    return httpx.post(
        f"{service.base_url}/points/write",
        json=body,
        headers={"Authorization": f"Bearer {token}", "X-On-Behalf-Of": user},
    )


def _override(service: ServiceHandle, value: float, duration_s: float | None) -> None:
    write = {"point": VALVE, "value": value, "priority": 8, "reason": "valve test",
             "durationS": duration_s, "override": True}  # fmt: skip
    response = _as_operator(service, {"writes": [write]})
    assert response.status_code == 200, response.text


def _slot(service: ServiceHandle, priority: int) -> dict[str, Any]:
    response = service.http.get("/points/priority-array", params={"point": VALVE})
    assert response.status_code == 200, response.text
    slot: dict[str, Any] = response.json()["slots"][priority - 1]
    return slot


def test_a_two_minute_override_ends_at_its_expiry(
    plan: NetPlan, simulator: SimHandle, tmp_path: Path
) -> None:
    clock = Clock()
    service = _start(plan, tmp_path / "data", clock)
    try:
        _override(service, 40.0, 120)
        assert simulator.present_value(1001, "analog-output,1") == 40.0
        [active] = service.http.get("/overrides").json()["overrides"]
        assert active["caller"] == "designer:alice"
        assert active["reason"] == "valve test"
        assert (active["value"], active["priority"], active["remainingS"]) == (40.0, 8, 120.0)
        assert active["until"].startswith("2026-01-05T09:02:00")
        slot = _slot(service, 8)
        assert (slot["value"], slot["holder"], slot["reason"]) == (
            40.0,
            "designer:alice",
            "valve test",
        )
        assert slot["until"].startswith("2026-01-05T09:02:00")

        clock.advance(119)
        assert service.http.get("/overrides").json()["overrides"][0]["remainingS"] == 1.0
        assert simulator.present_value(1001, "analog-output,1") == 40.0, "ended too early"
        clock.advance(2)
        wait_for(lambda: not service.http.get("/overrides").json()["overrides"], 10, "the end")
        assert _slot(service, 8)["value"] is None, "slot 8 reads back null over BACnet"
        assert simulator.present_value(1001, "analog-output,1") == 0.0
    finally:
        service.close()
    _assert_both_audited(tmp_path / "data")


def test_an_override_that_ended_while_the_service_was_down_ends_at_the_next_start(
    plan: NetPlan, simulator: SimHandle, tmp_path: Path
) -> None:
    clock = Clock()
    service = _start(plan, tmp_path / "data", clock)
    try:
        _override(service, 55.0, 120)
        assert simulator.present_value(1001, "analog-output,1") == 55.0
    finally:
        service.close()
    clock.advance(600)  # down for ten minutes, well past the end
    assert simulator.present_value(1001, "analog-output,1") == 55.0
    service = _start(plan, tmp_path / "data", clock)
    try:
        wait_for(
            lambda: simulator.present_value(1001, "analog-output,1") == 0.0, 10, "the relinquish"
        )
        assert service.http.get("/overrides").json()["overrides"] == []
    finally:
        service.close()
    _assert_both_audited(tmp_path / "data")


def _assert_both_audited(data_dir: Path) -> None:
    from iot_supervisor.store import RuntimeStore

    store = RuntimeStore(data_dir / "runtime.db", retention_s=60)
    try:
        entries = store.audit_entries(10, "written", point=VALVE)
    finally:
        store.close()
    ended, started = entries[0], entries[1]
    assert (started.caller, started.priority, started.reason) == ("designer:alice", 8, "valve test")
    assert (ended.caller, ended.priority, ended.value) == ("iot-service", 8, None)
    assert ended.reason is not None
    assert "override by designer:alice ended at 2026-01-05 09:02:00" in ended.reason


def test_an_override_without_an_end_is_listed_until_released(
    plan: NetPlan, simulator: SimHandle, tmp_path: Path
) -> None:
    service = _start(plan, tmp_path / "data", Clock())
    try:
        _override(service, 30.0, None)
        [active] = service.http.get("/overrides").json()["overrides"]
        assert (active["until"], active["remainingS"]) == (None, None)
        release = {"point": VALVE, "value": None, "priority": 8, "reason": "done"}
        assert _as_operator(service, {"writes": [release]}).status_code == 200
        assert service.http.get("/overrides").json()["overrides"] == []
        # The engine's own writes are not overrides; its slot names it.
        engine = {"point": VALVE, "value": 20.0, "priority": 12}
        assert service.http.post("/points/write", json={"writes": [engine]}).status_code == 200
        assert service.http.get("/overrides").json()["overrides"] == []
        assert _slot(service, 12)["holder"] == "engine"
    finally:
        service.close()


def test_the_devices_own_limits_bound_every_write(
    plan: NetPlan, simulator: SimHandle, tmp_path: Path
) -> None:
    service = _start(plan, tmp_path / "data", Clock())
    try:
        [valve] = [p for p in service.http.get("/devices/1001/points").json()
                   if p["point"] == VALVE]  # fmt: skip
        assert (valve["minValue"], valve["maxValue"]) == (0.0, 100.0)
        for body, send in (
            ({"point": VALVE, "value": 150.0, "priority": 8, "reason": "r"}, _as_operator),
            ({"point": VALVE, "value": 150.0, "priority": 12}, None),
        ):
            response = (
                send(service, {"writes": [body]})
                if send
                else service.http.post("/points/write", json={"writes": [body]})
            )
            assert response.status_code == 403, response.text
            error = response.json()
            assert error["code"] == "write_refused"
            assert (
                "150 % is above the point's maximum 100 % (its max-pres-value)" in error["message"]
            )
            assert error["details"]["limit"] == "max-pres-value"
        low = {"point": SETPOINT, "value": 10.0, "priority": 8}
        response = service.http.post("/points/write", json={"writes": [low]})
        assert response.status_code == 403
        assert "below the point's minimum 15" in response.json()["message"]
        assert simulator.present_value(1001, "analog-output,1") == 0.0
        refused = service.http.get("/writes", params={"outcome": "refused"}).json()["entries"]
        assert [e["caller"] for e in refused] == ["engine", "engine", "designer:alice"]
    finally:
        service.close()

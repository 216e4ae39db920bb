"""Killing and reviving a simulated device; restarting the service."""

from __future__ import annotations

import time
from typing import Any

from bms_service.testing import wait_for
from iot_supervisor.testing import ServiceHandle, SimHandle, SseReader

DEAD = 1002
AI_DEAD = f"{DEAD}/analog-input,1/present-value"


def _read(service: ServiceHandle, refs: list[str]) -> list[dict[str, Any]]:
    response = service.http.post("/points/read", json={"points": refs})
    assert response.status_code == 200, response.text
    return response.json()["results"]


def test_killed_device_goes_to_fault_and_comes_back(
    service: ServiceHandle, simulator: SimHandle
) -> None:
    alive_refs = [
        f"{d.instance}/{o.type},{o.instance}/present-value"
        for d in simulator.config.devices
        if d.instance != DEAD
        for o in d.objects
    ]
    started = time.perf_counter()
    _read(service, alive_refs)
    healthy_read_s = time.perf_counter() - started

    sub = service.http.post("/subscriptions", json={"points": [AI_DEAD]}).json()["id"]
    reader = SseReader(service, sub)
    try:
        reader.wait_for(lambda e: e["point"] == AI_DEAD, 5, "the initial COV notification")
        simulator.kill(DEAD)
        killed_at = time.monotonic()
        wait_for(
            lambda: _read(service, [AI_DEAD])[0]["value"]["quality"] == "fault", 5, "fault quality"
        )
        reader.wait_for(
            lambda e: e["value"]["quality"] == "fault", 5, "a fault event on the stream"
        )
        fault_after_s = time.monotonic() - killed_at
        assert fault_after_s < 5

        started = time.perf_counter()
        results = _read(service, alive_refs)
        degraded_read_s = time.perf_counter() - started
        assert all(r["value"]["quality"] == "ok" for r in results)
        assert degraded_read_s < max(0.5, 3 * healthy_read_s), (healthy_read_s, degraded_read_s)
        health = service.http.get("/health").json()
        assert health["status"] == "ok"
        assert health["devicesOffline"] == 1

        simulator.revive(DEAD)
        wait_for(
            lambda: service.http.get(f"/devices/{DEAD}").json()["device"]["status"] == "online",
            10,
            "the device to come back online",
        )
        assert _read(service, [AI_DEAD])[0]["value"]["quality"] == "ok"
        # COV resumes: the service re-subscribed to the revived device by itself.
        wait_for(lambda: _cov_subscriptions(simulator, DEAD) > 0, 10, "a fresh COV subscription")
        simulator.set_value(DEAD, "analog-input,1", 31.25)
        reader.wait_for(
            lambda e: e["value"]["value"] == 31.25 and e["source"] == "cov", 5, "COV after revive"
        )
    finally:
        reader.close()


def _cov_subscriptions(simulator: SimHandle, instance: int) -> int:
    """Active COV subscriptions held by a simulated device (read on the device side)."""

    def count() -> int:
        app = simulator.sim._apps[instance]
        return sum(len(d.cov_subscriptions) for d in app._cov_detections.values())

    return simulator.loop.call(count)


def test_discovery_cache_survives_a_restart(simulator: SimHandle, service_factory: Any) -> None:
    first: ServiceHandle = service_factory()
    assert first.http.post("/discover", json={}).status_code == 200
    devices_before = first.http.get("/devices").json()
    first.close()

    # Discovery off and the devices silent: what the new instance knows comes from runtime.db.
    second: ServiceHandle = service_factory(discovery_timeout_s=0.1)
    devices = second.http.get("/devices").json()
    assert [d["instance"] for d in devices] == [d["instance"] for d in devices_before]
    assert [d["pointCount"] for d in devices] == [d["pointCount"] for d in devices_before]
    results = _read(second, ["1001/analog-value,2/present-value"])
    assert results[0]["value"]["quality"] == "ok"
    assert results[0]["value"]["units"] == "percent"


def test_quality_follows_status_flags(service: ServiceHandle, simulator: SimHandle) -> None:
    ai = "1001/analog-input,1/present-value"
    sub = service.http.post("/subscriptions", json={"points": [ai]}).json()["id"]
    reader = SseReader(service, sub)
    try:
        simulator.set_status(1001, "analog-input,1", fault=True)
        # status-flags changes are reported by COV, without any change of the value.
        reader.wait_for(lambda e: e["value"]["quality"] == "fault", 5, "fault from status-flags")
        assert _read(service, [ai])[0]["value"]["quality"] == "fault"
        simulator.set_status(1001, "analog-input,1", out_of_service=True)
        reader.wait_for(lambda e: e["value"]["quality"] == "out-of-service", 5, "out-of-service")
        simulator.set_status(1001, "analog-input,1")
        reader.wait_for(lambda e: e["value"]["quality"] == "ok" and e["source"] == "cov", 5, "ok")
    finally:
        reader.close()


def test_lost_subscription_is_noticed_by_the_poll_and_renewed(
    service: ServiceHandle, simulator: SimHandle
) -> None:
    # A device that restarts between two requests forgets its COV subscriptions without the
    # service seeing it offline; the safety-net poll sees the missed change and re-subscribes.
    ai = "1003/analog-input,1/present-value"
    sub = service.http.post("/subscriptions", json={"points": [ai]}).json()["id"]
    reader = SseReader(service, sub)
    try:
        reader.wait_for(lambda e: e["point"] == ai, 5, "the initial value")
        simulator.kill(1003)
        simulator.revive(1003)
        simulator.set_value(1003, "analog-input,1", 12.5)
        poll_s = service.settings.cov_poll_interval_s  # the safety net of a subscribed point
        reader.wait_for(lambda e: e["value"]["value"] == 12.5, poll_s + 3, "the change, by poll")
        wait_for(lambda: _cov_subscriptions(simulator, 1003) > 0, poll_s + 3, "re-subscription")
        simulator.set_value(1003, "analog-input,1", 13.5)
        event = reader.wait_for(lambda e: e["value"]["value"] == 13.5, 2, "COV again")
        assert event["source"] == "cov"
    finally:
        reader.close()

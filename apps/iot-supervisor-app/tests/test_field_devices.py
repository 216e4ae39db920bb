"""The devices of a real building, each played by the simulator over real BACnet/IP on loopback.

One building of ten devices (``iot_supervisor.testing.field_building``): a clean
one and nine with the quirks field devices have (broadcast-only I-Am, no RPM,
206-byte APDU without segmentation, current-command-priority as REAL, no COV,
800 ms replies, every fifth request ignored, and combinations), plus a BACnet
router with two more devices on network 2 behind it. The service finds them by
unicast discovery of their addresses and a Who-Is through the router, as a site
configures it.
Each test checks one behaviour; the last one runs the whole building at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from bms_service.testing import wait_for
from iot_supervisor.simulator import SimulatorConfig
from iot_supervisor.testing import (
    FIELD_QUIRKS,
    NetPlan,
    ServiceHandle,
    SimHandle,
    SseReader,
    field_building,
    loopback_settings,
)

PLAN = NetPlan.allocate()
TOKEN = "field-token-0123456789"
INSTANCES = [1001 + i for i in range(len(FIELD_QUIRKS))]
CLEAN, BROADCAST, NO_RPM, SMALL, REAL_CCP, NO_COV, SLOW, DROPS, NO_RPM_SLOW, MIXED = INSTANCES
BEHIND = [1011, 1012]  # on network 2, behind the router (device 1100)
ROUTER = f"{PLAN.ip_prefix}30:{PLAN.device_port}"


@pytest.fixture(scope="module")
def building() -> Iterator[SimHandle]:
    handle = SimHandle(
        field_building(PLAN.ip_prefix, PLAN.device_port, behind_port=PLAN.device_port + 2)
    )
    yield handle
    handle.close()


@pytest.fixture(scope="module")
def field(building: SimHandle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceHandle]:
    data: Path = tmp_path_factory.mktemp("field")
    settings = loopback_settings(
        PLAN,
        data,
        TOKEN,
        discovery_mode="unicast",
        targets=[d.bip.hostport for d in building.config.devices if d.instance not in BEHIND],
        routers=[ROUTER],
        # Long enough for an 800 ms device; retries and a failure threshold that a device
        # ignoring one request in five never reaches.
        request_timeout_s=1.5,
        request_retries=2,
        offline_after_failures=3,
        poll_interval_s=1.0,
        cov_poll_interval_s=1.0,
    )
    service = ServiceHandle(settings, TOKEN)
    response = service.http.post("/discover", json={})
    assert response.status_code == 200, response.text
    yield service
    service.close()


def _config(building: SimHandle) -> SimulatorConfig:
    return building.config


def _refs(building: SimHandle, instance: int) -> list[str]:
    [spec] = [d for d in building.config.devices if d.instance == instance]
    return [f"{instance}/{o.type},{o.instance}/present-value" for o in spec.objects]


def _read(service: ServiceHandle, refs: list[str]) -> list[dict[str, Any]]:
    response = service.http.post("/points/read", json={"points": refs})
    assert response.status_code == 200, response.text
    return list(response.json()["results"])


def _bacnet(service: ServiceHandle) -> Any:
    """The service's BACnet client (behind the protocol router, when there is one)."""
    protocol = service.supervisor.protocol
    return getattr(protocol, "primary", protocol)


def _device(service: ServiceHandle, instance: int) -> dict[str, Any]:
    response = service.http.get(f"/devices/{instance}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_discovery_finds_broadcast_only_devices_through_their_device_object(
    field: ServiceHandle, building: SimHandle
) -> None:
    devices = {d["instance"]: d for d in field.http.get("/devices").json()}
    assert sorted(devices) == [*INSTANCES, *BEHIND, 1100]
    for instance in (BROADCAST, MIXED):
        # Their I-Am went to 127.255.255.255 on the devices' port, where the service does
        # not listen; the wildcard read of the device object found them all the same.
        device = devices[instance]
        assert device["name"] == f"SimDevice-{instance}"
        assert device["vendorId"] == 999
        assert device["pointCount"] == 7
    assert (devices[MIXED]["maxApdu"], devices[MIXED]["segmentation"]) == (480, "no-segmentation")
    assert (devices[SMALL]["maxApdu"], devices[SMALL]["pointCount"]) == (206, 40)


def test_devices_behind_a_router_are_found_read_and_written_through_it(
    field: ServiceHandle, building: SimHandle
) -> None:
    for instance in BEHIND:
        device = _device(field, instance)["device"]
        # Network 2, the device's MAC (its ip:port as 6 bytes), and the router it is reached by.
        network, _, rest = device["address"].partition(":")
        mac, _, router = rest.partition("@")
        assert (network, router) == ("2", ROUTER)
        ip, port = building.config.devices[instance - 1001].bip.hostport.split(":")
        assert mac == "0x" + bytes([*map(int, ip.split(".")), *int(port).to_bytes(2)]).hex()
        assert device["pointCount"] == 7
        assert all(r["value"]["quality"] == "ok" for r in _read(field, _refs(building, instance)))
    point = f"{BEHIND[1]}/analog-value,2/present-value"
    [result] = field.http.post(
        "/points/write", json={"writes": [{"point": point, "value": 33.0, "priority": 8}]}
    ).json()["results"]
    assert result["ok"], result
    assert result["presentValue"] == 33.0
    assert building.present_value(BEHIND[1], "analog-value,2") == 33.0
    field.http.post(
        "/points/write", json={"writes": [{"point": point, "value": None, "priority": 8}]}
    )


def test_undecodable_property_is_one_faulty_point_not_a_failed_batch(
    field: ServiceHandle, building: SimHandle
) -> None:
    write = {"point": f"{REAL_CCP}/analog-value,2/present-value", "value": 12.5, "priority": 9}
    assert field.http.post("/points/write", json={"writes": [write]}).json()["results"][0]["ok"]
    refs = [
        f"{REAL_CCP}/analog-value,2/current-command-priority",
        f"{REAL_CCP}/analog-value,2/present-value",
        f"{CLEAN}/analog-input,1/present-value",
        f"{CLEAN}/analog-value,2/current-command-priority",
    ]
    stats = _bacnet(field).stats
    before = stats["requests"]
    bad, same_object, other_device, well_encoded = _read(field, refs)
    first_read = stats["requests"] - before
    assert bad["value"]["quality"] == "fault"
    assert bad["value"]["value"] is None
    assert "undecodable reply" in bad["error"]
    assert (same_object["value"]["value"], same_object["value"]["quality"]) == (12.5, "ok")
    assert other_device["value"]["quality"] == "ok"
    assert well_encoded["value"]["quality"] == "ok"
    assert _device(field, REAL_CCP)["device"]["status"] == "online"
    # The undecodable property is remembered: the next read asks for it alone, and one RPM
    # serves the rest (2 requests to the device, not a failed RPM and 4 ReadProperty).
    before = stats["requests"]
    again = _read(field, refs)
    assert [r["value"]["quality"] for r in again] == ["fault", "ok", "ok", "ok"]
    assert stats["requests"] - before < first_read
    field.http.post("/points/write", json={"writes": [{**write, "value": None}]})


def test_device_without_rpm_is_read_with_readproperty_in_parallel(
    field: ServiceHandle, building: SimHandle
) -> None:
    for instance in (NO_RPM, NO_RPM_SLOW):
        results = _read(field, _refs(building, instance))
        assert all(r["value"]["quality"] == "ok" for r in results), results
        assert _bacnet(field).known(instance).rpm is False
    assert _bacnet(field).known(CLEAN).rpm is True
    # 7 points read as 14 ReadProperty requests of 800 ms each: they overlapped, up to the
    # service's in-flight limit, rather than queueing one after the other.
    stats = building.loop.call(lambda: building.sim.request_stats[NO_RPM_SLOW])
    assert 2 <= stats.max_in_flight <= field.settings.in_flight_per_device


def test_small_apdu_device_is_described_and_read_in_fitting_parts(
    field: ServiceHandle, building: SimHandle
) -> None:
    points = field.http.get(f"/devices/{SMALL}/points").json()
    assert len(points) == 40
    assert {p["name"] for p in points} == {f"{o.type}-{o.instance}" for o in _spec(building, SMALL)}
    results = _read(field, _refs(building, SMALL))
    assert all(r["value"]["quality"] == "ok" for r in results), [r for r in results if r["error"]]


def _spec(building: SimHandle, instance: int) -> Any:
    [spec] = [d for d in building.config.devices if d.instance == instance]
    return spec.objects


def test_points_without_cov_are_polled_and_say_so(
    field: ServiceHandle, building: SimHandle
) -> None:
    ai = f"{NO_COV}/analog-input,1/present-value"
    sub = field.http.post("/subscriptions", json={"points": [ai]}).json()["id"]
    reader = SseReader(field, sub)
    try:
        reader.wait_for(lambda e: e["point"] == ai, 5, "the first value")
        wait_for(
            lambda: not _point(field, NO_COV, "analog-input", 1)["cov"], 5, "cov: false in metadata"
        )
        building.set_value(NO_COV, "analog-input,1", 55.5)
        event = reader.wait_for(lambda e: e["value"]["value"] == 55.5, 5, "the change, by poll")
        assert event["source"] == "poll"
    finally:
        reader.close()
        field.http.delete(f"/subscriptions/{sub}")


def _cov_subscriptions(building: SimHandle, instance: int) -> int:
    """Active COV subscriptions held by a simulated device (read on the device side)."""

    def count() -> int:
        app = building.sim._apps[instance]
        return sum(len(d.cov_subscriptions) for d in app._cov_detections.values())

    return int(building.loop.call(count))


def _point(service: ServiceHandle, instance: int, kind: str, number: int) -> dict[str, Any]:
    points = service.http.get(f"/devices/{instance}/points").json()
    return next(p for p in points if p["point"].split("/")[1] == f"{kind},{number}")


def test_slow_device_answers_without_being_marked_offline(
    field: ServiceHandle, building: SimHandle
) -> None:
    results = _read(field, _refs(building, SLOW))
    assert all(r["value"]["quality"] == "ok" for r in results), results
    assert _device(field, SLOW)["device"]["status"] == "online"


def test_dropped_requests_are_retried_and_the_device_never_flaps(
    field: ServiceHandle, building: SimHandle
) -> None:
    went_offline = _bacnet(field).stats["offline"]
    for _ in range(6):
        results = _read(field, _refs(building, DROPS))
        assert all(r["value"]["quality"] == "ok" for r in results), results
    stats = building.loop.call(lambda: building.sim.request_stats[DROPS])
    assert stats.dropped >= 1
    assert _device(field, DROPS)["device"]["status"] == "online"
    assert _bacnet(field).stats["offline"] == went_offline


def test_write_results_are_typed_like_the_points(field: ServiceHandle, building: SimHandle) -> None:
    writes = [
        {"point": f"{CLEAN}/binary-value,5/present-value", "value": True, "priority": 8},
        {"point": f"{CLEAN}/multi-state-value,6/present-value", "value": "Cool", "priority": 8},
    ]
    binary, multi = field.http.post("/points/write", json={"writes": writes}).json()["results"]
    assert (binary["value"], binary["presentValue"], binary["priorityArray"][7]) == (
        True,
        True,
        True,
    )
    assert isinstance(binary["relinquishDefault"], bool)
    assert (multi["value"], multi["presentValue"], multi["priorityArray"][7]) == (3, 3, 3)
    assert all(s is None for i, s in enumerate(multi["priorityArray"]) if i != 7)
    released = field.http.post(
        "/points/write", json={"writes": [{**w, "value": None} for w in writes]}
    ).json()["results"]
    assert [r["priorityArray"][7] for r in released] == [None, None]
    # A whole priority array read as a point: typed slots too.
    [array] = _read(field, [f"{CLEAN}/binary-value,5/priority-array"])
    assert json.loads(array["value"]["value"]) == [None] * 16


def test_a_mixed_building_answers_every_point_and_takes_every_command(
    field: ServiceHandle, building: SimHandle
) -> None:
    every = [ref for instance in [*INSTANCES, *BEHIND] for ref in _refs(building, instance)]
    results = _read(field, every)
    assert [r["point"] for r in results] == every
    assert all(r["value"]["quality"] == "ok" for r in results), [r for r in results if r["error"]]

    commandable = [
        (d.instance, o)
        for d in building.config.devices
        for o in d.objects
        if o.is_commandable and (d.instance != SMALL or o.instance <= 7)
    ]
    values = {"analog": 17.25, "binary": True, "multi-state": 2}

    def command(instance: int, spec: Any) -> list[tuple[str, Any]]:
        point = f"{instance}/{spec.type},{spec.instance}/present-value"
        value = next(v for k, v in values.items() if spec.type.startswith(k))
        seen = []
        for written in (value, None):
            response = field.http.post(
                "/points/write",
                json={"writes": [{"point": point, "value": written, "priority": 12}]},
            )
            assert response.status_code == 200, (point, response.text)
            [result] = response.json()["results"]
            assert result["ok"], result
            seen.append((point, result["priorityArray"][11]))
        return seen

    # One thread per point, so the slow and lossy devices' round trips do not add up.
    with ThreadPoolExecutor(len(commandable)) as pool:
        outcomes = list(pool.map(lambda item: command(*item), commandable))
    slots = [slot for outcome in outcomes for slot in outcome]
    assert len(slots) == 2 * len(commandable)
    assert all(slot is not None for _, slot in slots[0::2]), slots
    assert all(slot is None for _, slot in slots[1::2]), slots

    inputs = [f"{instance}/analog-input,1/present-value" for instance in [*INSTANCES, *BEHIND]]
    sub = field.http.post("/subscriptions", json={"points": inputs}).json()["id"]
    reader = SseReader(field, sub)
    try:
        for ref in inputs:
            reader.wait_for(lambda e, ref=ref: e["point"] == ref, 10, f"the first value of {ref}")
        for n, instance in enumerate([*INSTANCES, *BEHIND]):
            building.set_value(instance, "analog-input,1", 40.0 + n)
        sources = {}
        for n, ref in enumerate(inputs):
            event = reader.wait_for(
                lambda e, ref=ref, n=n: e["point"] == ref and e["value"]["value"] == 40.0 + n,
                10,
                f"the change of {ref}",
            )
            sources[int(ref.split("/")[0])] = event["source"]
        # Polling where the device has no COV; COV elsewhere, through the router too (the
        # subscription held by the device itself; which of COV and poll came first may vary).
        assert sources[NO_COV] == sources[MIXED] == "poll"
        for instance in (CLEAN, *BEHIND):
            wait_for(
                lambda i=instance: _cov_subscriptions(building, i) > 0, 10, f"COV at {instance}"
            )
    finally:
        reader.close()
        field.http.delete(f"/subscriptions/{sub}")
    health = field.http.get("/health").json()
    assert (health["devices"], health["devicesOffline"]) == (13, 0)  # 12 and the router

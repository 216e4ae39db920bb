"""The HTTP adapter and its write guard, over httpx's MockTransport.

The IoT service is replaced by a handler that answers as the service's API does (its
bms_schemas models, its error envelope): these are unit tests of the adapter's own
rules (what it refuses, how it reads a refusal, how it copes with an unknown point),
which the end-to-end tests over a real service cannot provoke one by one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from bms_schemas import ErrorEnvelope, PointConstraint, PointRef, PointValue, Quality
from bms_schemas.iot import (
    ReadRequest,
    ReadResponse,
    ReadResult,
    SubscriptionInfo,
    SubscriptionRequest,
    ValueChange,
    WriteRequest,
    WriteResponse,
    WriteResult,
)
from supervisor_engine.adapter import WriteGuard
from supervisor_engine.block import PointWrite
from supervisor_engine.clock import VirtualClock
from supervisor_engine.iot_client import HttpIoAdapter, IotClientSettings

AV = "1001/analog-value,1/present-value"
AO = "1001/analog-output,2/present-value"
GONE = "1001/analog-value,99/present-value"
T0 = datetime(2025, 1, 6, tzinfo=UTC)

Handler = Callable[[httpx.Request], httpx.Response]


def envelope(status: int, code: str, message: str, details: object = None) -> httpx.Response:
    body = ErrorEnvelope(code=code, message=message, details=details)
    return httpx.Response(status, json=body.model_dump(mode="json"))


def model(status: int, value: ReadResponse | WriteResponse | SubscriptionInfo) -> httpx.Response:
    return httpx.Response(status, json=value.model_dump(mode="json", by_alias=True))


def adapter(handler: Handler, **settings: object) -> HttpIoAdapter:
    return HttpIoAdapter(
        IotClientSettings(base_url="http://iot.test", **settings),  # type: ignore[arg-type]
        VirtualClock(),
        transport=httpx.MockTransport(handler),
    )


def written(request: httpx.Request) -> httpx.Response:
    """The service accepting every write of a batch."""
    body = WriteRequest.model_validate_json(request.content)
    results = tuple(
        WriteResult(point=w.point, ok=True, priority=w.priority or 16, value=w.value)
        for w in body.writes
    )
    return model(200, WriteResponse(results=results))


def write(point: str, value: object, priority: int = 10) -> PointWrite:
    return PointWrite(point, value, priority, "n1")


# --- the write guard -------------------------------------------------------------------------


def guard(**limits: object) -> WriteGuard:
    g = WriteGuard()
    g.set_constraints([PointConstraint.model_validate({"point": AO, **limits})])
    return g


def test_the_guard_refuses_values_outside_min_and_max():
    g = guard(min=10.0, max=90.0)
    assert g.check(write(AO, 9.5), 0.0) == "9.5 is below the minimum 10.0"
    assert g.check(write(AO, 90.5), 0.0) == "90.5 is above the maximum 90.0"
    assert g.check(write(AO, 50.0), 0.0) is None
    assert g.check(write(AO, None), 0.0) is None  # a relinquish is never refused
    assert g.check(write(AV, 1000.0), 0.0) is None  # no constraint on that point


def test_the_guard_refuses_a_priority_outside_the_allowed_range():
    g = guard(minPriority=8, maxPriority=12)
    assert g.check(write(AO, 50.0, priority=5), 0.0) == "priority 5 is outside the allowed 8-12"
    assert g.check(write(AO, 50.0, priority=16), 0.0) is not None
    assert g.check(write(AO, 50.0, priority=8), 0.0) is None


def test_the_guard_refuses_a_change_faster_than_the_rate_limit_since_the_last_sent():
    g = guard(maxRatePerS=2.0)
    assert g.check(write(AO, 50.0), 0.0) is None
    g.sent(write(AO, 50.0), 0.0)
    reason = g.check(write(AO, 60.0), 1.0)
    assert reason == "change from 50.0 to 60.0 is 10/s, faster than 2.0/s"
    assert g.check(write(AO, 60.0), 5.0) is None  # 2/s exactly is allowed


# --- writes through the adapter --------------------------------------------------------------


def test_guard_refusals_never_reach_the_service_and_are_recorded():
    requests: list[WriteRequest] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(WriteRequest.model_validate_json(request.content))
        return written(request)

    io = adapter(handler)
    io.set_constraints([PointConstraint.model_validate({"point": AO, "max": 80.0})])
    asyncio.run(io._send([write(AO, 95.0), write(AV, 20.0)]))
    assert [[str(w.point) for w in r.writes] for r in requests] == [[AV]]
    assert io.status.writes_sent == 1
    assert io.status.writes_refused == 1
    [refusal] = io.status.refusals
    assert refusal["point"] == AO
    assert refusal["reason"] == "engine constraint: 95.0 is above the maximum 80.0"


def test_a_refused_batch_is_retried_write_by_write_and_only_the_refused_one_dropped():
    batches: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = WriteRequest.model_validate_json(request.content)
        batches.append([str(w.point) for w in body.writes])
        if any(str(w.point) == AO for w in body.writes):
            return envelope(403, "write_refused", f"{AO}: an interlock refuses 95", {"point": AO})
        return written(request)

    io = adapter(handler)
    asyncio.run(io._send([write(AV, 20.0), write(AO, 95.0)]))
    assert batches == [[AV, AO], [AV], [AO]]
    assert io.status.writes_sent == 1
    [refusal] = io.status.refusals
    assert refusal["reason"] == f"service refused (403): {AO}: an interlock refuses 95"


def test_a_device_that_refuses_a_write_is_a_failed_write_not_a_refusal():
    def handler(request: httpx.Request) -> httpx.Response:
        body = WriteRequest.model_validate_json(request.content)
        [item] = body.writes
        result = WriteResult(
            point=item.point, ok=False, priority=10, value=item.value, error="write-access-denied"
        )
        return model(200, WriteResponse(results=(result,)))

    events: list[tuple[str, dict[str, object]]] = []
    io = adapter(handler)
    io._on_event = lambda kind, data: events.append((kind, data))
    asyncio.run(io._send([write(AO, 50.0)]))
    assert io.status.writes_failed == 1
    assert io.status.writes_sent == 0
    assert events[-1] == (
        "write-failed",
        {"point": AO, "node": "n1", "error": "write-access-denied"},
    )


def test_a_refusal_that_is_not_an_envelope_is_reported_with_its_text():
    io = adapter(lambda _r: httpx.Response(400, text="bad gateway config"))
    asyncio.run(io._send([write(AO, 50.0)]))
    assert io.status.refusals[0]["reason"] == "service refused (400): bad gateway config"


# --- values ----------------------------------------------------------------------------------


def value(v: float) -> PointValue:
    return PointValue(value=v, quality=Quality.OK, timestamp=T0)


class Service:
    """Answers subscriptions and reads as the IoT service does; GONE is on no device."""

    def __init__(self) -> None:
        self.subscribed: list[list[str]] = []
        self.read: list[list[str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/subscriptions":
            points = [
                str(p) for p in SubscriptionRequest.model_validate_json(request.content).points
            ]
            self.subscribed.append(points)
            if GONE in points:
                return envelope(
                    404, "unknown_point", f"device 1001 has no object {GONE}", {"point": GONE}
                )
            info = SubscriptionInfo(
                id="s1", points=tuple(PointRef.parse(p) for p in points), created_at=T0,
                end_with_stream=False, idle_timeout_s=60.0,
            )  # fmt: skip
            return model(201, info)
        if request.url.path == "/points/read":
            points = [str(p) for p in ReadRequest.model_validate_json(request.content).points]
            self.read.append(points)
            if GONE in points:
                return envelope(404, "unknown_point", "unknown", {"point": GONE})
            results = tuple(
                ReadResult(point=PointRef.parse(p), value=value(20.0 + i))
                for i, p in enumerate(points)
            )
            return model(200, ReadResponse(results=results))
        return envelope(404, "not_found", request.url.path)


def test_one_unknown_point_leaves_the_others_subscribed_and_read():
    service = Service()
    io = adapter(service)
    io.set_points([AV, AO, GONE])

    async def start() -> str | None:
        subscription = await io._subscribe(io._points)
        await io._read(io._points)
        return subscription

    assert asyncio.run(start()) == "s1"
    assert service.subscribed == [sorted([AV, AO, GONE]), sorted([AV, AO])]
    assert service.read == [sorted([AV, AO])]
    snapshot = io.snapshot()
    assert snapshot[AO].quality is Quality.OK
    assert snapshot[AV].quality is Quality.OK
    assert snapshot[GONE].quality is Quality.FAULT
    assert io.status.connected  # the service answered: it is not "unreachable"


def test_when_no_point_is_known_there_is_nothing_to_follow_and_the_service_is_up():
    io = adapter(Service())
    io.set_points([GONE])
    assert asyncio.run(io._subscribe(io._points)) is None
    assert io.snapshot()[GONE].quality is Quality.FAULT
    assert io.status.connected


def test_another_refusal_of_the_subscription_is_not_taken_for_an_unknown_point():
    io = adapter(lambda _r: envelope(422, "invalid_request", "points: too many"))
    io.set_points([AV])
    with pytest.raises(Exception, match="subscription refused: 422 invalid_request"):
        asyncio.run(io._subscribe(io._points))


def test_value_events_are_read_as_value_changes_and_malformed_ones_ignored():
    io = adapter(Service())
    io.set_points([AV])
    seen: list[str] = []
    io.on_value = seen.append
    change = ValueChange(point=PointRef.parse(AV), value=value(21.5), source="cov")
    io._apply(change.model_dump_json(by_alias=True))
    io._apply(json.dumps({"point": AV}))
    io._apply(
        ValueChange(point=PointRef.parse(AO), value=value(1.0), source="cov").model_dump_json()
    )
    assert io.snapshot()[AV].value == 21.5
    assert AO not in io.snapshot()  # not a point of the bundle
    assert seen == [AV]
    assert io.status.values_received == 1


def test_the_stream_applies_value_events_until_it_ends():
    change = ValueChange(point=PointRef.parse(AV), value=value(22.0), source="cov")
    sse = f": keep-alive\n\nevent: value\ndata: {change.model_dump_json(by_alias=True)}\n\n"

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/stream":
            return httpx.Response(
                200, content=sse.encode(), headers={"content-type": "text/event-stream"}
            )
        return httpx.Response(204)

    io = adapter(handler)
    io.set_points([AV])
    io._points_changed.clear()  # as the values loop does before it follows
    with pytest.raises(Exception, match="stream ended"):
        asyncio.run(io._follow("s1", io._points))
    assert io.snapshot()[AV].value == 22.0
    assert not io.status.stream_connected

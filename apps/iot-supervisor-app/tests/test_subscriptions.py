"""Subscriptions end with their stream, or after idling unread; their count is a metric."""

from __future__ import annotations

import asyncio
import re

from bms_schemas import PointRef
from bms_service.testing import wait_for
from iot_supervisor.hub import Hub
from iot_supervisor.testing import ServiceHandle, SseReader

AV = "1001/analog-value,2/present-value"


def _subscriptions(service: ServiceHandle) -> int:
    text = service.http.get("/metrics").text
    match = re.search(r"^iot_subscriptions (\S+)$", text, re.MULTILINE)
    assert match, text
    return int(float(match[1]))


def test_a_pages_subscription_ends_when_its_stream_closes(service: ServiceHandle) -> None:
    before = _subscriptions(service)
    for _ in range(3):  # a browser page opened and left, again and again
        response = service.http.post("/subscriptions", json={"points": [AV], "endWithStream": True})
        assert response.status_code == 201, response.text
        sub = response.json()
        assert (sub["endWithStream"], sub["idleTimeoutS"]) == (True, 300.0)
        assert _subscriptions(service) == before + 1
        reader = SseReader(service, sub["id"])
        reader.wait_for(lambda e: e["point"] == AV, 10, "the snapshot of the point")
        reader.close()
        wait_for(lambda: _subscriptions(service) == before, 10, "the subscription to end")
        assert service.http.get(f"/subscriptions/{sub['id']}").status_code == 404
    # one kept by its caller (as the engine's) stays after its stream closes
    kept = service.http.post("/subscriptions", json={"points": [AV]}).json()
    SseReader(service, kept["id"]).close()
    service.http.post("/points/read", json={"points": [AV]})
    assert service.http.get(f"/subscriptions/{kept['id']}").status_code == 200
    assert service.http.delete(f"/subscriptions/{kept['id']}").status_code == 204


def test_the_hub_ends_unread_subscriptions_after_their_idle_timeout() -> None:
    now = [100.0]
    hub = Hub(monotonic=lambda: now[0])
    point = (PointRef.parse(AV),)
    idle = hub.add_subscription(point, idle_timeout_s=30)
    page = hub.add_subscription(point, end_with_stream=True, idle_timeout_s=30)
    now[0] += 29
    assert hub.expired() == []  # the page has not connected yet: it is not ended early

    async def read_then_leave() -> None:
        async with hub.connect(page.id):
            now[0] += 60
            assert hub.expired() == [idle.id]  # read: the page's stays while its stream is open

    asyncio.run(read_then_leave())
    assert hub.expired() == [idle.id, page.id]
    hub.remove_subscription(idle.id)
    hub.remove_subscription(page.id)
    assert hub.expired() == []

"""A change on the simulated device reaches stream clients through SubscribeCOV."""

from __future__ import annotations

import json
import time

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from iot_supervisor.testing import ServiceHandle, SimHandle, SseReader

AI = "1003/analog-input,1/present-value"
BI = "1003/binary-input,4/present-value"


def test_cov_change_reaches_an_sse_client(service: ServiceHandle, simulator: SimHandle) -> None:
    response = service.http.post("/subscriptions", json={"points": [AI, BI]})
    assert response.status_code == 201, response.text
    sub = response.json()["id"]
    reader = SseReader(service, sub)
    try:
        started = time.monotonic()
        simulator.set_value(1003, "analog-input,1", 23.75)
        event = reader.wait_for(
            lambda e: e["point"] == AI and e["value"]["value"] == 23.75, 5, "the COV event on SSE"
        )
        latency = time.monotonic() - started
        assert event["source"] == "cov"
        assert event["value"]["quality"] == "ok"
        assert event["value"]["units"] == "degrees-celsius"
        assert latency < 2.0, "COV should arrive well before the safety-net poll"
        simulator.set_value(1003, "binary-input,4", "inactive")
        reader.wait_for(
            lambda e: e["point"] == BI and e["value"]["value"] is False, 5, "binary COV"
        )
    finally:
        reader.close()
    assert service.http.delete(f"/subscriptions/{sub}").status_code == 204
    assert service.http.delete(f"/subscriptions/{sub}").status_code == 404


def test_websocket_twin_delivers_the_same_events(
    service: ServiceHandle, simulator: SimHandle
) -> None:
    sub = service.http.post("/subscriptions", json={"points": [AI]}).json()["id"]
    url = service.base_url.replace("http://", "ws://") + f"/ws?subscription={sub}"
    with connect(url, additional_headers={"Authorization": "Bearer test-token-0123456789"}) as ws:
        # The first event is the subscription's initial notification; then the change.
        simulator.set_value(1003, "analog-input,1", 19.5)
        deadline = time.monotonic() + 5
        while True:
            event = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if event["value"]["value"] == 19.5:
                break
        assert event["point"] == AI


def test_websocket_without_token_is_closed(service: ServiceHandle) -> None:
    url = service.base_url.replace("http://", "ws://") + "/ws"
    # Closed before the handshake completes, which the ASGI server answers with 403.
    with pytest.raises(InvalidStatus) as refused, connect(url):
        pass
    assert refused.value.response.status_code == 403

"""``/engine/ws``: the engine's event stream over a real WebSocket (uvicorn on loopback)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect


def receive(ws: ClientConnection, count: int) -> list[tuple[str, Any]]:
    messages = [json.loads(ws.recv(timeout=20)) for _ in range(count)]
    return [(m["kind"], m["data"]) for m in messages]


def test_ws_starts_with_the_status_then_ticks_and_values(served, settings):
    url = served.replace("http://", "ws://") + "/engine/ws"
    with connect(url, additional_headers={"authorization": f"Bearer {settings.token}"}) as ws:
        events = receive(ws, 7)
    assert events[0][0] == "status"
    assert (events[0][1]["version"], events[0][1]["state"]) == ("1.0.0", "running")
    kinds = {kind for kind, _ in events[1:]}
    assert {"tick", "values"} <= kinds
    tick = next(data for kind, data in events if kind == "tick")
    assert tick["flow"] == "zone"
    assert tick["latenessMs"] >= 0
    merged: dict[str, Any] = {}  # by node, as a live view does
    for data in (data for kind, data in events if kind == "values"):
        merged.update(data["nodes"])
    assert merged["sp"]["value"] == [21.0, "ok"]


def test_ws_takes_the_token_in_the_query_for_browsers(served, settings):
    url = served.replace("http://", "ws://") + f"/engine/ws?token={settings.token}"
    with connect(url) as ws:
        assert receive(ws, 1)[0][0] == "status"


@pytest.mark.parametrize("query", ["", "?token=wrong"])
def test_ws_refuses_a_missing_or_wrong_token(served, query):
    url = served.replace("http://", "ws://") + "/engine/ws" + query
    with pytest.raises(InvalidStatus) as refused:
        connect(url, open_timeout=10)
    assert refused.value.response.status_code == 403


def test_a_reload_through_the_api_arrives_on_the_ws_as_an_event(served, settings):
    headers = {"authorization": f"Bearer {settings.token}"}
    url = served.replace("http://", "ws://") + "/engine/ws"
    with connect(url, additional_headers=headers) as ws:
        assert receive(ws, 1)[0][0] == "status"  # subscribed: what follows is seen
        assert httpx.post(f"{served}/engine/reload", headers=headers).status_code == 200
        for _ in range(200):  # bounded: ticks and values come between, one flow at 1 Hz
            kind, data = receive(ws, 1)[0]
            if kind == "event" and data["event"] == "reload":
                break
        else:
            raise AssertionError("no reload event on the WebSocket")
    assert (data["version"], data["by"]) == ("1.0.0", "api")

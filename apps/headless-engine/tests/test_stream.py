"""The engine's SSE stream, over real HTTP."""

from __future__ import annotations

import json

import httpx

from bms_schemas import Quality
from bms_schemas.engine_events import ValuesEvent
from bms_service.testing import wait_for
from supervisor_engine.testing import GraphBuilder


def read_events(url: str, token: str, params: dict[str, str], count: int) -> list[tuple[str, dict]]:
    events: list[tuple[str, dict]] = []
    kind = "message"
    headers = {"authorization": f"Bearer {token}"}
    with httpx.stream(
        "GET", f"{url}/engine/stream", params=params, headers=headers, timeout=20
    ) as r:
        assert r.status_code == 200
        for line in r.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                events.append((kind, json.loads(line[6:])))
                if len(events) >= count:
                    break
    return events


def test_stream_starts_with_the_status_then_ticks_and_values(served, settings):
    events = read_events(served, settings.token, {}, 7)
    assert events[0][0] == "status"
    assert events[0][1]["version"] == "1.0.0"
    kinds = {kind for kind, _ in events[1:]}
    assert {"tick", "values"} <= kinds
    tick = next(data for kind, data in events if kind == "tick")
    assert tick["flow"] == "zone"
    assert tick["latenessMs"] >= 0
    # merged by node, as a live view does: the first holds every node, the next the changes
    merged: dict[str, dict] = {}
    for data in (data for kind, data in events if kind == "values"):
        merged.update(data["nodes"])
    assert set(merged) == {"t", "sp", "pid", "damper"}
    assert merged["sp"]["value"] == [21.0, "ok"]


def test_stream_gives_only_the_kinds_asked_for(served, settings):
    events = read_events(served, settings.token, {"kinds": "tick"}, 4)
    assert [kind for kind, _ in events] == ["status", "tick", "tick", "tick"]


def test_stream_refuses_unknown_kinds_naming_the_parameter(served, settings):
    response = httpx.get(
        f"{served}/engine/stream",
        params={"kinds": "everything"},
        headers={"authorization": f"Bearer {settings.token}"},
    )
    assert response.status_code == 422
    assert "kinds" in response.json()["message"]


def test_values_come_whole_to_a_new_client_then_only_what_changed(served, settings, signed):
    g = GraphBuilder(flow="clock", period_ms=100)
    on = g.node("io.constant", "on", valueType="bool", value=True)
    elapsed = g.node("timer.elapsed", "elapsed")
    g.wire(on, "value", elapsed, "run")
    g.node("io.constant", "k", value=3.0)
    response = httpx.post(
        f"{served}/engine/deploy",
        json={"bundle": signed(g, version="1.1.0")},
        headers={"authorization": f"Bearer {settings.token}"},
    )
    assert response.status_code == 200, response.text

    # A client that connects before the first tick gets the outputs as they are then (none
    # yet), and the constants once more when they appear: connect once the flow has ticked.
    def ticked() -> bool:
        status = httpx.get(
            f"{served}/engine/status", headers={"authorization": f"Bearer {settings.token}"}
        ).json()
        return any(flow["ticks"] > 0 for flow in status["flows"])

    wait_for(ticked, 10, "the flow's first tick")
    events = read_events(served, settings.token, {"kinds": "values"}, 5)
    assert [kind for kind, _ in events] == ["status", "values", "values", "values", "values"]
    first, *later = (ValuesEvent.model_validate(data) for _, data in events[1:])
    assert set(first.nodes) == {"on", "elapsed", "k"}
    assert first.nodes["k"]["value"] == (3.0, Quality.OK)
    # the timer moves on every tick; the constants never change, so they are not sent again
    assert all(set(event.nodes) == {"elapsed"} for event in later)

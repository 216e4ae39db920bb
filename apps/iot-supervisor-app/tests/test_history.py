"""``GET /points/history``: the value log, downsampled, checked against the raw rows in runtime.db.

Values are set on the simulated device and read over BACnet, so every row the
service logs came the real way; the test then recomputes each bucket from the
raw log with its own plain code and compares.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bms_schemas.history import HistoryBucket
from iot_supervisor.history import LogRow, downsample
from iot_supervisor.testing import ServiceHandle, SimHandle

AV = "1001/analog-value,2/present-value"
BV = "1001/binary-value,5/present-value"
SPIKY = [21.0, 21.5, 35.0, 21.2, 20.8, 12.0, 22.0, 22.4, 22.1, 23.0, 19.5, 21.0]


def _feed(service: ServiceHandle, simulator: SimHandle) -> None:
    for i, value in enumerate(SPIKY):
        simulator.set_value(1001, "analog-value,2", value)
        simulator.set_value(1001, "binary-value,5", "active" if i % 3 else "inactive")
        response = service.http.post("/points/read", json={"points": [AV, BV]})
        assert response.status_code == 200, response.text
    # The log is written by the store's writer thread; a history request flushes it, so the
    # raw rows read next are all that the service logged.
    _history(service, point=[AV])


def _raw(service: ServiceHandle, point: str) -> list[tuple[float, Any]]:
    with sqlite3.connect(service.settings.db_path) as conn:
        rows = conn.execute(
            "SELECT at, value FROM value_log WHERE point = ? ORDER BY at, id", (point,)
        ).fetchall()
    return [(at, LogRow.from_db(at, value, "ok").value) for at, value in rows]


def _expected(raw: list[tuple[float, Any]], b0: float, b1: float) -> tuple[float, float] | None:
    """Min and max of the values logged in [b0, b1), and of the one in force at b0 if it held."""
    inside = [float(v) for at, v in raw if b0 <= at < b1]
    before = [v for at, v in raw if at < b0]
    first = next((at for at, _ in raw if b0 <= at < b1), None)
    if before and (first is None or first > b0):
        inside.append(float(before[-1]))
    return (min(inside), max(inside)) if inside else None


def _history(service: ServiceHandle, **params: Any) -> dict[str, Any]:
    response = service.http.get("/points/history", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_buckets_keep_the_min_and_max_of_the_raw_log(
    service: ServiceHandle, simulator: SimHandle, service_factory: Callable[..., ServiceHandle]
) -> None:
    _feed(service, simulator)
    raw = _raw(service, AV)
    assert len(raw) >= len(SPIKY)
    start, end = raw[0][0] - 0.001, raw[-1][0] + 0.001
    buckets = 5
    body = _history(
        service, point=[AV, BV], buckets=buckets,
        start=datetime.fromtimestamp(start, UTC).isoformat(),
        end=datetime.fromtimestamp(end, UTC).isoformat(),
    )  # fmt: skip
    analog, binary = body["series"]
    assert (analog["kind"], analog["unitSymbol"], analog["samples"]) == ("number", "%", len(raw))
    assert binary["kind"] == "bool"
    assert len(analog["buckets"]) == buckets
    width = (end - start) / buckets
    for i, bucket in enumerate(analog["buckets"]):
        b0 = start + i * width
        b1 = end if i == buckets - 1 else b0 + width
        expected = _expected(raw, b0, b1)
        got = None if bucket["min"] is None else (bucket["min"], bucket["max"])
        assert got == (pytest.approx(expected) if expected else None), (i, bucket)
    assert max(b["max"] for b in analog["buckets"]) == 35.0  # the spike survives downsampling
    assert min(b["min"] for b in analog["buckets"]) == 12.0
    assert {b["min"] for b in binary["buckets"]} <= {0.0, 1.0}

    # the last ten minutes: few samples, most buckets carry the value over
    recent = _history(service, point=AV, buckets=60,
                      start=(datetime.now(UTC) - timedelta(minutes=10)).isoformat())  # fmt: skip
    series = recent["series"][0]
    assert series["samples"] == len(raw)
    assert len(series["buckets"]) == 60
    assert series["buckets"][-1]["last"] == SPIKY[-1]
    assert max(b["max"] for b in series["buckets"] if b["max"] is not None) == 35.0

    # the history survives a restart of the service
    service.close()
    again = service_factory()
    same = _history(
        again, point=AV, buckets=buckets,
        start=datetime.fromtimestamp(start, UTC).isoformat(),
        end=datetime.fromtimestamp(end, UTC).isoformat(),
    )  # fmt: skip
    assert same["series"][0]["buckets"] == analog["buckets"]


def test_bad_history_requests_name_the_field(service: ServiceHandle) -> None:
    bad = service.http.get("/points/history", params={"point": "not a point"})
    assert bad.status_code == 400
    assert bad.json()["details"]["field"] == "query.point.0"
    now = datetime.now(UTC)
    backwards = service.http.get(
        "/points/history",
        params={"point": AV, "start": now.isoformat(), "end": (now - timedelta(1)).isoformat()},
    )
    assert backwards.status_code == 400
    assert backwards.json()["details"]["field"] == "query.start"
    assert service.http.get("/points/history").status_code == 422
    none_logged = _history(service, point="1001/analog-input,1")  # canonical: present-value added
    assert none_logged["series"][0]["point"] == "1001/analog-input,1/present-value"


def _b(buckets: list[HistoryBucket]) -> list[tuple[Any, Any, Any, int]]:
    return [(b.min, b.max, b.avg, b.count) for b in buckets]


def test_downsampling_carries_values_over_and_weights_the_mean_by_time() -> None:
    rows = [LogRow(10.0, 20.0, "ok"), LogRow(12.0, 40.0, "ok"), LogRow(12.5, 20.0, "ok")]
    before = LogRow(0.0, 10.0, "ok")
    got = _b(downsample(before, rows, 0.0, 20.0, 2))
    # [0, 10): 10 all along; [10, 20): 20 for 2 s, 40 for 0.5 s, 20 for 7.5 s
    assert got == [(10.0, 10.0, 10.0, 0), (20.0, 40.0, pytest.approx(21.0), 3)]
    # nothing before and nothing inside: no numbers at all
    assert _b(downsample(None, [], 0.0, 10.0, 2)) == [(None, None, None, 0)] * 2
    # booleans as 0/1; text has no numbers but keeps its last value
    flags = downsample(LogRow(0.0, False, "ok"), [LogRow(5.0, True, "ok")], 0.0, 10.0, 1)
    assert _b(flags) == [(0.0, 1.0, 0.5, 1)]
    texts = downsample(None, [LogRow(1.0, "Heat", "ok")], 0.0, 10.0, 1)
    assert (texts[0].min, texts[0].last) == (None, "Heat")

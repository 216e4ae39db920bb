"""Readings: the adapter's cache of point values, with each value's digest kept in step."""

from __future__ import annotations

from datetime import UTC, datetime

from bms_schemas import PointValue, Quality
from supervisor_engine.readings import UNREADABLE, Readings, digests

T0 = datetime(2025, 1, 6, tzinfo=UTC)


def value(v: float, quality: Quality = Quality.OK) -> PointValue:
    return PointValue(value=v, quality=quality, timestamp=T0)


def test_every_change_to_the_values_changes_the_digests_too():
    readings = Readings({"a": value(1.0)})
    readings["b"] = value(2.0, Quality.STALE)
    readings.update({"c": value(3.0)}, d=value(4.0))
    readings.setdefault("e", value(5.0))
    readings |= {"f": value(6.0)}
    del readings["a"]
    readings.pop("c")
    assert readings.raw == {
        "b": (2.0, 2, T0), "d": (4.0, 0, T0), "e": (5.0, 0, T0), "f": (6.0, 0, T0)
    }  # fmt: skip
    readings.popitem()
    assert set(readings.raw) == set(readings)
    readings.clear()
    assert readings.raw == {}


def test_a_plain_mapping_is_digested_for_the_points_asked_and_an_odd_value_is_unreadable():
    odd = PointValue.model_construct(value=1.0, quality="bogus", timestamp=T0, units=None)
    snapshot = {"a": value(1.0), "b": value(2.0), "odd": odd}
    assert digests(snapshot, ["a", "odd", "missing"]) == {"a": (1.0, 0, T0), "odd": UNREADABLE}
    readings = Readings(snapshot)
    assert digests(readings, ["a"]) is readings.raw

"""Register maps: every data type and order round-trips; reads batch within the protocol's limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iot_supervisor.modbus.batching import plan
from iot_supervisor.modbus.registers import (
    SHIPPED_MAPS,
    CodecError,
    RegisterMap,
    RegisterPoint,
    decode,
    encode,
)

RANGES = {
    "int16": (-(2**15), 2**15 - 1), "uint16": (0, 2**16 - 1),
    "int32": (-(2**31), 2**31 - 1), "uint32": (0, 2**32 - 1),
}  # fmt: skip
orders = st.tuples(st.sampled_from(["big", "little"]), st.sampled_from(["big", "little"]))


def _point(**fields: Any) -> RegisterPoint:
    return RegisterPoint.model_validate(
        {"name": "p", "kind": "holding-register", "address": 0, "writable": True, **fields}
    )


@given(st.sampled_from(sorted(RANGES)), orders, st.data())
def test_integers_round_trip_in_every_order(kind: str, order: Any, data: st.DataObject) -> None:
    low, high = RANGES[kind]
    value = data.draw(st.integers(low, high))
    point = _point(type=kind)
    raw = encode(point, order, value)
    assert all(0 <= r <= 0xFFFF for r in raw)
    assert decode(point, order, raw) == value


@given(orders, st.floats(allow_nan=False, allow_infinity=False, width=32))
def test_float32_round_trips_in_every_order(order: Any, value: float) -> None:
    point = _point(type="float32")
    assert decode(point, order, encode(point, order, value)) == value


@given(orders, st.floats(allow_nan=False, allow_infinity=False))
def test_float64_round_trips_in_every_order(order: Any, value: float) -> None:
    point = _point(type="float64")
    assert decode(point, order, encode(point, order, value)) == value


def test_word_and_byte_order_lay_out_registers_as_devices_do() -> None:
    point = _point(type="uint32")
    assert encode(point, ("big", "big"), 0x11223344) == [0x1122, 0x3344]
    assert encode(point, ("little", "big"), 0x11223344) == [0x3344, 0x1122]
    assert encode(point, ("big", "little"), 0x11223344) == [0x2211, 0x4433]
    assert encode(point, ("little", "little"), 0x11223344) == [0x4433, 0x2211]


def test_scale_and_offset_give_engineering_values() -> None:
    point = _point(type="int16", scale=0.1, offset=-40)
    assert encode(point, ("big", "big"), 21.5) == [615]
    assert decode(point, ("big", "big"), [615]) == 21.5


@pytest.mark.parametrize(
    ("fields", "value", "message"),
    [
        ({"type": "uint16", "min": 0, "max": 100}, 150, "outside the map's range"),
        ({"type": "uint16"}, -1, "does not fit uint16"),
        ({"type": "int16", "scale": 0.1}, 4000, "does not fit int16"),
        ({"type": "uint16"}, "fast", "takes a number"),
        ({"type": "uint16"}, True, "takes a number"),
        ({"type": "uint16", "states": {0: "off", 1: "on"}}, 2, "not one of the codes"),
        ({"type": "float32"}, float("inf"), "finite"),
    ],
)
def test_values_that_do_not_fit_are_refused_with_the_reason(
    fields: dict[str, Any], value: Any, message: str
) -> None:
    with pytest.raises(CodecError, match=message):
        encode(_point(**fields), ("big", "big"), value)


def test_a_non_finite_float_from_a_device_is_a_point_error() -> None:
    with pytest.raises(CodecError, match="non-finite"):
        decode(_point(type="float32"), ("big", "big"), [0x7FC0, 0])


def _map(points: list[dict[str, Any]], **extra: Any) -> RegisterMap:
    return RegisterMap.model_validate({"model": "m", "points": points, **extra})


def test_adjacent_points_are_read_in_one_request_within_125_registers() -> None:
    points = [
        {"name": f"r{i}", "kind": "input-register", "address": 2 * i, "type": "float32"}
        for i in range(100)
    ]
    register_map = _map(points)
    batches = plan(register_map, list(register_map.points))
    assert [(b.address, b.count) for b in batches] == [(0, 124), (124, 76)]
    assert sum(len(b.points) for b in batches) == 100


def test_gaps_and_kinds_split_batches_unless_the_map_allows_the_gap() -> None:
    points = [
        {"name": "a", "kind": "holding-register", "address": 0},
        {"name": "b", "kind": "holding-register", "address": 3},
        {"name": "c", "kind": "coil", "address": 0, "type": "bool"},
        {"name": "d", "kind": "coil", "address": 1, "type": "bool"},
    ]
    strict = _map(points)
    assert [(b.kind, b.address, b.count) for b in plan(strict, list(strict.points))] == [
        ("coil", 0, 2), ("holding-register", 0, 1), ("holding-register", 3, 1),
    ]  # fmt: skip
    loose = _map(points, max_gap=2)
    assert [(b.address, b.count) for b in plan(loose, list(loose.points))][1:] == [(0, 4)]


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ([{"name": "a", "kind": "coil", "address": 0}], "needs type 'bool'"),
        ([{"name": "a", "kind": "input-register", "address": 0, "writable": True}], "cannot be written"),
        (
            [{"name": "a", "kind": "input-register", "address": 0, "type": "float32"},
             {"name": "b", "kind": "input-register", "address": 1}],
            "overlap",
        ),
        ([{"name": "a", "kind": "holding-register", "address": 65535, "type": "uint32"}], "past"),
    ],
)  # fmt: skip
def test_inconsistent_maps_are_refused(points: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _map(points)


@pytest.mark.parametrize("path", sorted(SHIPPED_MAPS.glob("*.yaml")), ids=lambda p: p.stem)
def test_the_shipped_maps_load(path: Path) -> None:
    assert RegisterMap.load(path).model == path.stem

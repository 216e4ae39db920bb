"""Logic, edges, comparison and selection: traces written from each block's definition."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from bms_schemas import PointValue, Quality
from supervisor_engine import default_registry
from supervisor_engine.testing import BlockHarness

T0 = datetime(2025, 1, 6, tzinfo=UTC)


def bad(value, quality=Quality.FAULT):
    return PointValue(value=value, quality=quality, timestamp=T0)


@pytest.mark.parametrize(
    ("block", "rows"),
    [
        ("logic.and", [((False, False, False), False), ((True, False, True), False), ((True, True, True), True)]),
        ("logic.or", [((False, False, False), False), ((False, True, False), True), ((True, True, True), True)]),
        ("logic.xor", [((False, False, False), False), ((True, False, False), True), ((True, True, False), False), ((True, True, True), True)]),
    ],
)  # fmt: skip
def test_gates_with_three_inputs(block, rows):
    h = BlockHarness(block, inputs=3)
    for (a, b, c), expected in rows:
        assert h.step(in1=a, in2=b, in3=c) == {"out": expected}


def test_gate_with_an_invalid_input_propagates_or_counts_it_false():
    propagate = BlockHarness("logic.or")
    propagate.step(in1=bad(True), in2=False)
    assert propagate.qualities()["out"] is Quality.FAULT
    as_false = BlockHarness("logic.or", onInvalid="false")
    assert as_false.step(in1=bad(True), in2=False) == {"out": False}
    assert as_false.qualities()["out"] is Quality.OK
    assert as_false.step(in2=True) == {"out": True}


def test_not():
    h = BlockHarness("logic.not")
    assert [h.step(**{"in": v})["out"] for v in (True, False)] == [False, True]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("rising", [True, False, False, False, True]),
        ("falling", [False, False, True, False, False]),
        ("change", [True, False, True, False, True]),
    ],
)
def test_edge_is_true_for_exactly_one_tick(kind, expected):
    h = BlockHarness("logic.edge", kind=kind)
    # before the first tick the input counts as false (CDL's pre(u) = false)
    assert [h.step(**{"in": v})["out"] for v in (True, True, False, False, True)] == expected


def test_toggle_flips_on_rising_edges_only_and_survives_a_restart():
    h = BlockHarness("logic.toggle")
    outs = [h.step(**{"in": v})["out"] for v in (False, True, True, False, True)]
    assert outs == [False, True, True, True, False]
    h.restart()
    assert h.step(**{"in": True}) == {"out": False}  # still high: no edge after the restart
    assert h.step(**{"in": False}) == {"out": False}
    assert h.step(**{"in": True}) == {"out": True}


@pytest.mark.parametrize(
    ("op", "tolerance", "a", "b", "expected"),
    [
        (">", 0, 2.0, 1.0, True), (">", 0, 1.0, 1.0, False), (">=", 0, 1.0, 1.0, True),
        ("<", 0, 0.5, 1.0, True), ("<=", 0, 1.5, 1.0, False),
        ("==", 0.1, 1.05, 1.0, True), ("==", 0.1, 1.2, 1.0, False), ("!=", 0.1, 1.2, 1.0, True),
        ("!=", 0.1, 1.05, 1.0, False),
    ],
)  # fmt: skip
def test_compare(op, tolerance, a, b, expected):
    assert BlockHarness("logic.compare", op=op, tolerance=tolerance).step(a=a, b=b) == {
        "out": expected
    }


@pytest.mark.parametrize(
    ("inclusive", "u", "expected"),
    [
        (True, 18.0, True),
        (True, 24.0, True),
        (False, 18.0, False),
        (False, 20.0, True),
        (True, 24.1, False),
    ],
)
def test_between(inclusive, u, expected):
    h = BlockHarness("logic.between", low=18.0, high=24.0, inclusive=inclusive)
    assert h.step(**{"in": u}) == {"out": expected}


def test_between_refuses_low_above_high():
    block = default_registry().get("logic.between")
    with pytest.raises(ValidationError, match=r"low 5\.0 is above high 1\.0"):
        block.parse_params({"low": 5, "high": 1})


def test_multiplexer_picks_by_selector_and_defaults_outside_range():
    h = BlockHarness("select.multiplexer", inputs=3, default=-1.0)
    h.set(in1=10.0, in2=20.0, in3=30.0)
    assert [h.step(select=s)["out"] for s in (1, 3, 2, 0, 4)] == [10.0, 30.0, 20.0, -1.0, -1.0]


def test_multiplexer_takes_the_selected_inputs_quality():
    h = BlockHarness("select.multiplexer", inputs=2)
    h.step(select=1, in1=1.0, in2=bad(2.0))
    assert h.qualities()["out"] is Quality.OK
    h.step(select=2)
    assert h.outputs()["out"] == 2.0
    assert h.qualities()["out"] is Quality.FAULT


@pytest.mark.parametrize(
    ("block", "expected"),
    [("select.min", 19.0), ("select.max", 26.0), ("select.average", 22.0), ("select.median", 21.0)],
)
def test_aggregates_ignore_invalid_inputs(block, expected):
    h = BlockHarness(block, inputs=4, minValid=2)
    # 99 is faulted and ignored: min/max/avg/median over 19, 21, 26
    out = h.step(in1=21.0, in2=bad(99.0), in3=19.0, in4=26.0)
    assert out == {"out": expected, "valid": 3}
    assert h.qualities()["out"] is Quality.OK


def test_median_of_an_even_count_is_the_mean_of_the_middle_two():
    h = BlockHarness("select.median", inputs=4)
    assert h.step(in1=1.0, in2=4.0, in3=2.0, in4=10.0)["out"] == 3.0


def test_too_few_valid_inputs_make_the_aggregate_invalid():
    h = BlockHarness("select.average", inputs=3, minValid=2)
    assert h.step(in1=20.0, in2=bad(1.0), in3=bad(2.0)) == {"out": 20.0, "valid": 1}
    assert h.qualities()["out"] is not Quality.OK
    h.step(in2=bad(1.0, Quality.STALE), in3=bad(2.0, Quality.STALE))
    h.step(in1=bad(1.0))
    assert h.outputs() == {"out": None, "valid": 0}


def test_unwired_aggregate_inputs_are_simply_absent():
    h = BlockHarness("select.max", inputs=3, unwired=("in3",))
    assert h.step(in1=1.0, in2=5.0) == {"out": 5.0, "valid": 2}


def test_min_valid_cannot_exceed_inputs():
    with pytest.raises(ValidationError, match="min_valid 5 is more than the 3 inputs"):
        default_registry().get("select.min").parse_params({"inputs": 3, "minValid": 5})


def test_switch_passes_the_selected_input():
    h = BlockHarness("logic.switch")
    assert h.step(select=True, on_true=1.0, on_false=2.0) == {"out": 1.0}
    assert h.step(select=False) == {"out": 2.0}

"""Math and signal conditioning: traces written from each block's definition."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from bms_schemas import IssueCode
from supervisor_engine import default_registry, validate_graph
from supervisor_engine.testing import BlockHarness, GraphBuilder


def one(block, value, **params):
    return BlockHarness(block, **params).step(**{"in": value})["out"]


@pytest.mark.parametrize(
    ("block", "params", "u", "expected"),
    [
        ("math.gain", {"k": 2.5}, 4.0, 10.0),
        ("math.offset", {"offset": -1.5}, 4.0, 2.5),
        ("math.abs", {}, -3.0, 3.0),
        ("math.round", {"step": 0.5}, 21.26, 21.5),
        ("math.round", {"step": 1.0}, 2.5, 3.0),
        ("math.round", {"step": 1.0}, -2.5, -3.0),
        ("math.round", {"step": 0.1}, 0.04, 0.0),
    ],
)
def test_unary_math(block, params, u, expected):
    assert one(block, u, **params) == pytest.approx(expected)


def test_add_and_multiply_take_n_inputs_subtract_and_divide_two():
    assert BlockHarness("math.add", inputs=3).step(in1=1.0, in2=2.0, in3=3.5)["out"] == 6.5
    assert BlockHarness("math.multiply", inputs=3).step(in1=2.0, in2=3.0, in3=0.5)["out"] == 3.0
    assert BlockHarness("math.subtract").step(a=5.0, b=7.0)["out"] == -2.0
    assert BlockHarness("math.divide").step(a=7.0, b=2.0)["out"] == 3.5


@pytest.mark.parametrize(("policy", "expected"), [("hold", 3.5), ("zero", 0.0)])
def test_divide_by_zero_policies(policy, expected):
    h = BlockHarness("math.divide", onZero=policy)
    h.step(a=7.0, b=2.0)
    assert h.step(b=0.0)["out"] == expected
    assert h.last.faults == {}


def test_divide_by_zero_faults_by_default():
    h = BlockHarness("math.divide")
    h.step(a=7.0, b=0.0)
    assert "ZeroDivisionError" in h.last.faults["block"]


@pytest.mark.parametrize(
    ("u", "expected"),
    # outdoor-air reset: -10 degC -> 70 degC supply, 15 degC -> 35 degC supply
    [(-20.0, 70.0), (-10.0, 70.0), (2.5, 52.5), (15.0, 35.0), (30.0, 35.0)],
)
def test_linear_reset_is_clamped_outside_its_points(u, expected):
    assert one("math.linear-reset", u, x1=-10, y1=70, x2=15, y2=35) == pytest.approx(expected)


def test_linear_reset_unclamped_extrapolates_and_needs_distinct_x():
    assert one("math.linear-reset", 20.0, x1=0, y1=0, x2=10, y2=5, clamp=False) == 10.0
    with pytest.raises(ValidationError, match="two distinct inputs"):
        default_registry().get("math.linear-reset").parse_params(
            {"x1": 1, "y1": 0, "x2": 1, "y2": 1}
        )


@pytest.mark.parametrize(
    ("u", "expected"),
    [(-5.0, 60.0), (0.0, 60.0), (5.0, 50.0), (15.0, 35.0), (25.0, 30.0), (40.0, 30.0)],
)
def test_table_interpolates_and_holds_its_ends(u, expected):
    points = [[0, 60], [10, 40], [20, 30]]
    assert one("math.table", u, points=points) == pytest.approx(expected)


def test_table_needs_increasing_x():
    with pytest.raises(ValidationError, match="strictly increase"):
        default_registry().get("math.table").parse_params({"points": [[0, 1], [0, 2]]})


def test_limiter():
    h = BlockHarness("math.limiter", min=0, max=100)
    assert [h.step(**{"in": v})["out"] for v in (-5.0, 50.0, 120.0)] == [0.0, 50.0, 100.0]


def test_rate_limit_ramps_at_its_rates_whatever_the_tick():
    h = BlockHarness("math.rate-limit", risePerS=0.5, fallPerS=1.0)
    assert h.step(1.0, **{"in": 10.0})["out"] == 10.0  # the first value is taken as is
    outs = [h.step(2.0, **{"in": 20.0})["out"] for _ in range(3)]
    assert outs == [11.0, 12.0, 13.0]  # 0.5/s over 2 s ticks
    assert h.step(4.0, **{"in": 0.0})["out"] == 9.0  # falls 1/s for 4 s


def test_first_order_filter_reaches_63_percent_after_tau_at_any_period():
    for dt in (1.0, 5.0, 30.0):
        h = BlockHarness("math.filter", tauS=60)
        h.step(dt, **{"in": 0.0})
        out = h.run(60.0, dt=dt, **{"in": 10.0})[-1]["out"]
        assert out == pytest.approx(10 * (1 - math.exp(-1)), rel=1e-9)


def test_moving_average_over_its_window():
    h = BlockHarness("math.moving-average", windowS=3)
    outs = [h.step(1.0, **{"in": v})["out"] for v in (3.0, 6.0, 9.0, 12.0, 0.0)]
    # window (now-3, now]: 3 samples once full
    assert outs == [3.0, 4.5, 6.0, 9.0, 7.0]


def test_deadband_follows_only_moves_larger_than_the_band():
    h = BlockHarness("math.deadband", band=0.5)
    outs = [h.step(**{"in": v})["out"] for v in (20.0, 20.4, 20.6, 20.2, 19.9, 19.6)]
    # 20.6 is 0.6 from 20.0; 19.9 is 0.7 from 20.6; 19.6 only 0.3 from 19.9
    assert outs == [20.0, 20.0, 20.6, 20.6, 19.9, 19.9]


def test_sample_and_hold_takes_the_value_on_rising_edges():
    h = BlockHarness("math.sample-hold")
    assert h.step(**{"in": 1.0, "trigger": False})["out"] is None
    assert h.step(**{"in": 2.0, "trigger": True})["out"] == 2.0
    assert h.step(**{"in": 3.0, "trigger": True})["out"] == 2.0
    assert h.step(**{"in": 4.0, "trigger": False})["out"] == 2.0
    assert h.step(**{"in": 5.0, "trigger": True})["out"] == 5.0


def test_integrator_totals_kw_into_kwh_resets_and_survives_restart():
    h = BlockHarness("math.integrator", k=1 / 3600)
    h.run(3600.0, dt=60.0, rate=30.0, reset=False)
    assert h.outputs()["total"] == pytest.approx(30.0)
    h.restart(downtime=600)
    assert h.step(60.0, rate=0.0)["total"] == pytest.approx(30.0)
    assert h.step(60.0, reset=True)["total"] == 0.0


def test_invalid_signal_parameters_are_reported_by_validation():
    g = GraphBuilder()
    g.node("math.filter", "f", tauS=0)
    g.node("math.limiter", "l", min=5, max=1)
    issues = validate_graph(g.build(), default_registry())
    fields = {(i.node, i.field) for i in issues if i.code is IssueCode.INVALID_PARAMETER}
    assert fields == {("f", "params.tauS"), ("l", "params")}

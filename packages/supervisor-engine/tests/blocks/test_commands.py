"""Command discipline: point outputs, parameters, arbitration, overrides, fallbacks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bms_schemas import PointValue, Quality
from supervisor_engine import compile_graph, default_registry
from supervisor_engine.blocks.commands import (
    ModeName,
    apply_override,
    set_parameter,
)
from supervisor_engine.testing import BlockHarness, GraphBuilder

T0 = datetime(2025, 1, 6, tzinfo=UTC)


def bad(value, quality=Quality.FAULT):
    return PointValue(value=value, quality=quality, timestamp=T0)


def output_writes(steps, **params):
    """(value written or '-' per tick) for a point output fed the given values every dt."""
    h = BlockHarness(
        "io.point-output", point="1/analog-output,1", priority=9, unwired=("enable",), **params
    )
    seen = []
    for dt, value in steps:
        h.step(dt, value=value)
        seen.append([w.value for w in h.last.writes] or "-")
    return seen


def test_refresh_rewrites_an_unchanged_command_every_refresh_s():
    seen = output_writes([(10, 5.0)] * 7, refreshS=30)
    assert seen == [[5.0], "-", "-", [5.0], "-", "-", [5.0]]


def test_min_interval_defers_a_change_then_writes_the_latest():
    seen = output_writes([(10, 1.0), (10, 2.0), (10, 3.0), (10, 3.0), (10, 4.0)], minIntervalS=25)
    # t=10 write 1; t=20, 30 inside 25 s: wait; t=40: write the latest (3); t=50 inside again
    assert seen == [[1.0], "-", "-", [3.0], "-"]


def test_parameter_outputs_its_value_and_keeps_an_operators_change_across_restart():
    h = BlockHarness("io.parameter", value=21.0, min=15, max=28, unit="degC")
    assert h.step() == {"out": 21.0}
    ctx_params = default_registry().get("io.parameter").parse_params(h.params)
    set_parameter(ctx_params, h.state, 23.5)
    assert h.step() == {"out": 23.5}
    h.restart()
    assert h.step() == {"out": 23.5}
    with pytest.raises(ValueError, match="above the maximum 28"):
        set_parameter(ctx_params, h.state, 30.0)
    with pytest.raises(ValueError, match="is not a number"):
        set_parameter(ctx_params, h.state, "warm")


def test_parameter_initial_value_must_be_inside_its_limits():
    with pytest.raises(ValueError, match="value must be at most 30"):
        default_registry().get("io.parameter").parse_params({"value": 40, "max": 30})


def test_priority_arbiter_takes_the_highest_valid_level_else_fallback():
    h = BlockHarness("io.priority-arbiter", levels=4, fallback=10.0)
    assert h.step(in1=None, in2=None, in3=None, in4=None) == {"out": 10.0, "active": 17}
    assert h.step(in3=30.0) == {"out": 30.0, "active": 3}
    assert h.step(in2=20.0) == {"out": 20.0, "active": 2}
    assert h.step(in1=bad(1.0)) == {"out": 20.0, "active": 2}  # a faulted level is skipped
    assert h.step(in1=1.0) == {"out": 1.0, "active": 1}


def override_harness(**params):
    return BlockHarness("io.override", handValue=100.0, offValue=0.0, **params)


def test_override_hand_by_input_edge_then_auto_when_released():
    h = override_harness(durationS=0)
    assert h.step(**{"in": 40.0, "hand": False, "off": False}) == {"out": 40.0, "mode": 1}
    assert h.step(hand=True) == {"out": 100.0, "mode": 2}
    assert h.qualities()["out"] is Quality.OVERRIDDEN
    assert h.step(hand=False) == {"out": 40.0, "mode": 1}
    assert h.qualities()["out"] is Quality.OK


def test_override_expires_after_its_duration_even_if_the_switch_stays_on():
    h = override_harness(durationS=60)
    h.step(10.0, **{"in": 40.0, "hand": False, "off": False})
    modes = [h.step(10.0, off=True)["mode"] for _ in range(7)]
    # off from t=20; it ends at t=80 although the switch is still on
    assert modes == [3, 3, 3, 3, 3, 3, 1]


def test_operator_override_persists_across_restart_with_its_deadline():
    h = override_harness(durationS=3600)
    h.step(60.0, **{"in": 40.0, "hand": False, "off": False})
    params = default_registry().get("io.override").parse_params(h.params)
    apply_override(params, h.state, ModeName.HAND, h.now, value=55.0, duration_s=600)
    assert h.step(60.0) == {"out": 55.0, "mode": 2}  # t=120, ends at t=660
    h.restart(downtime=300)  # t=420
    assert h.step(60.0) == {"out": 55.0, "mode": 2}  # t=480
    assert h.step(180.0) == {"out": 40.0, "mode": 1}  # t=660: expired


def test_fallback_default_and_last_good():
    d = BlockHarness("io.fallback", default=18.0)
    assert d.step(**{"in": 21.0}) == {"out": 21.0, "substituted": False}
    assert d.step(**{"in": bad(99.0)}) == {"out": 18.0, "substituted": True}
    assert d.qualities()["out"] is Quality.OK
    last = BlockHarness("io.fallback", default=18.0, policy="last-good")
    assert last.step(**{"in": bad(1.0)}) == {"out": 18.0, "substituted": True}
    last.step(**{"in": 21.0})
    assert last.step(**{"in": bad(99.0, Quality.STALE)}) == {"out": 21.0, "substituted": True}


def test_is_valid():
    h = BlockHarness("io.is-valid")
    assert h.step(**{"in": 1.0}) == {"out": True}
    assert h.step(**{"in": bad(1.0, Quality.STALE)}) == {"out": False}
    assert h.step(**{"in": bad(1.0, Quality.OVERRIDDEN)}) == {"out": True}


def test_point_output_priority_defaults_from_the_bundle():
    from bms_schemas import BundleDefaults
    from supervisor_engine.block import BlockEnv

    g = GraphBuilder()
    k = g.node("io.constant", "k", value=1.0)
    g.wire(k, "value", g.node("io.point-output", "o", point="1/analog-output,1"), "value")
    env = BlockEnv(defaults=BundleDefaults(write_priority=13))
    flow = compile_graph(g.build(), default_registry(), env).flows["main"]
    [write] = flow.tick(0, T0, 1, {}).writes
    assert write.priority == 13

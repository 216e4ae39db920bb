"""Limit, boolean and stale-data alarms and the trend log on the virtual clock.

Traces tick every second unless said otherwise; the expected outputs are worked
out from the alarm definitions (delays counted from the tick the condition is
first seen, deadlines met on the tick where ``now >= deadline``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bms_schemas import IssueCode, PointValue, Quality
from supervisor_engine import default_registry, validate_graph
from supervisor_engine.testing import BlockHarness, GraphBuilder

REGISTRY = default_registry()
T0 = datetime(2025, 1, 6, tzinfo=UTC)


def param_issues(block_type: str, **params: Any) -> list[str]:
    g = GraphBuilder()
    g.node(block_type, "n", **params)
    return [
        i.field or ""
        for i in validate_graph(g.build(), REGISTRY)
        if i.code is IssueCode.INVALID_PARAMETER
    ]


def bad(value: Any, quality: Quality = Quality.STALE) -> PointValue:
    return PointValue(value=value, quality=quality, timestamp=T0)


def limit(**params: Any) -> BlockHarness:
    h = BlockHarness("alarm.limit", **params)
    h.set(inhibit=False, ack=False)
    return h


def trace(h: BlockHarness, rows: list[tuple[dict[str, Any], tuple[Any, ...]]]) -> None:
    """Step once per row with its inputs; compare the outputs, in port order, with the row's."""
    for k, (inputs, expected) in enumerate(rows, start=1):
        got = tuple(h.step(1.0, **inputs).values())
        assert got == expected, f"tick {k} (t={h.now}) inputs {inputs}"


# --------------------------------------------------------------------------- limit alarm

N, HI, LO = 1, 2, 3  # state enum: normal, high, low


def test_high_limit_with_delays_deadband_and_ack():
    # High 30, deadband 2 (clears below 28); raise after 10 s, clear after 5 s.
    h = limit(highLimit=30, deadband=2, onDelayS=10, offDelayS=5)
    rows = [
        ({"in": 25.0}, (False, False, N)),
        ({"in": 31.0}, (False, False, N)),
    ]  # t=2: waits to 12
    rows += [({}, (False, False, N))] * 9  # t=3..11
    rows += [({}, (True, True, HI))]  # t=12: raised, unacknowledged
    rows += [({"in": 29.0}, (True, True, HI))]  # t=13: inside the deadband, holds
    rows += [({"in": 27.0}, (True, True, HI))]  # t=14: below 28, clears at 19
    rows += [({}, (True, True, HI))] * 4  # t=15..18
    rows += [({}, (False, True, N))]  # t=19: normal again, still unacknowledged
    rows += [({"ack": True}, (False, False, N))]  # t=20: acknowledged
    trace(h, rows)


def test_a_condition_that_breaks_off_restarts_its_delay():
    h = limit(highLimit=30, onDelayS=10)
    rows = [({"in": 31.0}, (False, False, N))] + [({}, (False, False, N))] * 4  # t=1..5
    rows += [({"in": 29.0}, (False, False, N))]  # t=6: back under the limit, wait cancelled
    rows += [({"in": 31.0}, (False, False, N))] + [({}, (False, False, N))] * 9  # t=7..16
    rows += [({}, (True, True, HI))]  # t=17: ten seconds after t=7
    trace(h, rows)


def test_low_limit_and_a_direct_swing_from_low_to_high():
    h = limit(highLimit=30, lowLimit=10, deadband=1)
    trace(
        h,
        [
            ({"in": 20.0}, (False, False, N)),
            ({"in": 9.0}, (True, True, LO)),
            ({"in": 10.5}, (True, True, LO)),  # inside low + deadband = 11
            ({"in": 31.0}, (True, True, HI)),
            ({"in": 29.5}, (True, True, HI)),  # inside high - deadband = 29
            ({"in": 28.9}, (False, True, N)),
        ],
    )


def test_inhibit_suppresses_and_release_delay_holds_off():
    h = limit(highLimit=30, releaseDelayS=30)
    rows = [({"in": 35.0}, (True, True, HI))]  # t=1
    rows += [({"inhibit": True}, (False, True, N))]  # t=2: inhibited: back to normal
    rows += [({"ack": True}, (False, False, N))]  # t=3: acknowledgement still works
    rows += [({"ack": False}, (False, False, N))] * 2  # t=4..5
    rows += [({"inhibit": False}, (False, False, N))]  # t=6: released, held off until 36
    rows += [({}, (False, False, N))] * 29  # t=7..35
    rows += [({}, (True, True, HI))]  # t=36
    trace(h, rows)


def test_latching_alarm_stays_active_until_acknowledged():
    h = limit(highLimit=30, latching=True)
    trace(
        h,
        [
            ({"in": 31.0}, (True, True, HI)),
            ({"in": 25.0}, (True, True, N)),  # condition gone, alarm latched
            ({"ack": True}, (False, False, N)),
        ],
    )


def test_no_ack_required_and_ack_is_an_edge():
    h = limit(highLimit=30, ackRequired=False)
    trace(h, [({"in": 31.0}, (True, False, HI)), ({"in": 20.0}, (False, False, N))])
    # An ack held before the alarm does not acknowledge it: only a rising edge does.
    h = limit(highLimit=30)
    trace(
        h,
        [
            ({"in": 20.0, "ack": True}, (False, False, N)),
            ({"in": 31.0}, (True, True, HI)),
            ({}, (True, True, HI)),
            ({"ack": False}, (True, True, HI)),
            ({"ack": True}, (True, False, HI)),
        ],
    )


def test_invalid_input_neither_raises_nor_clears():
    h = limit(highLimit=30, onDelayS=5)
    h.step(1.0, **{"in": 31.0})  # t=1: waits until 6
    h.step(1.0, **{"in": bad(31.0)})  # t=2: stale: the wait is cancelled
    assert h.qualities()["active"] is Quality.STALE
    h.run(4.0, **{"in": 31.0})  # t=3..6: a new wait, from t=3 until 8
    assert h.outputs()["active"] is False
    h.run(2.0)  # t=8
    assert h.outputs() == {"active": True, "unacked": True, "state": HI}
    h.step(1.0, **{"in": bad(None, Quality.FAULT)})  # no value: holds
    assert h.outputs() == {"active": True, "unacked": True, "state": HI}
    assert h.qualities()["active"] is Quality.FAULT
    h.step(1.0, **{"in": bad(20.0, Quality.OVERRIDDEN)})  # an override is a real value
    assert h.outputs()["active"] is False
    assert h.qualities()["active"] is Quality.OVERRIDDEN


def test_on_delay_and_acknowledgement_survive_restart():
    h = limit(highLimit=30, onDelayS=60)
    h.run(30.0, **{"in": 31.0})  # t=1..30, raising at t=61
    h.restart(downtime=10.0)  # t=40
    h.run(20.0)  # t=60
    assert h.outputs()["active"] is False
    assert h.step(1.0)["active"] is True  # t=61
    h.restart(downtime=3600.0)
    assert h.step(1.0, ack=False) == {"active": True, "unacked": True, "state": HI}
    assert h.step(1.0, ack=True) == {"active": True, "unacked": False, "state": HI}
    h.restart()
    assert h.step(1.0)["unacked"] is False  # the acknowledgement was persisted


def test_limit_alarm_parameters():
    assert param_issues("alarm.limit", highLimit=30) == []
    assert param_issues("alarm.limit") == ["params"]
    assert param_issues("alarm.limit", highLimit=30, lowLimit=28, deadband=1) == ["params"]
    assert param_issues("alarm.limit", highLimit=30, deadband=-1) == ["params.deadband"]
    assert param_issues("alarm.limit", highLimit=30, onDelayS=-1) == ["params.onDelayS"]


# --------------------------------------------------------------------------- boolean alarm


def test_bool_alarm_on_false_with_delays():
    # A proof signal: false for 3 s is the alarm; true for 2 s clears it.
    h = BlockHarness("alarm.bool", alarmValue=False, onDelayS=3, offDelayS=2)
    h.set(inhibit=False, ack=False)
    trace(
        h,
        [
            ({"in": True}, (False, False)),
            ({"in": False}, (False, False)),  # t=2: until 5
            ({}, (False, False)),
            ({}, (False, False)),
            ({}, (True, True)),  # t=5
            ({"in": True}, (True, True)),  # t=6: until 8
            ({}, (True, True)),
            ({"ack": True}, (False, False)),  # t=8: cleared and acknowledged
        ],
    )


# --------------------------------------------------------------------------- stale data


def test_stale_data_alarm_on_invalid_quality_after_a_delay():
    h = BlockHarness("alarm.stale-data", invalidDelayS=5)
    trace(
        h,
        [
            ({"in": 20.0}, (False, 1)),
            ({"in": bad(20.0)}, (False, 1)),  # t=2: invalid, alarm at 7
            ({}, (False, 1)),
            ({}, (False, 1)),
            ({}, (False, 1)),
            ({}, (False, 1)),
            ({}, (True, 2)),  # t=7
            ({"in": bad(None, Quality.FAULT)}, (True, 2)),
            ({"in": 20.0}, (False, 1)),  # valid again: clears at once
            ({"in": bad(20.0, Quality.OVERRIDDEN)}, (False, 1)),
        ],
    )
    assert h.qualities()["alarm"] is Quality.OK


def test_stale_data_alarm_on_a_frozen_value():
    # Unchanged for 10 s within a 0.1 tolerance: frozen.
    h = BlockHarness("alarm.stale-data", maxUnchangedS=10, tolerance=0.1)
    rows = [({"in": 20.0}, (False, 1))]  # t=1: frozen at 11
    rows += [({"in": 20.05}, (False, 1))] + [({}, (False, 1))] * 8  # t=2..10
    rows += [({}, (True, 3))]  # t=11
    rows += [({"in": 20.2}, (False, 1))]  # t=12: a change, frozen at 22
    rows += [({}, (False, 1))] * 9 + [({}, (True, 3))]  # t=13..21, t=22
    trace(h, rows)


def test_stale_data_alarm_frozen_bool_survives_restart():
    h = BlockHarness("alarm.stale-data", valueType="bool", maxUnchangedS=60)
    h.run(30.0, **{"in": True})  # t=1..30, frozen at 61
    h.restart(downtime=20.0)  # t=50
    h.run(10.0)  # t=60
    assert h.outputs() == {"alarm": False, "state": 1}
    assert h.step(1.0) == {"alarm": True, "state": 3}
    assert h.step(1.0, **{"in": False}) == {"alarm": False, "state": 1}


# --------------------------------------------------------------------------- trend log


def trend(**params: Any) -> BlockHarness:
    h = BlockHarness("alarm.trend-log", **params)
    h.set(enable=True)
    return h


def test_interval_trend_aligned_to_the_clock():
    # 60 s interval, ticks every 20 s from 00:00:00: samples at 00:01, 00:02, 00:03.
    h = trend(intervalS=60)
    counts = [h.step(20.0, **{"in": float(k)})["count"] for k in range(1, 11)]
    assert counts == [0, 0, 1, 1, 1, 2, 2, 2, 3, 3]
    t0 = T0.timestamp()
    assert h.state.samples() == [[t0 + 60, 3.0, "ok"], [t0 + 120, 6.0, "ok"], [t0 + 180, 9.0, "ok"]]
    # A long gap records once, not once per missed interval.
    h.step(150.0, **{"in": 11.0})  # 00:05:50
    h.step(20.0)  # 00:06:10
    assert [s[0] - t0 for s in h.state.samples()] == [60, 120, 180, 350, 370]


def test_cov_trend_with_tolerance_and_quality_changes():
    h = trend(mode="cov", covTolerance=0.5)
    counts = [
        h.step(1.0, **{"in": v})["count"]
        for v in (20.0, 20.3, 20.6, 20.7, 21.2, bad(21.2), bad(21.2))
    ]
    assert counts == [1, 1, 2, 2, 3, 4, 4]
    assert [s[1:] for s in h.state.samples()] == [
        [20.0, "ok"],
        [20.6, "ok"],
        [21.2, "ok"],
        [21.2, "stale"],
    ]


def test_trend_capacity_roll_and_stop_and_restart():
    values = [1.0, 2.0, 3.0, 4.0, 5.0]
    h = trend(mode="cov", capacity=3)
    counts = [h.step(1.0, **{"in": v})["count"] for v in values]
    assert counts == [1, 2, 3, 3, 3]
    assert [s[1] for s in h.state.samples()] == [3.0, 4.0, 5.0]
    h.restart(downtime=100.0)
    assert [s[1] for s in h.state.samples()] == [3.0, 4.0, 5.0]
    h.step(1.0, **{"in": 6.0})
    assert [s[1] for s in h.state.samples()] == [4.0, 5.0, 6.0]
    h = trend(mode="cov", capacity=3, fullPolicy="stop")
    for v in values:
        h.step(1.0, **{"in": v})
    assert [s[1] for s in h.state.samples()] == [1.0, 2.0, 3.0]


def test_trend_pauses_when_disabled():
    h = trend(mode="cov")
    assert h.step(1.0, **{"in": 1.0})["count"] == 1
    assert h.step(1.0, **{"in": 2.0, "enable": False})["count"] == 1
    assert h.step(1.0, enable=True)["count"] == 2


def test_trend_parameters():
    assert param_issues("alarm.trend-log", capacity=0) == ["params.capacity"]
    assert param_issues("alarm.trend-log", capacity=10_001) == ["params.capacity"]
    assert param_issues("alarm.trend-log", intervalS=0.5) == ["params.intervalS"]
    assert param_issues("alarm.trend-log", valueType="string") == ["params"]
    assert param_issues("alarm.trend-log", mode="sometimes") == ["params.mode"]


@pytest.mark.parametrize("block_type", ["alarm.limit", "alarm.bool", "alarm.stale-data"])
def test_alarm_blocks_are_in_the_alarm_category(block_type: str):
    assert REGISTRY.get(block_type).category == "alarm"

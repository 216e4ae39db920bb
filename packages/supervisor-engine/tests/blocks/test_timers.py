"""Hysteresis, thermostat, delays, pulse, minimum on/off.

Every expected trace below is worked out by hand from the block's definition;
the harness ticks every second from now = 1 unless a test says otherwise, so
"t3" is the third tick at now = 3.
"""

from __future__ import annotations

import pytest

from bms_schemas import Quality, StateClass
from supervisor_engine import default_registry
from supervisor_engine.testing import BlockHarness, feed, param_issues
from supervisor_engine.testing import bad_sample as bad

REGISTRY = default_registry()
T, F = True, False


# --------------------------------------------------------------------------- hysteresis


def test_hysteresis_switches_beyond_the_thresholds_and_holds_between():
    h = BlockHarness("timer.hysteresis", onAbove=22.0, offBelow=20.0)
    # 22 is not above 22; 20 is not below 20: both hold.
    values = [19.0, 21.0, 22.0, 22.5, 21.0, 20.0, 19.9, 21.0]
    assert feed(h, "in", values) == [F, F, F, T, T, T, F, F]


def test_hysteresis_invalid_input_blanks_the_output_and_keeps_the_state():
    h = BlockHarness("timer.hysteresis", onAbove=22.0, offBelow=20.0)
    assert h.step(**{"in": 23.0})["out"] is True
    assert h.step(**{"in": bad()})["out"] is None
    assert h.qualities()["out"] is Quality.FAULT
    assert h.step(**{"in": 21.0})["out"] is True  # still on: 21 is between the thresholds
    assert h.qualities()["out"] is Quality.OK


def test_hysteresis_thresholds_must_be_ordered():
    [(field, message)] = param_issues("timer.hysteresis", onAbove=20.0, offBelow=20.0)
    assert field == "params"
    assert "offBelow" in message


# --------------------------------------------------------------------------- thermostat


def test_thermostat_heat_centres_its_differential_on_the_setpoint():
    h = BlockHarness("timer.thermostat", action="heat", differential=1.0)
    temps = [20.0, 19.6, 19.4, 19.8, 20.5, 20.6, 20.0]  # on below 19.5, off above 20.5
    outs = [h.step(temperature=t, setpoint=20.0) for t in temps]
    assert [o["heat"] for o in outs] == [F, F, T, T, T, F, F]
    assert [o["cool"] for o in outs] == [F] * 7


def test_thermostat_cool_mirrors_heat():
    h = BlockHarness("timer.thermostat", action="cool", differential=1.0)
    temps = [20.0, 20.6, 20.2, 19.5, 19.4]  # on above 20.5, off below 19.5
    outs = [h.step(temperature=t, setpoint=20.0) for t in temps]
    assert [o["cool"] for o in outs] == [F, T, T, T, F]
    assert [o["heat"] for o in outs] == [F] * 5


def test_thermostat_heat_cool_keeps_a_deadband_between_the_calls():
    # setpoint 21, deadband 2: heating around 20 (on < 19.5, off > 20.5),
    # cooling around 22 (on > 22.5, off < 21.5).
    h = BlockHarness("timer.thermostat", action="heat-cool", differential=1.0, deadband=2.0)
    temps = [21.0, 19.4, 20.4, 20.6, 22.4, 22.6, 21.6, 21.4]
    outs = [h.step(temperature=t, setpoint=21.0) for t in temps]
    assert [o["heat"] for o in outs] == [F, T, T, F, F, F, F, F]
    assert [o["cool"] for o in outs] == [F, F, F, F, F, T, T, F]


def test_thermostat_follows_a_moving_setpoint():
    h = BlockHarness("timer.thermostat", action="heat", differential=1.0)
    assert h.step(temperature=20.0, setpoint=20.0)["heat"] is False
    assert h.step(temperature=20.0, setpoint=21.0)["heat"] is True  # 20 < 20.5
    assert h.step(temperature=20.0, setpoint=19.0)["heat"] is False  # 20 > 19.5


def test_thermostat_refuses_a_zero_differential():
    assert [f for f, _m in param_issues("timer.thermostat", differential=0)] == [
        "params.differential"
    ]


# --------------------------------------------------------------------------- delays


def test_delay_on_needs_the_input_true_continuously():
    h = BlockHarness("timer.delay-on", delayS=3)
    # t2 rises (due at 5); t5 true; t6 falls; t7 rises again (due 10) but t9 falls first.
    assert feed(h, "in", [F, T, T, T, T, F, T, T, F]) == [F, F, F, F, T, F, F, F, F]


def test_delay_on_zero_is_immediate():
    h = BlockHarness("timer.delay-on", delayS=0)
    assert feed(h, "in", [F, T, F]) == [F, T, F]


def test_delay_on_on_a_sub_second_grid():
    h = BlockHarness("timer.delay-on", delayS=0.5)
    outs = [h.step(0.1, **{"in": True})["out"] for _ in range(7)]
    # rises at now = 0.1, due at 0.6: the 6th tick
    assert outs == [F, F, F, F, F, T, T]


def test_delay_on_restarts_its_delay_after_an_invalid_input():
    h = BlockHarness("timer.delay-on", delayS=3)
    outs = feed(h, "in", [T, T, bad(), T, T, T, T])
    # due at 4, but t3 has no value: the delay starts over at t4 (due 7)
    assert outs == [F, F, None, F, F, F, T]


@pytest.mark.parametrize(
    ("downtime", "expected"),
    [
        (0.0, [F, F, F, F, F, T, T]),  # ticks 6..12
        (3.0, [F, F, T, T]),  # down from 5 to 8: ticks 9..12
    ],
)
def test_delay_on_keeps_its_deadline_across_a_restart(downtime: float, expected: list[bool]):
    h = BlockHarness("timer.delay-on", delayS=10)
    h.run(5, **{"in": True})  # rose at t1: due at 11
    h.restart(downtime=downtime)
    assert [o["out"] for o in h.run(12 - h.now)] == expected


def test_delay_off_holds_the_output_after_the_input_falls():
    h = BlockHarness("timer.delay-off", delayS=3)
    # t2 falls (due 5) but t4 rises again; t5 falls (due 8).
    assert feed(h, "in", [T, F, F, T, F, F, F, F]) == [T, T, T, T, T, T, T, F]


def test_on_off_delay_delays_both_transitions():
    h = BlockHarness("timer.on-off-delay", onDelayS=2, offDelayS=3)
    # t1 rises (due 3); t4 falls (due 7); t8 rises (due 10) but t9 falls.
    assert feed(h, "in", [T, T, T, F, F, F, F, T, F]) == [F, F, T, T, T, T, F, F, F]


def test_delays_refuse_negative_times():
    assert [f for f, _m in param_issues("timer.delay-on", delayS=-1)] == ["params.delayS"]
    assert [f for f, _m in param_issues("timer.on-off-delay", offDelayS=-1)] == ["params.offDelayS"]


# --------------------------------------------------------------------------- pulse


def test_pulse_ignores_edges_during_the_pulse():
    h = BlockHarness("timer.pulse", widthS=3)
    # t1 rises: true until 4; t3's edge is ignored; t7 rises again.
    assert feed(h, "trigger", [T, F, T, F, F, F, T, T]) == [T, T, T, F, F, F, T, T]


def test_pulse_retrigger_restarts_the_pulse():
    h = BlockHarness("timer.pulse", widthS=3, retrigger=True)
    # t3's edge moves the end to 6.
    assert feed(h, "trigger", [T, F, T, F, F, F, T, T]) == [T, T, T, T, T, F, T, T]


def test_pulse_has_its_width_however_long_the_trigger_stays():
    h = BlockHarness("timer.pulse", widthS=2)
    assert feed(h, "trigger", [T, T, T, T, T]) == [T, T, F, F, F]


def test_pulse_resumes_after_a_restart_without_a_new_edge():
    h = BlockHarness("timer.pulse", widthS=5)
    assert feed(h, "trigger", [T, T]) == [T, T]  # ends at 6
    h.restart()
    # the trigger is still true: no new edge, the pulse just ends on time
    assert feed(h, "trigger", [T, T, T, T]) == [T, T, T, F]


def test_pulse_width_must_be_positive():
    assert [f for f, _m in param_issues("timer.pulse", widthS=0)] == ["params.widthS"]


# --------------------------------------------------------------------------- minimum on / off


def test_min_on_off_enforces_both_minimum_times():
    h = BlockHarness("timer.min-on-off", minOnS=3, minOffS=5)
    outs = [h.step(request=r) for r in [T, F, F, F, T, T, T, T, T, F]]
    # t1 on (hold to 4); t4 off (hold to 9); t9 on (hold to 12); t10 still on.
    assert [o["out"] for o in outs] == [T, T, T, F, F, F, F, F, T, T]
    assert [o["held"] for o in outs] == [F, T, T, F, T, T, T, T, F, T]


@pytest.mark.parametrize("downtime", [0.0, 100.0])
def test_restart_in_the_middle_of_minimum_off_keeps_the_remaining_time(downtime: float):
    h = BlockHarness("timer.min-on-off", minOnS=0, minOffS=180)
    h.step(request=True)  # t1 on
    assert h.step(request=False)["out"] is False  # t2 off: may restart at 182
    h.run(60, request=True)  # now 62: 120 s of minimum off left
    assert h.outputs() == {"out": False, "held": True}
    h.restart(downtime=downtime)
    assert h.state.hold_until == 182.0
    outs = h.run(182 - h.now, request=True)  # up to now = 182
    assert [o["out"] for o in outs[:-1]] == [F] * (len(outs) - 1)
    assert outs[-1] == {"out": True, "held": False}


def test_min_on_off_holds_its_command_on_an_invalid_request():
    h = BlockHarness("timer.min-on-off", minOnS=0, minOffS=0)
    assert h.step(request=True)["out"] is True
    assert h.step(request=bad()) == {"out": True, "held": False}
    assert h.qualities()["out"] is Quality.FAULT
    assert h.step(request=False)["out"] is False


def test_min_on_off_is_persisted():
    assert REGISTRY.get("timer.min-on-off").state_class is StateClass.PERSISTED
    assert [f for f, _m in param_issues("timer.min-on-off", minOffS=-5)] == ["params.minOffS"]

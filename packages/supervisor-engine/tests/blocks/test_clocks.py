"""Interval pulse, elapsed timer, watchdog and heartbeat.

Every expected trace below is worked out by hand from the block's definition;
the harness ticks every second from now = 1 unless a test says otherwise, so
"t3" is the third tick at now = 3.
"""

from __future__ import annotations

from bms_schemas import Quality
from supervisor_engine import default_registry
from supervisor_engine.testing import BlockHarness, feed, param_issues
from supervisor_engine.testing import bad_sample as bad

REGISTRY = default_registry()
T, F = True, False


# --------------------------------------------------------------------------- interval pulse


def test_interval_pulses_on_the_phase_grid_for_one_tick():
    h = BlockHarness("timer.interval", unwired=("enable",), periodS=5, phaseS=2)
    outs = [h.step()["out"] for _ in range(12)]
    # pulses at 2, 7, 12
    assert outs == [F, T, F, F, F, F, T, F, F, F, F, T]


def test_interval_pulse_with_a_width():
    h = BlockHarness("timer.interval", unwired=("enable",), periodS=5, widthS=2)
    outs = [h.step()["out"] for _ in range(12)]
    # pulses at 5 and 10, each true until 2 s later
    assert outs == [F, F, F, F, T, T, F, F, F, T, T, F]


def test_interval_does_not_replay_pulses_missed_while_down():
    h = BlockHarness("timer.interval", unwired=("enable",), periodS=5)
    h.run(5)  # pulse at 5, next due 10
    h.restart(downtime=12)  # now 17: pulses 10 and 15 were missed
    # one late pulse at 18, then back on the grid at 20
    assert [h.step()["out"] for _ in range(4)] == [T, F, T, F]


def test_interval_enable_gates_and_reanchors():
    h = BlockHarness("timer.interval", periodS=4)
    assert feed(h, "enable", [T, T, T, T, F, F, F, F, T]) == [F, F, F, T, F, F, F, F, F]
    # re-enabled at 9: next grid instant is 12
    assert feed(h, "enable", [T, T, T]) == [F, F, T]


def test_interval_phase_and_width_must_fit_the_period():
    [(field, message)] = param_issues("timer.interval", periodS=5, phaseS=5)
    assert (field, "phaseS" in message) == ("params", True)
    [(field, message)] = param_issues("timer.interval", periodS=5, widthS=6)
    assert (field, "widthS" in message) == ("params", True)


# --------------------------------------------------------------------------- elapsed timer


def test_elapsed_timer_counts_from_the_rising_edge():
    h = BlockHarness("timer.elapsed", unwired=("reset",), thresholdS=3)
    outs = [h.step(run=r) for r in [F, T, T, T, T, F, T]]
    assert [o["elapsed_s"] for o in outs] == [0, 0, 1, 2, 3, 0, 0]
    assert [o["passed"] for o in outs] == [F, F, F, F, T, F, F]


def test_elapsed_timer_reset_restarts_the_count():
    h = BlockHarness("timer.elapsed")
    outs = [h.step(run=T, reset=r)["elapsed_s"] for r in [F, F, T, F, F]]
    assert outs == [0, 1, 0, 1, 2]


def test_elapsed_timer_invalid_input_restarts_the_count():
    h = BlockHarness("timer.elapsed", unwired=("reset",))
    outs = [h.step(run=r)["elapsed_s"] for r in [T, T, bad(), T, T]]
    assert outs == [0, 1, None, 0, 1]


def test_elapsed_timer_survives_a_restart():
    h = BlockHarness("timer.elapsed", unwired=("reset",))
    h.run(10, run=True)  # started at 1, now 10
    h.restart(downtime=5)
    assert h.step(run=True)["elapsed_s"] == 15  # now 16


# --------------------------------------------------------------------------- watchdog, heartbeat


def test_watchdog_alarms_when_the_input_stops_changing():
    h = BlockHarness("timer.watchdog", timeoutS=3)
    outs = [h.step(**{"in": v}) for v in [1, 1, 1, 1, 2, 2, 2, 2, 2]]
    # window to 4 from t1; the change at t5 opens a window to 8
    assert [o["ok"] for o in outs] == [T, T, T, F, T, T, T, F, F]
    assert [o["alarm"] for o in outs] == [not o["ok"] for o in outs]


def test_watchdog_ignores_changes_without_a_good_quality():
    h = BlockHarness("timer.watchdog", timeoutS=2)
    outs = [h.step(**{"in": v})["ok"] for v in [1, bad(2), bad(3), bad(4), 5]]
    # the bad values do not feed it: the window from t1 ends at 3; 5 at t5 is a change
    assert outs == [T, T, F, F, T]
    assert h.qualities()["ok"] is Quality.OK


def test_heartbeat_toggles_every_period():
    h = BlockHarness("timer.heartbeat", periodS=2)
    assert [h.step()["out"] for _ in range(7)] == [F, F, T, T, F, F, T]

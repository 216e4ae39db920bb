"""Lead/lag: runtime equalisation, proof failover with alarm, maximum runtime, restart.

Runtime is counted inside the block: each tick a unit is commanded on adds
that tick's dt. Traces are worked out by hand from that definition.
"""

from __future__ import annotations

from typing import Any

from bms_schemas import StateClass
from supervisor_engine import default_registry
from supervisor_engine.testing import BlockHarness

T, F = True, False
HOUR = 3600.0
NO_PROOFS = ("reset", "proof1", "proof2", "proof3")


def cmds(out: dict[str, Any], n: int) -> tuple[bool, ...]:
    return tuple(out[f"cmd{k}"] for k in range(1, n + 1))


def test_lead_lag_starts_the_least_run_unit_and_stops_the_most_run():
    h = BlockHarness("control.lead-lag", unwired=NO_PROOFS, units=3)
    steps = [
        (1, (T, F, F), 1),  # t1: all at 0 h, unit 1 by number
        (1, (T, F, F), 1),  # t2: unit 1 has 1 h
        (0, (F, F, F), 0),  # t3: unit 1 has 2 h, stops
        (1, (F, T, F), 2),  # t4: units 2 and 3 have 0 h: unit 2
        (2, (F, T, T), 2),  # t5: unit 3 (0 h) rather than unit 1 (2 h); 2 still leads
        (1, (F, F, T), 3),  # t6: unit 2 has 2 h, unit 3 1 h: unit 2 stops
    ]
    for required, expected, lead in steps:
        out = h.step(HOUR, required=required)
        assert (cmds(out, 3), out["lead"]) == (expected, lead)
    assert h.state.run_s == [7200.0, 7200.0, 3600.0]
    assert h.state.starts == [1, 1, 1]


def test_lead_lag_fails_over_on_missing_proof_with_an_alarm_until_reset():
    h = BlockHarness("control.lead-lag", units=2, proofDelayS=30)
    steps = [
        # (proof1, proof2, reset) -> (cmd1, cmd2, alarm, lead); ticks every 10 s
        ((F, F, F), (T, F, F, 1)),  # t10: unit 1 starts, proof due at 40
        ((F, F, F), (T, F, F, 1)),
        ((F, F, F), (T, F, F, 1)),
        ((F, F, F), (F, T, T, 2)),  # t40: unit 1 failed, unit 2 starts in the same tick
        ((F, T, F), (F, T, T, 2)),  # unit 2 proven; the alarm stays
        ((F, T, T), (F, T, F, 2)),  # t60: reset clears it; unit 1 available but not needed
    ]
    for (p1, p2, reset), expected in steps:
        out = h.step(10.0, required=1, proof1=p1, proof2=p2, reset=reset)
        assert (out["cmd1"], out["cmd2"], out["alarm"], out["lead"]) == expected


def test_lead_lag_with_every_unit_failed_runs_none():
    h = BlockHarness("control.lead-lag", unwired=("reset",), units=2, proofDelayS=0)
    # delay 0: a unit started at t1 is judged at t2
    rows = [h.step(required=1, proof1=F, proof2=F) for _ in range(3)]
    assert [(o["cmd1"], o["cmd2"], o["alarm"]) for o in rows] == [
        (T, F, F),
        (F, T, T),
        (F, F, T),
    ]


def test_lead_lag_hands_over_after_the_maximum_runtime():
    h = BlockHarness("control.lead-lag", unwired=NO_PROOFS[:3], units=2, maxRuntimeH=2)
    rows = [cmds(h.step(HOUR, required=1), 2) for _ in range(5)]
    # unit 1 from 1 h; at 3 h it has run 2 h: unit 2 takes over until 5 h
    assert rows == [(T, F), (T, F), (F, T), (F, T), (T, F)]


def test_lead_lag_rotation_by_starts():
    h = BlockHarness("control.lead-lag", unwired=NO_PROOFS[:3], units=2, rotation="starts")
    rows = [cmds(h.step(required=r), 2) for r in [1, 0, 1, 0, 1]]
    assert rows == [(T, F), (F, F), (F, T), (F, F), (T, F)]


def test_lead_lag_wear_and_failures_are_persisted():
    assert default_registry().get("control.lead-lag").state_class is StateClass.PERSISTED
    h = BlockHarness("control.lead-lag", unwired=NO_PROOFS[:3], units=2)
    h.run(3 * HOUR, dt=HOUR, required=1)  # unit 1 from t1: 2 h by t3
    h.step(HOUR, required=0)  # the hour up to this tick counts too: 3 h
    h.restart(downtime=HOUR)
    assert h.state.run_s == [3 * HOUR, 0.0]
    assert cmds(h.step(HOUR, required=1), 2) == (F, T)

"""Stager, proof and interstart delay; traces worked out by hand from the definitions."""

from __future__ import annotations

from typing import Any

import pytest

from bms_schemas import Quality, StateClass
from supervisor_engine import default_registry
from supervisor_engine.testing import BlockHarness, param_issues
from supervisor_engine.testing import bad_sample as bad

REGISTRY = default_registry()
T, F = True, False


def stages(out: dict[str, Any], n: int) -> tuple[Any, ...]:
    return (*(out[f"stage{k}"] for k in range(1, n + 1)), out["count"])


# --------------------------------------------------------------------------- stager


def test_stager_linear_with_inter_stage_delays_and_hysteresis():
    # thresholds 25 / 50 / 75 (evenly spaced), removed below 20 / 45 / 70;
    # after each change: add after 2 s, remove after 3 s.
    h = BlockHarness(
        "control.stager", unwired=("enable",), stages=3, hysteresis=5.0,
        stageOnDelayS=2, stageOffDelayS=3,
    )  # fmt: skip
    demand = [80, 80, 80, 80, 80, 60, 60, 60, 48, 10, 10, 10, 10, 10]
    rows = [stages(h.step(demand=float(d)), 3) for d in demand]
    assert rows == [
        (T, F, F, 1),  # t1 add 1 (next add at 3, next remove at 4)
        (T, F, F, 1),
        (T, T, F, 2),  # t3 add 2
        (T, T, F, 2),
        (T, T, T, 3),  # t5 add 3 (next remove at 8)
        (T, T, T, 3),  # 60 < 70 calls for less, waiting
        (T, T, T, 3),
        (T, T, F, 2),  # t8 remove 3, last on first off
        (T, T, F, 2),  # 48: between 45 and 75, holds
        (T, T, F, 2),  # 10 < 45, but next remove at 11
        (T, F, F, 1),  # t11 remove 2
        (T, F, F, 1),
        (T, F, F, 1),
        (F, F, F, 0),  # t14 remove 1
    ]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # t3 removes the last added (2); t6 removes 1; t7 adds 1 again
        ("linear", [(T, F), (T, T), (T, F), (T, T), (T, F), (F, F), (T, F)]),
        # t3 removes the one on longest (1); t5 removes 2; t7 adds the one off longest (2)
        ("rotating", [(T, F), (T, T), (F, T), (T, T), (T, F), (F, F), (F, T)]),
    ],
)
def test_stager_linear_versus_rotating(mode: str, expected: list[tuple[bool, bool]]):
    h = BlockHarness(
        "control.stager", unwired=("enable",), stages=2, thresholds=[30.0, 60.0],
        hysteresis=5.0, stageOnDelayS=0, stageOffDelayS=0, mode=mode,
    )  # fmt: skip
    rows = [h.step(demand=d) for d in [70.0, 70.0, 40.0, 70.0, 40.0, 10.0, 40.0]]
    assert [(o["stage1"], o["stage2"]) for o in rows] == expected


def test_stager_minimum_off_survives_a_restart():
    assert REGISTRY.get("control.stager").state_class is StateClass.PERSISTED
    h = BlockHarness(
        "control.stager", unwired=("enable",), stages=1, minOffS=5, stageOnDelayS=0,
        stageOffDelayS=0,
    )  # fmt: skip
    # threshold 50; t2 off, resting until 7
    assert [h.step(demand=d)["stage1"] for d in [60.0, 10.0, 60.0]] == [T, F, F]
    h.restart()
    assert [h.step(demand=60.0)["stage1"] for _ in range(4)] == [F, F, F, T]


def test_stager_disable_drops_all_stages_and_invalid_demand_holds():
    h = BlockHarness("control.stager", stages=2, stageOnDelayS=0, stageOffDelayS=0)
    h.run(2, demand=90.0, enable=True)
    assert stages(h.outputs(), 2) == (T, T, 2)
    assert stages(h.step(demand=bad()), 2) == (T, T, 2)
    assert h.qualities()["count"] is Quality.FAULT
    assert stages(h.step(demand=90.0, enable=False), 2) == (F, F, 0)
    assert h.qualities()["count"] is Quality.OK


def test_stager_thresholds_are_checked():
    [(field, message)] = param_issues("control.stager", stages=3, thresholds=[10.0, 20.0])
    assert (field, "3 stages" in message) == ("params", True)
    [(field, message)] = param_issues("control.stager", stages=2, thresholds=[50.0, 40.0])
    assert "ascending" in message


# --------------------------------------------------------------------------- proof


def test_proof_start_and_stop_failures_latch_until_reset():
    h = BlockHarness("control.proof", delayS=3, stopDelayS=2)
    trace = [
        (T, F, F),  # t1 mismatch: due 4
        (T, F, F),
        (T, T, F),  # t3 proven: the timer stops
        (T, F, F),  # t4 proof lost: due 7
        (T, F, F),
        (T, F, F),
        (T, F, F),  # t7 fault
        (T, T, F),  # latched
        (T, T, T),  # t9 reset
        (F, T, F),  # t10 still running after the stop: due 12
        (F, T, F),
        (F, T, F),  # t12 fault
    ]
    rows = [h.step(command=c, status=st, reset=r) for c, st, r in trace]
    assert [o["fault"] for o in rows] == [F, F, F, F, F, F, T, T, F, F, F, T]
    assert [o["proven"] for o in rows] == [F, F, T, F, F, F, F, T, T, F, F, F]


def test_proof_without_latch_clears_with_the_mismatch():
    h = BlockHarness("control.proof", unwired=("reset",), delayS=1, latch=False)
    rows = [h.step(command=T, status=st)["fault"] for st in [F, F, T, F]]
    assert rows == [F, T, F, F]


def test_proof_fault_is_persisted_and_an_unreadable_status_restarts_the_timing():
    assert REGISTRY.get("control.proof").state_class is StateClass.PERSISTED
    h = BlockHarness("control.proof", unwired=("reset",), delayS=2)
    rows = [h.step(command=T, status=st)["fault"] for st in [F, bad(), F, F, F]]
    # due 3, but t2 is unreadable: the timer restarts at t3 (due 5)
    assert rows == [F, F, F, F, T]
    h.restart()
    assert h.step(command=T, status=T)["fault"] is True


# --------------------------------------------------------------------------- interstart delay


def test_interstart_delay_starts_one_load_per_delay_first_come_first_served():
    h = BlockHarness("control.interstart-delay", inputs=3, delayS=5)
    trace = [
        ((T, T, F), (T, F, F)),  # t1: 1 starts (next start at 6), 2 waits
        ((T, T, T), (T, F, F)),  # t2: 3 waits too
        ((T, T, T), (T, F, F)),
        ((T, T, T), (T, F, F)),
        ((T, T, T), (T, F, F)),
        ((T, T, T), (T, T, F)),  # t6: 2, waiting since 1 (next start at 11)
        ((T, T, T), (T, T, F)),
        ((T, T, F), (T, T, F)),  # t8: 3 gives up its place
        ((F, T, T), (F, T, F)),  # t9: stops pass at once; 3 queues again
        ((F, T, T), (F, T, F)),
        ((F, T, T), (F, T, T)),  # t11: 3
    ]
    for (r1, r2, r3), expected in trace:
        out = h.step(request1=r1, request2=r2, request3=r3)
        assert (out["out1"], out["out2"], out["out3"]) == expected


def test_interstart_delay_zero_starts_all_at_once_and_invalid_holds():
    h = BlockHarness("control.interstart-delay", inputs=2, delayS=0)
    assert h.step(request1=T, request2=T) == {"out1": T, "out2": T}
    assert h.step(request1=bad(), request2=F) == {"out1": T, "out2": F}
    assert h.qualities()["out1"] is Quality.FAULT

"""SR/RS latches, up/down counter and runtime counter; traces worked out from the definitions."""

from __future__ import annotations

import pytest

from bms_schemas import Quality, StateClass
from supervisor_engine import default_registry
from supervisor_engine.testing import BlockHarness, param_issues
from supervisor_engine.testing import bad_sample as bad

REGISTRY = default_registry()
T, F = True, False


SET_RESET = [(T, F), (F, F), (F, T), (T, T), (F, F), (F, T)]


@pytest.mark.parametrize(
    ("block_type", "expected"),
    [
        # set wins: (T, T) sets
        ("timer.sr-latch", [T, T, F, T, T, F]),
        # reset wins: (T, T) resets
        ("timer.rs-latch", [T, T, F, F, F, F]),
    ],
)
def test_latches_and_their_dominance(block_type: str, expected: list[bool]):
    h = BlockHarness(block_type)
    assert [h.step(set=s, reset=r)["out"] for s, r in SET_RESET] == expected


def test_latch_holds_through_an_invalid_input_and_says_so():
    h = BlockHarness("timer.sr-latch")
    assert h.step(set=True, reset=False)["out"] is True
    assert h.step(set=False, reset=bad())["out"] is True  # an unknown reset does not reset
    assert h.qualities()["out"] is Quality.FAULT
    assert h.step(set=False, reset=False)["out"] is True
    assert h.qualities()["out"] is Quality.OK


def test_latch_survives_a_restart():
    h = BlockHarness("timer.rs-latch")
    h.step(set=True, reset=False)
    h.restart()
    assert h.step(set=False, reset=False)["out"] is True


def test_counter_counts_rising_edges_only():
    h = BlockHarness("timer.counter", unwired=("down", "reset"))
    assert [h.step(up=u)["count"] for u in [T, F, T, T, F, T]] == [1, 1, 2, 2, 2, 3]


def test_counter_up_down_reset_and_limits():
    h = BlockHarness("timer.counter", preset=2, minCount=0, maxCount=3)
    steps = [
        (T, F, F),  # 3
        (F, F, F),  # 3
        (T, F, F),  # 4 -> clamped to 3
        (F, T, F),  # 2
        (F, F, F),  # 2
        (T, T, F),  # +1 -1: 2
        (F, F, F),  # 2
        (F, T, F),  # 1
        (F, F, T),  # reset: preset 2
        (F, F, F),  # 2
        (F, T, F),  # 1
        (F, F, F),  # 1
        (F, T, F),  # 0
        (F, F, F),  # 0
        (F, T, F),  # -1 -> clamped to 0
    ]
    counts = [h.step(up=u, down=d, reset=r)["count"] for u, d, r in steps]
    assert counts == [3, 3, 3, 2, 2, 2, 2, 1, 2, 2, 1, 1, 0, 0, 0]


def test_counter_ignores_an_invalid_input():
    h = BlockHarness("timer.counter", unwired=("down", "reset"))
    counts = [h.step(up=u)["count"] for u in [T, bad(), T, F, T]]
    # the invalid tick is no edge and does not forget that up was true
    assert counts == [1, 1, 1, 1, 2]


def test_counter_preset_must_lie_within_the_limits():
    [(field, message)] = param_issues("timer.counter", preset=5, maxCount=3)
    assert field == "params"
    assert "preset" in message


def test_runtime_counts_hours_and_starts():
    h = BlockHarness("timer.runtime", unwired=("reset",))
    outs = [h.step(600.0, run=r) for r in [T, T, F, T, T, T, F]]
    # each true tick adds its dt (600 s = 1/6 h); each rising edge is a start
    assert [o["hours"] for o in outs] == pytest.approx(
        [1 / 6, 2 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 5 / 6]
    )
    assert [o["starts"] for o in outs] == [1, 1, 1, 2, 2, 2, 2]


def test_runtime_is_persisted_across_a_restart_without_a_false_start():
    assert REGISTRY.get("timer.runtime").state_class is StateClass.PERSISTED
    h = BlockHarness("timer.runtime", unwired=("reset",))
    h.run(7200, dt=60, run=True)
    h.restart(downtime=300)
    assert h.step(60, run=True) == {"hours": pytest.approx(7260 / 3600), "starts": 1}


def test_runtime_reset_and_invalid_input():
    h = BlockHarness("timer.runtime")
    outs = [h.step(3600.0, run=r, reset=z) for r, z in [(T, F), (T, T), (T, F), (bad(), F), (F, F)]]
    # reset zeroes both while the unit runs on (no new start after it); the invalid
    # tick adds nothing
    assert [o["hours"] for o in outs] == [1, 0, 1, 1, 1]
    assert [o["starts"] for o in outs] == [1, 0, 0, 0, 0]

"""The scheduler's contract, clause by clause, on virtual time.

Only ``test_run_on_the_real_clock_ticks`` waits on real time (about 0.1 s), and it
asserts counts only.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supervisor_engine.clock import DEFAULT_WALL_START, RealClock, VirtualClock
from supervisor_engine.scheduler import FlowTiming, Scheduler, TickCall


class Recorder:
    """A run_tick that records every call and can simulate work by advancing the clock."""

    def __init__(self, clock: VirtualClock, work: Callable[[TickCall], float] | None = None):
        self.clock = clock
        self.calls: list[TickCall] = []
        self.work = work

    def __call__(self, call: TickCall) -> None:
        self.calls.append(call)
        if self.work is not None:
            self.clock.advance(self.work(call))

    def seq(self) -> list[tuple[str, int]]:
        return [(c.flow_id, c.index) for c in self.calls]


def make(
    flows: Sequence[FlowTiming],
    work: Callable[[TickCall], float] | None = None,
    *,
    clock: VirtualClock | None = None,
    start: float | None = None,
    late_tolerance_s: float | None = None,
    on_last_run: Callable[[str, datetime], None] | None = None,
) -> tuple[VirtualClock, Recorder, Scheduler]:
    clock = clock or VirtualClock()
    rec = Recorder(clock, work)
    sched = Scheduler(
        clock, flows, rec, start=start, late_tolerance_s=late_tolerance_s, on_last_run=on_last_run
    )
    return clock, rec, sched


# --- timing definitions -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("", 1.0), "empty"),
        (("a", 0.0), "period_s"),
        (("a", -1.0), "period_s"),
        (("a", math.nan), "period_s"),
        (("a", math.inf), "period_s"),
        (("a", 1.0, -0.1), "phase_s"),
        (("a", 1.0, math.nan), "phase_s"),
    ],
)
def test_flow_timing_refuses_nonsense(args: tuple[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        FlowTiming(*args)


def test_duplicate_flow_ids_are_refused() -> None:
    flows = [FlowTiming("a", 1.0), FlowTiming("a", 2.0)]
    with pytest.raises(ValueError, match="duplicate"):
        make(flows)
    _, _, sched = make([FlowTiming("a", 1.0)])
    with pytest.raises(ValueError, match="duplicate"):
        sched.set_flows(flows)


def test_bad_start_and_tolerance_are_refused() -> None:
    with pytest.raises(ValueError, match="start"):
        make([FlowTiming("a", 1.0)], start=math.nan)
    with pytest.raises(ValueError, match="late_tolerance_s"):
        make([FlowTiming("a", 1.0)], late_tolerance_s=-0.1)


def test_start_defaults_to_the_clock_and_the_first_tick_is_at_start_plus_phase() -> None:
    clock, rec, sched = make([FlowTiming("a", 1.0, phase_s=0.25)], clock=VirtualClock(start=7.0))
    assert sched.next_due() == 7.25
    assert sched.run_due() == 0  # nothing due yet
    sched.run_until(9.5)
    assert [(c.index, c.due, c.dt) for c in rec.calls] == [
        (0, 7.25, 1.0),
        (1, 8.25, 1.0),
        (2, 9.25, 1.0),
    ]
    assert clock.monotonic() == 9.5
    assert sched.flows == (FlowTiming("a", 1.0, phase_s=0.25),)


# --- drift ----------------------------------------------------------------------------

PERIOD = 0.1
EXEC = 0.003
N = 1_000_000


def test_no_cumulative_drift_over_a_million_ticks() -> None:
    """The k-th tick is due at start + k*period, however many ticks came before.

    Each tick "executes" for 3 ms of virtual time. A scheduler that sleeps a period
    after each tick would be 3,000 s late by the end; one that adds periods (rather than
    multiplying) is off by about 1.3e-6 s after a million additions of 0.1, which the
    1e-6 bound also catches (see the next test).
    """
    clock = VirtualClock(start=0.0)
    last: list[TickCall] = []
    count = 0

    def run_tick(call: TickCall) -> None:
        nonlocal count
        count += 1
        if count == N + 1:
            last.append(call)
        clock.advance(EXEC)

    sched = Scheduler(clock, [FlowTiming("a", PERIOD)], run_tick)
    sched.run_until(N * PERIOD)

    (call,) = last
    assert count == N + 1  # slots 0..N inclusive
    assert call.index == N
    assert call.due == pytest.approx(N * PERIOD, abs=1e-6)
    assert call.started == pytest.approx(N * PERIOD, abs=1e-6)
    assert call.dt == pytest.approx(PERIOD, abs=1e-12)
    stats = sched.stats("a")
    assert (stats.ticks, stats.overruns, stats.missed, stats.errors) == (N + 1, 0, 0, 0)
    assert stats.max_lateness_s == 0.0
    assert stats.last_duration_s == pytest.approx(EXEC)


def test_the_drift_bound_catches_naive_schedulers() -> None:
    """The two classic mistakes miss the 1e-6 s bound of the test above."""
    exact = N * PERIOD
    sleep_after_tick = 0.0
    added_periods = 0.0
    for _ in range(N):
        sleep_after_tick += EXEC + PERIOD
        added_periods += PERIOD
    assert abs(sleep_after_tick - exact) > 1e3
    assert abs(added_periods - exact) > 1e-6


# --- overruns, missed slots, dt -------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "next_index", "missed", "overrun"),
    [
        # Tick 2 runs at 0.2 for `duration`; the scheduler gets back at end = 0.2 + duration
        # and runs the latest slot k with k*0.1 <= end once; the slots in between are missed.
        (0.25, 4, 1, True),  # end 0.45: slot 3 missed, slot 4 runs 0.05 late
        (0.30, 5, 2, True),  # end 0.50: slots 3, 4 missed; 5 runs on time but is the overrun
        (0.105, 3, 0, False),  # end 0.305: 5 ms late, within the 10 ms tolerance
        (0.115, 3, 0, True),  # end 0.315: 15 ms late, beyond it
    ],
)
def test_long_tick_gives_one_late_run_and_counts_missed_slots(
    duration: float, next_index: int, missed: int, overrun: bool
) -> None:
    # The expectation, worked out again from the definition rather than trusted.
    end = 0.2 + duration
    assert next_index == max(k for k in range(20) if k * PERIOD <= end)
    assert missed == next_index - 3
    assert overrun == (missed > 0 or end - next_index * PERIOD > 0.1 * PERIOD)

    _, rec, sched = make([FlowTiming("a", PERIOD)], lambda c: duration if c.index == 2 else 0.001)
    sched.run_until(1.0)

    indices = [c.index for c in rec.calls]
    assert indices == [0, 1, 2, *range(next_index, 11)]  # once each, no burst
    late = rec.calls[3]
    assert late.started == pytest.approx(end)
    assert late.due == pytest.approx(next_index * PERIOD)
    assert late.dt == pytest.approx((next_index - 2) * PERIOD)  # scheduled, across the gap
    for call in rec.calls:  # the grid stays aligned after the overrun
        assert call.due == pytest.approx(call.index * PERIOD, abs=1e-12)
    assert [c.dt for c in rec.calls[4:]] == pytest.approx([PERIOD] * len(rec.calls[4:]))
    assert all(c.started == c.due for c in rec.calls[4:])
    stats = sched.stats("a")
    assert stats.missed == missed
    assert stats.overruns == int(overrun)
    assert stats.ticks + stats.missed == 11  # slots 0..10
    assert stats.max_lateness_s == pytest.approx(end - next_index * PERIOD)
    assert stats.last_lateness_s == 0.0
    assert stats.next_due == pytest.approx(1.1)


def test_late_tolerance_is_configurable() -> None:
    _, _, sched = make(
        [FlowTiming("a", PERIOD)],
        lambda c: 0.125 if c.index == 2 else 0.0,  # slot 3 starts 25 ms late
        late_tolerance_s=0.03,
    )
    sched.run_until(1.0)
    assert (sched.stats("a").overruns, sched.stats("a").missed) == (0, 0)


def test_last_duration_is_the_virtual_time_the_tick_took() -> None:
    _, _, sched = make([FlowTiming("a", 1.0)], lambda c: 0.01 * (c.index + 1))
    sched.run_until(3.0)
    assert sched.stats("a").last_duration_s == pytest.approx(0.04)


def test_a_start_in_the_past_counts_the_slots_since_as_missed() -> None:
    clock = VirtualClock(start=10.0)
    _, rec, sched = make([FlowTiming("a", 1.0)], clock=clock, start=5.5)
    sched.run_until(12.0)
    assert [(c.index, c.due) for c in rec.calls] == [(4, 9.5), (5, 10.5), (6, 11.5)]
    assert (sched.stats("a").missed, sched.stats("a").overruns) == (4, 1)


# --- several flows ---------------------------------------------------------------------

FAST, SLOW, PHASED = FlowTiming("A", 0.1), FlowTiming("B", 1.0), FlowTiming("C", 0.25, 0.05)
# (flow, index) over [0, 2] s for the flows given as A, B, C. Due = phase + index * period:
# A every 0.1; B at 0, 1, 2; C at 0.05, 0.3, 0.55, ... Ties (0, 0.3, 0.8, 1.0, ...) in given order.
EXPECTED = [
    *("A0", "B0", "C0", "A1", "A2", "A3", "C1", "A4", "A5", "C2", "A6", "A7", "A8", "C3"),
    *("A9", "A10", "B1", "C4", "A11", "A12", "A13", "C5", "A14", "A15", "C6", "A16", "A17"),
    *("A18", "C7", "A19", "A20", "B2"),
]


def _due(flow: FlowTiming, index: int) -> float:
    return flow.phase_s + index * flow.period_s


def test_several_flows_interleave_in_due_order() -> None:
    flows = [FAST, SLOW, PHASED]
    clock, rec, sched = make(flows)
    sched.run_until(2.0)
    assert [f"{c.flow_id}{c.index}" for c in rec.calls] == EXPECTED
    by_id = {f.flow_id: f for f in flows}
    for call in rec.calls:
        assert call.due == pytest.approx(_due(by_id[call.flow_id], call.index), abs=1e-12)
        assert call.started == pytest.approx(call.due, abs=1e-9)
        assert call.wall == clock.wall_at(call.due)
    dues = [c.due for c in rec.calls]
    assert dues == sorted(dues, key=lambda d: round(d, 9))
    assert clock.monotonic() == 2.0


def test_flows_due_at_the_same_instant_run_in_their_given_order() -> None:
    # 0.05 + 1 * 0.25 and 3 * 0.1 differ in the last bit; they are still the same instant.
    _, rec, sched = make([PHASED, SLOW, FAST])
    sched.run_until(1.0)
    got = [f"{c.flow_id}{c.index}" for c in rec.calls]
    assert got[:2] == ["B0", "A0"]
    assert got[got.index("C1") + 1] == "A3"
    assert got[got.index("C3") + 1] == "A8"
    assert got[-2:] == ["B1", "A10"]


def test_late_flows_catch_up_in_due_order_not_list_order() -> None:
    flows = [FlowTiming("x", 1.0, 0.05), FlowTiming("y", 1.0, 0.02), FlowTiming("z", 1.0)]
    _, rec, sched = make(flows, lambda c: 0.1 if c.flow_id == "z" else 0.0)
    sched.run_until(0.5)
    # z runs at 0 until 0.1; then y (due 0.02) and x (due 0.05) are both due, y first.
    assert rec.seq() == [("z", 0), ("y", 0), ("x", 0)]


def test_run_due_runs_only_what_is_due_and_says_how_many() -> None:
    clock, rec, sched = make([FlowTiming("a", 1.0), FlowTiming("b", 1.0, 0.5)])
    assert sched.run_due() == 1
    assert sched.run_due() == 0  # nothing is due twice
    clock.advance(2.0)
    assert sched.run_due() == 2  # b (due 0.5) and a (due 1.0, slot 2 latest): once each
    assert rec.seq() == [("a", 0), ("b", 1), ("a", 2)]
    assert sched.stats("b").missed == 1  # slot 0 at 0.5 passed before slot 1 at 1.5


def test_run_until_ends_at_t_end_unless_a_tick_ran_past_it() -> None:
    clock, _, sched = make([FlowTiming("a", 1.0)], lambda c: 0.4)
    sched.run_until(3.5)
    assert clock.monotonic() == 3.5
    sched.run_until(4.2)  # slot 4 runs at 4.0 and works until 4.4
    assert clock.monotonic() == pytest.approx(4.4)
    sched.run_until(1.0)  # the past: nothing to do, the clock stays
    assert clock.monotonic() == pytest.approx(4.4)


def test_run_until_needs_a_virtual_clock() -> None:
    sched = Scheduler(RealClock(), [FlowTiming("a", 1.0)], lambda c: None)
    with pytest.raises(TypeError, match="VirtualClock"):
        sched.run_until(1.0)


# --- on-change triggers ----------------------------------------------------------------


def test_request_run_runs_promptly_off_the_grid() -> None:
    clock, rec, sched = make([FlowTiming("a", PERIOD)])
    sched.run_until(0.13)
    sched.request_run("a")
    assert sched.next_due() == 0.13
    sched.run_until(0.13)  # no time passes: the trigger is due now
    trig = rec.calls[-1]
    assert (trig.index, trig.due, trig.started, trig.triggered) == (1, 0.13, 0.13, True)
    assert trig.dt == pytest.approx(0.03)
    assert trig.wall == clock.wall_at(0.13)
    sched.run_until(0.3)
    periodic = rec.calls[-2:]
    assert [(c.index, c.triggered) for c in periodic] == [(2, False), (3, False)]
    assert [c.due for c in periodic] == pytest.approx([0.2, 0.3])  # the grid did not move
    assert [c.dt for c in periodic] == pytest.approx([0.07, 0.1])  # dts add up to time elapsed
    stats = sched.stats("a")
    assert (stats.ticks, stats.triggered_runs, stats.missed, stats.overruns) == (4, 1, 0, 0)


def test_requests_coalesce_and_a_due_periodic_tick_answers_them() -> None:
    clock, rec, sched = make([FlowTiming("a", 1.0)])
    sched.run_until(0.5)
    sched.request_run("a")
    clock.advance(0.1)
    sched.request_run("a")
    assert sched.run_due() == 1
    assert (rec.calls[-1].due, rec.calls[-1].triggered) == (0.5, True)  # due at the first request
    assert sched.run_due() == 0
    clock.advance_to(1.0)
    sched.request_run("a")  # the periodic tick at 1.0 runs anyway: one run, not two
    assert sched.run_due() == 1
    assert rec.calls[-1].triggered is False
    assert sched.stats("a").triggered_runs == 1


def test_request_run_from_a_tick_runs_the_other_flow_at_the_same_instant() -> None:
    holder: list[Scheduler] = []

    def work(call: TickCall) -> float:
        if call.flow_id == "writer" and not call.triggered:
            holder[0].request_run("reader")
        return 0.0

    _, rec, sched = make([FlowTiming("reader", 1.0, 0.5), FlowTiming("writer", 1.0)], work)
    holder.append(sched)
    sched.run_until(1.0)
    assert [(c.flow_id, c.index, c.due, c.triggered) for c in rec.calls] == [
        ("writer", 0, 0.0, False),
        ("reader", -1, 0.0, True),  # before reader's first slot
        ("reader", 0, 0.5, False),
        ("writer", 1, 1.0, False),
        ("reader", 0, 1.0, True),
    ]
    assert rec.calls[4].dt == 0.5
    assert sched.stats("reader").next_due == 1.5


def test_triggered_runs_are_at_least_a_period_apart() -> None:
    clock, rec, sched = make([FlowTiming("a", 1.0)])
    sched.run_until(0.2)
    sched.request_run("a")  # a change: runs at once
    sched.run_until(0.2)
    clock.advance_to(0.3)
    sched.request_run("a")  # a second change 0.1 s later waits a period after the first run
    assert sched.next_due() == pytest.approx(1.0)  # ... and the periodic slot at 1.0 answers it
    sched.run_until(1.0)
    assert [(round(c.due, 9), c.triggered) for c in rec.calls] == [
        (0.0, False),
        (0.2, True),
        (1.0, False),
    ]
    clock.advance_to(1.1)
    sched.request_run("a")  # 0.9 s after the last triggered run: at 1.2
    assert sched.next_due() == pytest.approx(1.2)
    assert sched.run_due() == 0
    sched.run_until(1.5)
    assert [(round(c.due, 9), c.triggered) for c in rec.calls[3:]] == [(1.2, True)]
    assert sched.stats("a").triggered_runs == 2


def test_request_run_of_an_unknown_flow_is_a_key_error() -> None:
    _, _, sched = make([FlowTiming("a", 1.0)])
    with pytest.raises(KeyError):
        sched.request_run("nope")
    with pytest.raises(KeyError):
        sched.stats("nope")


# --- redeploy --------------------------------------------------------------------------


def test_set_flows_keeps_grid_and_stats_of_unchanged_flows() -> None:
    a, b = FlowTiming("a", 0.1), FlowTiming("b", 0.25, 0.05)
    _, rec, sched = make([a, b], lambda c: 0.25 if (c.flow_id, c.index) == ("a", 2) else 0.0)
    sched.run_until(0.56)
    before = sched.stats("a")
    assert before.missed == 1
    sched.request_run("a")

    c, b2 = FlowTiming("c", 0.2, 0.01), FlowTiming("b", 0.5, 0.05)  # b changes period
    sched.set_flows([c, a, b2])
    assert sched.flows == (c, a, b2)
    assert sched.stats("a") == before  # kept, pending trigger included
    assert sched.stats("b").ticks == 0  # restarted
    # New grids from the scheduler's start, first slot at or after now (0.56):
    assert sched.stats("c").next_due == pytest.approx(0.61)  # 0.01 + 3 * 0.2
    assert sched.stats("b").next_due == pytest.approx(1.05)  # 0.05 + 2 * 0.5

    del rec.calls[:]
    sched.run_until(1.1)
    assert [f"{x.flow_id}{x.index}{'*' if x.triggered else ''}" for x in rec.calls] == (
        ["a5*", "a6", "c3", "a7", "a8", "c4", "a9", "a10", "c5", "b2", "a11"]
    )
    assert rec.calls[1].dt == pytest.approx(0.6 - 0.56)
    assert sched.stats("a").ticks == before.ticks + 6
    with pytest.raises(KeyError):
        sched.stats("gone")


def test_set_flows_with_a_slot_exactly_now_runs_it_now() -> None:
    _, rec, sched = make([FlowTiming("a", 1.0)])
    sched.run_until(3.0)
    sched.set_flows([FlowTiming("a", 1.0), FlowTiming("b", 0.5)])
    sched.run_due()
    assert rec.calls[-1].flow_id == "b"
    assert (rec.calls[-1].index, rec.calls[-1].due) == (6, 3.0)


def test_set_flows_inside_a_tick_is_refused() -> None:
    holder: list[Scheduler] = []

    def work(call: TickCall) -> float:
        holder[0].set_flows([])
        return 0.0

    _, _, sched = make([FlowTiming("a", 1.0)], work)
    holder.append(sched)
    sched.run_until(0.0)  # the RuntimeError is a failing tick like any other
    assert sched.stats("a").errors == 1
    assert sched.flows == (FlowTiming("a", 1.0),)


# --- errors and persistence ------------------------------------------------------------


def test_an_exception_in_run_tick_is_counted_logged_and_survived(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def work(call: TickCall) -> float:
        if call.index in (1, 3):
            raise RuntimeError(f"boom {call.index}")
        return 0.0

    _, rec, sched = make([FlowTiming("a", 1.0)], work)
    with caplog.at_level(logging.ERROR, logger="supervisor_engine.scheduler"):
        sched.run_until(5.0)
    assert [c.index for c in rec.calls] == [0, 1, 2, 3, 4, 5]
    assert (sched.stats("a").errors, sched.stats("a").ticks) == (2, 6)
    assert [r.exc_info[1].args for r in caplog.records if r.exc_info and r.exc_info[1]] == [
        ("boom 1",),
        ("boom 3",),
    ]


def test_on_last_run_gets_the_wall_time_of_each_due_instant() -> None:
    seen: list[tuple[str, datetime]] = []

    def work(call: TickCall) -> float:
        if call.index == 1:
            raise ValueError("still counts as a run")
        return 0.4

    def on_last_run(flow_id: str, wall: datetime) -> None:
        seen.append((flow_id, wall))

    _, _, sched = make([FlowTiming("a", 1.0, 0.5)], work, on_last_run=on_last_run)
    sched.run_until(2.9)
    assert seen == [("a", DEFAULT_WALL_START + timedelta(seconds=s)) for s in (0.5, 1.5, 2.5)]
    assert sched.stats("a").last_run == DEFAULT_WALL_START + timedelta(seconds=2.5)


def test_a_failing_on_last_run_does_not_stop_the_scheduler() -> None:
    def on_last_run(flow_id: str, wall: datetime) -> None:
        raise OSError("disk full")

    _, rec, sched = make([FlowTiming("a", 1.0)], on_last_run=on_last_run)
    sched.run_until(2.0)
    assert len(rec.calls) == 3
    assert sched.stats("a").errors == 3


# --- async drivers ---------------------------------------------------------------------


def test_run_on_a_virtual_clock_matches_run_until_at_full_speed() -> None:
    flows = [FAST, SLOW, PHASED]
    _, reference, sched = make(flows)
    sched.run_until(2.0)

    clock = VirtualClock()
    stop = asyncio.Event()
    calls: list[TickCall] = []

    def run_tick(call: TickCall) -> None:
        calls.append(call)
        if call.due >= 2.0 - 1e-9 and call.flow_id == "B":
            stop.set()

    asyncio.run(Scheduler(clock, flows, run_tick).run(stop))
    assert calls == reference.calls
    assert clock.monotonic() == 2.0


def test_a_lead_before_ticks_changes_nothing_on_a_clock_that_does_not_follow_real_time() -> None:
    """A lead is waited out on the CPU; a test loop's clock never gets there, so the lead goes."""
    flows = [FAST, SLOW, PHASED]
    _, reference, sched = make(flows)
    sched.run_until(2.0)

    clock = VirtualClock()
    stop = asyncio.Event()
    calls: list[TickCall] = []

    def run_tick(call: TickCall) -> None:
        calls.append(call)
        if call.due >= 2.0 - 1e-9 and call.flow_id == "B":
            stop.set()

    scheduler = Scheduler(clock, flows, run_tick, lead_s=0.001)
    asyncio.run(scheduler.run(stop))
    assert calls == reference.calls
    with pytest.raises(ValueError, match="lead_s"):
        Scheduler(clock, flows, run_tick, lead_s=-1.0)


async def spin_until(condition: Callable[[], bool], turns: int = 100) -> None:
    """Let the event loop turn until ``condition`` holds; fail after ``turns`` (no real time)."""
    for _ in range(turns):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError(f"not reached in {turns} event-loop turns")


class StuckClock(VirtualClock):
    """A clock whose sleeps never end by themselves: only a wake-up gets the driver going."""

    async def sleep_until(self, deadline: float) -> None:
        await asyncio.Event().wait()


def test_request_run_and_stop_cut_the_drivers_sleep_short() -> None:
    clock = StuckClock()
    calls: list[TickCall] = []
    sched = Scheduler(clock, [FlowTiming("a", 60.0, 30.0)], calls.append)
    stop = asyncio.Event()

    async def main() -> None:
        driver = asyncio.ensure_future(sched.run(stop))
        await asyncio.sleep(0)
        clock.advance(1.0)
        sched.request_run("a")
        await spin_until(lambda: len(calls) == 1)
        assert [(c.triggered, c.due) for c in calls] == [(True, 1.0)]
        sched.set_flows([FlowTiming("a", 60.0, 30.0), FlowTiming("b", 0.5)])
        await spin_until(lambda: len(calls) == 2)
        # b's first slot at or after now (1.0) is slot 2, due now: the wake-up runs it.
        assert [(c.flow_id, c.index) for c in calls] == [("a", -1), ("b", 2)]
        stop.set()
        await driver

    asyncio.run(main())
    assert sched.stats("a").triggered_runs == 1


def test_run_without_flows_waits_for_set_flows() -> None:
    clock = VirtualClock()
    calls: list[TickCall] = []
    sched = Scheduler(clock, [], calls.append)
    assert sched.next_due() == math.inf
    stop = asyncio.Event()

    async def main() -> None:
        driver = asyncio.ensure_future(sched.run(stop))
        await asyncio.sleep(0)
        sched.set_flows([FlowTiming("a", 1.0)])
        await spin_until(lambda: len(calls) >= 3)
        stop.set()
        await driver

    asyncio.run(main())
    assert [c.index for c in calls[:3]] == [0, 1, 2]  # added at 0, so slot 0 is due at once


def test_run_on_the_real_clock_ticks() -> None:
    """The one test on real time: about ten 10 ms ticks; counts only, no timing figures."""
    stop = asyncio.Event()
    calls: list[TickCall] = []

    def run_tick(call: TickCall) -> None:
        calls.append(call)
        if len(calls) == 10:
            stop.set()

    sched = Scheduler(RealClock(), [FlowTiming("a", 0.01)], run_tick)
    asyncio.run(sched.run(stop))
    stats = sched.stats("a")
    assert len(calls) == stats.ticks == 10
    assert stats.errors == 0
    assert [c.index for c in calls] == sorted({c.index for c in calls})  # one run per slot


# --- properties ------------------------------------------------------------------------

flow_params = st.tuples(
    st.floats(0.01, 1.0),  # period
    st.floats(0.0, 1.0),  # phase
    st.lists(st.floats(0.0, 3.0), min_size=1, max_size=5),  # execution times, in periods
)


@settings(deadline=None, max_examples=100)
@given(params=st.lists(flow_params, min_size=1, max_size=4), start=st.floats(0.0, 1e4))
def test_property_runs_stay_on_grid_and_every_slot_is_accounted_for(
    params: list[tuple[float, float, list[float]]], start: float
) -> None:
    flows = [FlowTiming(f"f{i}", p, ph) for i, (p, ph, _) in enumerate(params)]
    work = {f"f{i}": [x * p for x in w] for i, (p, _, w) in enumerate(params)}

    def exec_time(call: TickCall) -> float:
        times = work[call.flow_id]
        return times[call.index % len(times)]

    clock = VirtualClock(start=start)
    _, rec, sched = make(flows, exec_time, clock=clock)
    t_end = start + 5.0
    sched.run_until(t_end)

    for flow in flows:
        calls = [c for c in rec.calls if c.flow_id == flow.flow_id]
        stats = sched.stats(flow.flow_id)

        def due(k: int, flow: FlowTiming = flow) -> float:
            return start + flow.phase_s + k * flow.period_s

        for c in calls:
            assert c.index >= 0
            assert c.due == pytest.approx(due(c.index), abs=1e-9)  # on the grid
            assert c.started >= c.due - 1e-9
            assert due(c.index + 1) > c.started  # the latest due slot, never an older one
        assert all(a.due < b.due for a, b in itertools.pairwise(calls))
        assert stats.ticks == len(calls)
        assert stats.missed == sum(b.index - a.index - 1 for a, b in itertools.pairwise(calls)) + (
            calls[0].index if calls else 0
        )
        horizon = int(6.0 / flow.period_s) + 2
        slots_due_by_t_end = sum(1 for k in range(horizon) if due(k) <= t_end)
        assert stats.next_due > t_end
        if calls:
            elapsed = calls[-1].index + 1  # slots 0..last, each either run or missed
            assert stats.ticks + stats.missed == elapsed >= slots_due_by_t_end
            # dt is one period for the first run, then the scheduled gap: no time lost.
            span = calls[-1].index - calls[0].index + 1
            assert sum(c.dt for c in calls) == pytest.approx(span * flow.period_s)
        else:
            assert slots_due_by_t_end == 0

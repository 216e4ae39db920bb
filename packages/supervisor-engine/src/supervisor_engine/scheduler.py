"""The drift-corrected scan scheduler: when each flow ticks.

Each flow has a grid on the monotonic clock: slot ``k`` is due at
``start + phase + k * period``, computed by multiplication, so neither float
error nor lateness accumulates. A tick that starts late is run once and counted
as an overrun; slots that passed entirely while the flow was blocked are counted
as missed and never replayed as a burst: the flow runs once, for the latest slot
that is due. An on-change trigger (:meth:`Scheduler.request_run`) adds one extra
run off the grid without moving the grid; triggered runs of a flow are at least one
period apart (a chattering input cannot make a flow run faster than its period), a
periodic run in between answering the request.

The scheduler does not evaluate anything; it calls ``run_tick`` with a
:class:`TickCall` whose ``due`` is the tick's logical time. All time comes from
a :class:`~supervisor_engine.clock.Clock`, so on a
:class:`~supervisor_engine.clock.VirtualClock` the same flows give the same
sequence of calls every time.

Due times that differ by less than a nanosecond count as the same instant:
``0.05 + 1 * 0.25`` and ``3 * 0.1`` differ in the last bit, and flows whose
grids meet must still run together, in the order they were given.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from supervisor_engine.clock import Clock, VirtualClock

__all__ = ["FlowStats", "FlowTiming", "Scheduler", "TickCall"]

_log = logging.getLogger(__name__)

_SAME_INSTANT_S = 1e-9


@dataclass(frozen=True, slots=True)
class FlowTiming:
    """When a flow ticks: every ``period_s`` seconds, ``phase_s`` after the scheduler's start."""

    flow_id: str
    period_s: float
    phase_s: float = 0.0

    def __post_init__(self) -> None:
        if not self.flow_id:
            raise ValueError("flow_id must not be empty")
        if not (self.period_s > 0 and math.isfinite(self.period_s)):
            raise ValueError(f"flow {self.flow_id!r}: period_s must be > 0, got {self.period_s!r}")
        if not (self.phase_s >= 0 and math.isfinite(self.phase_s)):
            raise ValueError(f"flow {self.flow_id!r}: phase_s must be >= 0, got {self.phase_s!r}")


@dataclass(frozen=True, slots=True)
class TickCall:
    """One run of a flow, as handed to ``run_tick``.

    Attributes:
        flow_id: The flow to run.
        index: The slot number ``k``: ``due == start + phase + k * period``. For a triggered
            run, the last slot before it (``-1`` if the flow has no slot before it yet).
        due: The tick's logical time on the monotonic scale; blocks use this, never the wall
            clock. For a triggered run, the time ``request_run`` was called.
        started: The monotonic time the run actually started.
        dt: Scheduled time since this flow's previous run: ``(k - k_previous) * period`` between
            periodic runs, ``due - previous due`` when a triggered run is involved, ``period``
            for the first run. Summed over runs it is the logical time elapsed.
        wall: ``clock.wall_at(due)``.
        triggered: True for an extra on-change run requested with ``request_run``.
    """

    flow_id: str
    index: int
    due: float
    started: float
    dt: float
    wall: datetime
    triggered: bool


@dataclass(slots=True)
class FlowStats:
    """Counters of one flow (a snapshot; the scheduler does not update it afterwards).

    ``ticks`` and ``missed`` count periodic slots (their sum is the number of slots
    handled); ``triggered_runs`` the extra on-change runs; ``errors`` the runs whose
    ``run_tick`` (or ``on_last_run``) raised. Lateness is that of periodic ticks.
    """

    ticks: int
    overruns: int
    missed: int
    triggered_runs: int
    last_lateness_s: float
    max_lateness_s: float
    last_duration_s: float
    next_due: float
    last_run: datetime | None
    errors: int = 0


class _Flow:
    """A flow's grid and counters, mutated in place by the scheduler."""

    def __init__(self, timing: FlowTiming, start: float, first_k: int, tolerance: float) -> None:
        self.timing = timing
        self.period = timing.period_s
        self.origin = start + timing.phase_s
        self.tolerance = tolerance
        self.next_k = first_k
        self.next_due = self.origin + first_k * self.period
        self.last_k: int | None = None  # None after a triggered run: dt is then a difference
        self.last_due: float | None = None
        self.trigger_due: float | None = None
        self.last_triggered: float | None = None  # due time of the last triggered run
        self.ticks = self.overruns = self.missed = self.triggered_runs = self.errors = 0
        self.last_lateness = self.max_lateness = self.last_duration = 0.0
        self.last_run: datetime | None = None


def _slot_at_or_before(origin: float, period: float, t: float) -> int:
    """The largest ``k`` with ``origin + k * period <= t``, exact against that very formula."""
    k = math.floor((t - origin) / period)
    # The division may round across an integer; settle against the formula due times use.
    while origin + (k + 1) * period <= t:
        k += 1
    while origin + k * period > t:
        k -= 1
    return k


def _checked(flows: Iterable[FlowTiming]) -> tuple[FlowTiming, ...]:
    timings = tuple(flows)
    ids = [t.flow_id for t in timings]
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicate flow ids in {ids}")
    return timings


class Scheduler:
    """Runs flows on their drift-corrected grids; see the module docstring for the semantics.

    Args:
        clock: Where time comes from.
        flows: The flows; those due at the same instant run in this order.
        run_tick: Called once per run. An exception is logged and counted, never propagated.
        start: The grid origin on the monotonic scale; defaults to ``clock.monotonic()``.
            Slots between an earlier ``start`` and now count as missed on the first run.
        late_tolerance_s: Lateness above which a tick is an overrun; defaults to 10% of
            each flow's period.
        on_last_run: Called after every run with the flow id and the wall time of the
            tick's due instant, so that the engine can persist it.
        lead_s: ``run`` wakes this long before a tick is due and waits out the rest on the
            CPU, so that the tick starts on time (an event loop's timer fires up to a
            millisecond late, and a process woken on a busy machine may wait for a core).
            0 (the default) sleeps to the due time itself.

    Raises:
        ValueError: On duplicate flow ids, or a non-finite ``start`` or negative tolerance.
    """

    def __init__(
        self,
        clock: Clock,
        flows: Sequence[FlowTiming],
        run_tick: Callable[[TickCall], None],
        *,
        start: float | None = None,
        late_tolerance_s: float | None = None,
        on_last_run: Callable[[str, datetime], None] | None = None,
        lead_s: float = 0.0,
    ) -> None:
        self._clock = clock
        self._run_tick = run_tick
        self._on_last_run = on_last_run
        self._start = clock.monotonic() if start is None else start
        if not math.isfinite(self._start):
            raise ValueError(f"start must be finite, got {start!r}")
        if late_tolerance_s is not None and not late_tolerance_s >= 0:
            raise ValueError(f"late_tolerance_s must be >= 0, got {late_tolerance_s!r}")
        self._tolerance = late_tolerance_s
        if not (lead_s >= 0 and math.isfinite(lead_s)):
            raise ValueError(f"lead_s must be >= 0, got {lead_s!r}")
        self._lead = lead_s
        self._flows = [self._new_flow(t, 0) for t in _checked(flows)]
        self._by_id = {f.timing.flow_id: f for f in self._flows}
        self._in_tick = False
        self._wake: asyncio.Event | None = None  # set while run() sleeps, to cut the sleep short

    def _new_flow(self, timing: FlowTiming, first_k: int) -> _Flow:
        tolerance = 0.1 * timing.period_s if self._tolerance is None else self._tolerance
        return _Flow(timing, self._start, first_k, tolerance)

    @property
    def flows(self) -> tuple[FlowTiming, ...]:
        """The current flows, in their given order."""
        return tuple(f.timing for f in self._flows)

    def stats(self, flow_id: str) -> FlowStats:
        """A snapshot of the counters of ``flow_id``.

        Raises:
            KeyError: If there is no such flow.
        """
        f = self._by_id[flow_id]
        return FlowStats(
            ticks=f.ticks,
            overruns=f.overruns,
            missed=f.missed,
            triggered_runs=f.triggered_runs,
            last_lateness_s=f.last_lateness,
            max_lateness_s=f.max_lateness,
            last_duration_s=f.last_duration,
            next_due=f.next_due,
            last_run=f.last_run,
            errors=f.errors,
        )

    def next_due(self) -> float:
        """The earliest due time over all flows (``math.inf`` without flows).

        A pending trigger is due at the time it was requested, i.e. now or earlier.
        """
        due = math.inf
        for f in self._flows:
            due = min(due, f.next_due)
            if f.trigger_due is not None:
                due = min(due, f.trigger_due)
        return due

    def run_due(self) -> int:
        """Run every flow that is due at ``clock.monotonic()``, once each; return how many ran.

        They run in due-time order and, for the same instant, in their given order. A flow
        whose periodic slot is due and which also has a trigger pending runs once, periodically.
        """
        if self._in_tick:
            raise RuntimeError("run_due called from inside run_tick")
        limit = self._clock.monotonic() + _SAME_INSTANT_S
        batch: list[tuple[float, _Flow, bool]] = []  # (due, flow, periodic)
        for f in self._flows:
            if f.next_due <= limit:
                batch.append((f.next_due, f, True))
            elif f.trigger_due is not None and f.trigger_due <= limit:
                batch.append((f.trigger_due, f, False))
        if len(batch) > 1:  # a stable sort keeps the given order among equal due times
            batch.sort(key=lambda b: round(b[0] / _SAME_INSTANT_S))
        for due, f, periodic in batch:
            if periodic:
                self._run_periodic(f)
            else:
                self._run_triggered(f, due)
        return len(batch)

    def _run_periodic(self, f: _Flow) -> None:
        started = self._clock.monotonic()
        k, period = f.next_k, f.period
        after = f.origin + (k + 1) * period
        if after <= started + _SAME_INSTANT_S:  # later slots passed too: run only the latest
            k = _slot_at_or_before(f.origin, period, started + _SAME_INSTANT_S)
            after = f.origin + (k + 1) * period
        due = f.origin + k * period
        missed = k - f.next_k
        if f.last_due is None:
            dt = period
        elif f.last_k is None:
            dt = due - f.last_due
        else:
            dt = (k - f.last_k) * period
        lateness = max(0.0, started - due)
        f.ticks += 1
        f.missed += missed
        if missed or lateness > f.tolerance:
            f.overruns += 1
        f.last_lateness = lateness
        f.max_lateness = max(f.max_lateness, lateness)
        f.next_k, f.next_due = k + 1, after
        f.last_k, f.last_due, f.trigger_due = k, due, None  # this run answers any trigger too
        wall = self._clock.wall_at(due)
        self._call(f, TickCall(f.timing.flow_id, k, due, started, dt, wall, False), started)

    def _run_triggered(self, f: _Flow, due: float) -> None:
        started = self._clock.monotonic()
        dt = f.period if f.last_due is None else due - f.last_due
        f.triggered_runs += 1
        f.last_k, f.last_due, f.trigger_due, f.last_triggered = None, due, None, due
        wall = self._clock.wall_at(due)
        self._call(
            f, TickCall(f.timing.flow_id, f.next_k - 1, due, started, dt, wall, True), started
        )

    def _call(self, f: _Flow, call: TickCall, started: float) -> None:
        self._in_tick = True
        try:
            self._run_tick(call)
        except Exception:
            f.errors += 1
            _log.exception("flow %r: tick %d (due %.6f) failed", call.flow_id, call.index, call.due)
        finally:
            self._in_tick = False
        f.last_duration = self._clock.monotonic() - started
        f.last_run = call.wall
        if self._on_last_run is not None:
            try:
                self._on_last_run(call.flow_id, call.wall)
            except Exception:
                f.errors += 1
                _log.exception("flow %r: on_last_run failed", call.flow_id)

    def run_until(self, t_end: float) -> None:
        """Drive a :class:`VirtualClock` to ``t_end``, running every tick due on the way.

        The clock jumps from due time to due time (never beyond ``t_end``) and ends at
        ``t_end``, or later if a ``run_tick`` advanced it past.

        Raises:
            TypeError: If the clock is not a :class:`VirtualClock`.
        """
        clock = self._clock
        if not isinstance(clock, VirtualClock):
            raise TypeError("run_until needs a VirtualClock; use run() on a real clock")
        while (due := self.next_due()) <= t_end + _SAME_INSTANT_S:
            if min(due, t_end) > clock.monotonic():
                clock.advance_to(min(due, t_end))
            self.run_due()
        if t_end > clock.monotonic():
            clock.advance_to(t_end)

    async def run(self, stop: asyncio.Event) -> None:
        """Sleep until the next due time, run what is due, repeat until ``stop`` is set.

        ``request_run`` and ``set_flows`` cut the sleep short; so does ``stop``. Call them
        from the event loop's thread (``loop.call_soon_threadsafe`` from any other).

        Raises:
            RuntimeError: If this scheduler is already running.
        """
        if self._wake is not None:
            raise RuntimeError("the scheduler is already running")
        self._wake = wake = asyncio.Event()
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                wake.clear()
                waiters: list[asyncio.Future[Any]] = [asyncio.ensure_future(wake.wait())]
                due = self.next_due()
                if due != math.inf:  # with no flows, wait for set_flows or stop only
                    waiters.append(asyncio.ensure_future(self._clock.sleep_until(due - self._lead)))
                done, _ = await asyncio.wait(
                    [stopping, *waiters], return_when=asyncio.FIRST_COMPLETED
                )
                await _cancel(waiters)
                for task in done:
                    task.result()  # surface a failing clock instead of spinning on it
                if not stop.is_set():
                    self._wait_out_lead()
                    self.run_due()
        finally:
            self._wake = None
            await _cancel([stopping])

    def _wait_out_lead(self) -> None:
        """Spin to the next due time when it is within the lead (see ``lead_s``).

        Spinning, not sleeping: a second sleep would be a second chance for a busy machine
        to keep the process off the CPU when the tick is due.
        """
        if not self._lead:
            return
        due, clock = self.next_due(), self._clock
        began = clock.monotonic()
        if due - began > self._lead + _SAME_INSTANT_S:
            return  # woken by a request, set_flows or stop: nothing is due soon
        real_began = time.perf_counter()
        while clock.monotonic() < due:
            if time.perf_counter() - real_began > self._lead + 0.01 and clock.monotonic() == began:
                # a clock that does not move with real time (a test loop's): sleep instead
                _log.info("the clock does not follow real time: no lead before ticks")
                self._lead = 0.0
                return

    def request_run(self, flow_id: str) -> None:
        """Run ``flow_id`` once as soon as possible, off its grid (which does not move).

        Requests made before the run coalesce into one, due at the first request, or one
        period after the flow's last triggered run if that is later (the rate limit); if
        the flow's periodic slot comes due first, that run answers the request.

        Raises:
            KeyError: If there is no such flow.
        """
        f = self._by_id[flow_id]
        if f.trigger_due is None:
            now = self._clock.monotonic()
            f.trigger_due = (
                now if f.last_triggered is None else max(now, f.last_triggered + f.period)
            )
        if self._wake is not None:
            self._wake.set()

    def set_flows(self, flows: Sequence[FlowTiming]) -> None:
        """Replace the flows between ticks (a redeploy).

        A flow whose timing (id, period and phase) is unchanged keeps its grid, counters and
        pending trigger. Any other flow starts afresh on the grid of its own period and phase
        from the scheduler's ``start``, at the first slot at or after now.

        Raises:
            ValueError: On duplicate flow ids.
            RuntimeError: If called from inside ``run_tick``.
        """
        if self._in_tick:
            raise RuntimeError("set_flows called from inside run_tick; call it between ticks")
        now = self._clock.monotonic()
        kept: list[_Flow] = []
        for timing in _checked(flows):
            old = self._by_id.get(timing.flow_id)
            if old is not None and old.timing == timing:
                kept.append(old)
                continue
            origin = self._start + timing.phase_s
            first = _slot_at_or_before(origin, timing.period_s, now - _SAME_INSTANT_S) + 1
            kept.append(self._new_flow(timing, max(0, first)))
        self._flows = kept
        self._by_id = {f.timing.flow_id: f for f in kept}
        if self._wake is not None:
            self._wake.set()


async def _cancel(tasks: Sequence[asyncio.Future[Any]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

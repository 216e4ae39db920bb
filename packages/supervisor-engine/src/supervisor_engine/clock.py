"""Clocks: where the scheduler takes its time from.

The scheduler never reads the system time itself; it asks a :class:`Clock`.
:class:`RealClock` is the device's monotonic clock, for the headless engine.
:class:`VirtualClock` moves only when told, so tests, the Designer's
simulation and replays run a day of ticks in seconds and give the same result
every time.

Two scales: ``monotonic()`` (seconds, never goes backwards) is what tick due
times are measured on; ``now()`` and ``wall_at()`` give timezone-aware UTC
wall time, for display and persistence only.
"""

from __future__ import annotations

import asyncio
import math
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["DEFAULT_WALL_START", "Clock", "LoopClock", "RealClock", "VirtualClock"]

DEFAULT_WALL_START = datetime(2025, 1, 1, tzinfo=UTC)
"""Wall time at which a :class:`VirtualClock` starts unless told otherwise."""


class Clock(Protocol):
    """The time source of a scheduler."""

    def monotonic(self) -> float:
        """Seconds on a monotonic scale: never goes backwards; the origin is arbitrary."""
        ...

    def now(self) -> datetime:
        """The current wall time, timezone-aware UTC."""
        ...

    async def sleep_until(self, deadline: float) -> None:
        """Return once ``monotonic() >= deadline``, yielding to the event loop at least once."""
        ...

    def wall_at(self, monotonic: float) -> datetime:
        """The wall time (timezone-aware UTC) that corresponds to a monotonic instant."""
        ...


class RealClock:
    """The system clock: ``time.monotonic``, ``datetime.now(UTC)`` and ``asyncio.sleep``."""

    def monotonic(self) -> float:
        """Seconds from ``time.monotonic()``."""
        return time.monotonic()

    def now(self) -> datetime:
        """``datetime.now(UTC)``."""
        return datetime.now(UTC)

    async def sleep_until(self, deadline: float) -> None:
        """Sleep until the monotonic ``deadline``, then yield once more.

        Sleeping *to a deadline* (rather than for a period) is what keeps lateness
        from accumulating. The loop re-checks because an event loop may wake a
        timer a little early (within its clock resolution); the final yield lets
        other tasks run even when the deadline has already passed, so a late
        scheduler cannot starve the loop.
        """
        while (remaining := deadline - time.monotonic()) > 0:
            await asyncio.sleep(remaining)
        await asyncio.sleep(0)

    def wall_at(self, monotonic: float) -> datetime:
        """Map a monotonic instant to wall time through the current offset between the clocks.

        The offset is read afresh on every call, so an NTP step of the wall clock
        shows up in the next mapping instead of being frozen at start-up.
        """
        return datetime.now(UTC) + timedelta(seconds=monotonic - time.monotonic())


class VirtualClock:
    """A clock that moves only when told: by :meth:`advance`, :meth:`advance_to` or ``sleep_until``.

    Args:
        start: The initial monotonic time.
        wall_start: The wall time at ``start``; must be timezone-aware (it is stored in UTC).

    Raises:
        ValueError: If ``start`` is not finite or ``wall_start`` is naive.
    """

    def __init__(self, start: float = 0.0, wall_start: datetime = DEFAULT_WALL_START) -> None:
        if not math.isfinite(start):
            raise ValueError(f"start must be finite, got {start!r}")
        if wall_start.tzinfo is None or wall_start.utcoffset() is None:
            raise ValueError("wall_start must be timezone-aware")
        self._start = start
        self._wall_start = wall_start.astimezone(UTC)
        self._t = start

    def monotonic(self) -> float:
        """The current virtual time."""
        return self._t

    def now(self) -> datetime:
        """The wall time at the current virtual time."""
        return self.wall_at(self._t)

    def wall_at(self, monotonic: float) -> datetime:
        """``wall_start`` plus the virtual seconds since ``start`` (microsecond resolution)."""
        return self._wall_start + timedelta(seconds=monotonic - self._start)

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``.

        Raises:
            ValueError: If ``seconds`` is negative or not finite.
        """
        if not (seconds >= 0 and math.isfinite(seconds)):
            raise ValueError(f"cannot advance a clock by {seconds!r} s")
        self._t += seconds

    def advance_to(self, t: float) -> None:
        """Move time forward to ``t``; ``t`` equal to the current time is a no-op.

        Raises:
            ValueError: If ``t`` is earlier than the current time or not finite.
        """
        if not (t >= self._t and math.isfinite(t)):
            raise ValueError(f"cannot move a clock from {self._t!r} to {t!r}")
        self._t = t

    async def sleep_until(self, deadline: float) -> None:
        """Jump to ``deadline`` if it is later, then yield once.

        Nothing waits on real time, so an asyncio loop driven by a virtual clock
        runs at full speed while its tasks still interleave.

        Raises:
            ValueError: If ``deadline`` is not finite (a virtual clock cannot jump to infinity).
        """
        if not math.isfinite(deadline):
            raise ValueError(f"cannot sleep until {deadline!r}")
        if deadline > self._t:
            self._t = deadline
        await asyncio.sleep(0)


class LoopClock:
    """The running asyncio loop's own clock, which is what the engine's tasks sleep on.

    In production the loop's clock is ``time.monotonic`` and the wall clock is
    the system's, so this behaves as :class:`RealClock`. Under a loop whose
    time is fast-forwarded (the ``looptime`` test plugin), every task of the
    engine (scheduler, I/O adapter, backoff) runs on the same virtual time, in
    the right order, and the wall clock follows it from ``wall_start``.

    Args:
        loop: The loop; the running one if not given.
        wall_start: Anchor of a virtual wall clock. None: the system's wall clock.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop | None = None,
        wall_start: datetime | None = None,
    ) -> None:
        self._loop = loop or asyncio.get_running_loop()
        self._start = self._loop.time()
        if wall_start is not None and (wall_start.tzinfo is None or wall_start.utcoffset() is None):
            raise ValueError("wall_start must be timezone-aware")
        self._wall_start = wall_start.astimezone(UTC) if wall_start is not None else None

    def monotonic(self) -> float:
        """``loop.time()``."""
        return self._loop.time()

    def now(self) -> datetime:
        """The wall time now."""
        return self.wall_at(self._loop.time())

    def wall_at(self, monotonic: float) -> datetime:
        """The wall time of a monotonic instant (see :meth:`RealClock.wall_at`)."""
        if self._wall_start is None:
            return datetime.now(UTC) + timedelta(seconds=monotonic - self._loop.time())
        return self._wall_start + timedelta(seconds=monotonic - self._start)

    async def sleep_until(self, deadline: float) -> None:
        """Sleep on the loop until ``deadline``, then yield once more."""
        while (remaining := deadline - self._loop.time()) > 0:
            before = self._loop.time()
            await asyncio.sleep(remaining)
            if self._loop.time() <= before:
                # a loop clock with a resolution (looptime's is 1 us) cannot get any
                # closer to a deadline that is less than one step away: do not spin
                break
        await asyncio.sleep(0)

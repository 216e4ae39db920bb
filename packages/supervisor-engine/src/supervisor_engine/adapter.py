"""The I/O adapter between the engine and the IoT service: its interface and the parts every
implementation shares.

The engine never awaits I/O inside a tick. A tick reads the adapter's value
cache (a consistent snapshot: ticks run between the event loop's other work)
and hands its commands to :meth:`IoAdapter.submit`, which only records them.
Delivery happens later, in the adapter's own tasks, coalesced to the latest
command per point: after an outage only the last pending command of each
point is sent, never a backlog.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from bms_schemas import PointConstraint, PointValue, Scalar
from supervisor_engine.block import PointWrite

if TYPE_CHECKING:
    from supervisor_engine.command_truth import CommandLedger

log = logging.getLogger(__name__)


@dataclass
class AdapterStatus:
    """What the adapter has seen, for /engine/status and metrics."""

    connected: bool = False
    stream_connected: bool = False
    last_error: str | None = None
    reconnects: int = 0
    writes_sent: int = 0
    writes_refused: int = 0
    writes_failed: int = 0
    values_received: int = 0
    max_backoff_s: float = 0.0
    refusals: list[dict[str, Any]] = field(default_factory=list)
    unauthorized: bool = False
    """The service refuses the engine's token (after reading the token file again)."""
    devices_offline: list[int] = field(default_factory=list)
    """Devices the bundle reads or commands that the service reports offline."""
    reasserts: int = 0
    last_reassert: str | None = None
    """Why the held commands were last delivered again."""


class IoAdapter(Protocol):
    """What the engine needs from the outside world: the one interface of an I/O adapter.

    Ticks call the synchronous methods (they never await I/O); the runtime runs
    :meth:`run` as a task beside the scheduler and :meth:`flush` at shutdown.
    """

    status: AdapterStatus
    """What the adapter has seen, for the engine's status and metrics."""

    on_value: Callable[[str], None] | None
    """Called with the point of every new value (the engine's on-change triggers)."""

    def snapshot(self) -> Mapping[str, PointValue]:
        """The latest value of every point read, by canonical reference."""
        ...

    def set_points(self, points: Iterable[str]) -> None:
        """The points the running bundle reads; the adapter subscribes to them."""
        ...

    def submit(self, writes: Iterable[PointWrite]) -> None:
        """Commands to deliver; returns at once."""
        ...

    def set_constraints(self, constraints: Iterable[PointConstraint]) -> None:
        """Limits checked before any command is sent."""
        ...

    @property
    def pending_writes(self) -> int:
        """Commands waiting to be delivered."""
        ...

    @property
    def ledger(self) -> CommandLedger:
        """What each commanded priority slot should hold, and what the device said."""
        ...

    def reassert(self, writes: Iterable[PointWrite] | None, reason: str) -> int:
        """Deliver the held commands again (``writes``: the new truth); how many."""
        ...

    def set_command_refresh(self, refresh_s: float | None) -> None:
        """How often held commands are delivered again (None: never)."""
        ...

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver commands and follow values until ``stop`` is set."""
        ...

    async def flush(self, timeout_s: float = 5.0) -> None:
        """Try once to deliver every pending command now (relinquishes at shutdown)."""
        ...

    async def aclose(self) -> None:
        """Release the connections it holds (after the last flush at shutdown)."""
        ...


@dataclass
class PendingWrites:
    """Commands waiting to be sent: the latest per point and priority wins.

    Keyed by point *and* priority: a redeploy that moves a point to another
    priority sends the relinquish of the old slot and the command of the new one,
    not just the last of the two.
    """

    _by_slot: dict[tuple[str, int], PointWrite] = field(default_factory=dict)

    def put(self, writes: Iterable[PointWrite]) -> None:
        for write in writes:
            key = (write.point, write.priority)
            # re-inserting moves the slot to the end: older commands go first
            self._by_slot.pop(key, None)
            self._by_slot[key] = write

    def take(self, ready: Iterable[str] | None = None) -> list[PointWrite]:
        """Remove and return the pending commands (only of ``ready`` points, if given)."""
        if ready is None:
            keys = list(self._by_slot)
        else:
            wanted = set(ready)
            keys = [k for k in self._by_slot if k[0] in wanted]
        return [self._by_slot.pop(k) for k in keys]

    def put_back(self, writes: Iterable[PointWrite]) -> None:
        """Return undelivered commands, unless a newer one for the slot arrived meanwhile."""
        for write in writes:
            self._by_slot.setdefault((write.point, write.priority), write)

    def points(self) -> list[str]:
        return list(dict.fromkeys(k[0] for k in self._by_slot))

    def __len__(self) -> int:
        return len(self._by_slot)


@dataclass(frozen=True)
class Refusal:
    """A command the engine refused to send, and why."""

    write: PointWrite
    reason: str


@dataclass
class WriteGuard:
    """The bundle's constraints, checked on every command before it leaves the engine."""

    constraints: dict[str, PointConstraint] = field(default_factory=dict)
    _last: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Per point: (time, value) of the last number sent, for the rate-of-change limit."""

    def set_constraints(self, constraints: Iterable[PointConstraint]) -> None:
        self.constraints = {str(c.point): c for c in constraints}

    def check(self, write: PointWrite, now: float) -> str | None:
        """Why ``write`` must not be sent, or None when it may."""
        constraint = self.constraints.get(write.point)
        if constraint is None:
            return None
        if not constraint.allows_priority(write.priority):
            return (
                f"priority {write.priority} is outside the allowed "
                f"{constraint.min_priority}-{constraint.max_priority}"
            )
        value: Scalar | None = write.value
        if value is None or isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if constraint.min is not None and value < constraint.min:
            return f"{value} is below the minimum {constraint.min}"
        if constraint.max is not None and value > constraint.max:
            return f"{value} is above the maximum {constraint.max}"
        last = self._last.get(write.point)
        if constraint.max_rate_per_s is not None and last is not None and now > last[0]:
            rate = abs(value - last[1]) / (now - last[0])
            if rate > constraint.max_rate_per_s:
                return (
                    f"change from {last[1]} to {value} is {rate:.3g}/s, faster than "
                    f"{constraint.max_rate_per_s}/s"
                )
        return None

    def sent(self, write: PointWrite, now: float) -> None:
        """Record a command that was delivered."""
        if isinstance(write.value, int | float) and not isinstance(write.value, bool):
            self._last[write.point] = (now, float(write.value))

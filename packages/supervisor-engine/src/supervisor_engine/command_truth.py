"""Command truth: what the engine means each priority slot to hold, and what the device said.

Point outputs write on change, which is a throttle, not a delivery rule: a
device that reboots, an IoT service that restarts or an engine that
relinquished at shutdown all clear the device side while the engine's blocks
still believe their command stands (research: ``command-delivery.md``). The
:class:`CommandLedger` closes that gap the way supervisors do (Niagara's
*write on start / on up* and *max write time*), and goes one step further by
confirming each delivery against the priority slot the IoT service reads back:

- every command sent is recorded per ``(point, priority)``;
- a delivery is *confirmed* when the slot read back after the write holds the
  value (or, for a point without a priority array, its present value does);
- a confirmed command is due again after ``refresh_s`` (the periodic refresh);
  a failed or mismatched one after a short, growing retry delay;
- a relinquish stays in the ledger until the slot is seen empty, so a device
  that was offline when the engine let go does not keep our value forever;
- :meth:`CommandLedger.active` is the batch to re-assert after anything that
  may have cleared the device side.

The ledger does no I/O and keeps no clock: callers pass the monotonic time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bms_schemas import PointRef
from supervisor_engine.block import PointWrite, Role
from supervisor_engine.evaluator import FlowEvaluator

__all__ = [
    "CommandLedger",
    "CommandRecord",
    "UnconfirmedCommand",
    "device_of",
    "held_commands",
    "slot_holds",
]

Key = tuple[str, int]

DEFAULT_REFRESH_S = 600.0
"""Ten minutes: integrators' common Max Write Time for a supervisor's commands."""


def device_of(point: str) -> int | None:
    """The device instance of a point reference, or None when it names no BACnet device."""
    try:
        return PointRef.parse(point).device
    except (ValueError, TypeError):
        return None


_BINARY_WORDS = {"1": True, "active": True, "true": True, "0": False, "inactive": False,
                 "false": False}  # fmt: skip
"""How a binary slot may read back: a priority-array slot holds an enumerated (``"1"``)."""


def _binary(value: object) -> bool | None:
    if isinstance(value, bool | int):
        return bool(value)
    if isinstance(value, str):
        return _BINARY_WORDS.get(value.strip().lower())
    return None


def _same(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, bool) or isinstance(b, bool):
        # a binary point: True, 1, "1" and "active" all mean active
        x, y = _binary(a), _binary(b)
        return x is not None and x == y
    if isinstance(a, int | float) and isinstance(b, int | float):
        # a BACnet REAL holds about 7 significant digits
        return math.isclose(float(a), float(b), rel_tol=1e-5, abs_tol=1e-6)
    return a == b


def slot_holds(
    value: object,
    priority: int,
    priority_array: Sequence[object] | None,
    present_value: object = None,
) -> bool | None:
    """Whether what the device read back shows ``value`` at ``priority``.

    None when the read-back says nothing (no priority array, no present value):
    the write's acknowledgement is then all there is to go on.
    """
    if priority_array is not None and len(priority_array) >= priority:
        return _same(priority_array[priority - 1], value)
    if present_value is not None and value is not None:
        return _same(present_value, value)
    return None


def held_commands(flows: Iterable[FlowEvaluator], reason: str) -> list[PointWrite]:
    """What the point outputs of ``flows`` command now (their state), as writes to re-assert.

    An output that commands nothing (never written, or relinquished) gives none:
    its slot is let go already, or was never ours.
    """
    writes: list[PointWrite] = []
    for flow in flows:
        for node in flow.nodes:
            if node.block.role is not Role.POINT_OUTPUT:
                continue
            state = flow.context(node.node_id).state
            commanded = getattr(state, "commanded", None)
            if getattr(state, "has_commanded", False) and commanded is not None:
                writes.append(
                    PointWrite(node.bound.key, commanded, node.bound.priority, node.node_id, reason)
                )
    return writes


@dataclass
class CommandRecord:
    """One priority slot the engine commands (or is letting go of)."""

    write: PointWrite
    confirmed: bool = False
    """The last delivery was read back as holding."""
    confirmed_at: float | None = None
    failures: int = 0
    """Consecutive deliveries that failed or read back wrong."""
    problem: str | None = None
    due: float = math.inf
    """When to deliver again (refresh or retry); infinite while a delivery is pending."""


@dataclass(frozen=True)
class UnconfirmedCommand:
    """A command whose slot has not held the value for several deliveries in a row."""

    point: str
    priority: int
    value: object
    failures: int
    problem: str | None


class CommandLedger:
    """Every command the engine holds on the device side, and whether it is confirmed."""

    def __init__(
        self,
        *,
        refresh_s: float | None = DEFAULT_REFRESH_S,
        retry_initial_s: float = 2.0,
        retry_max_s: float = 60.0,
        persistent_after: int = 2,
    ) -> None:
        self.refresh_s = refresh_s
        self.retry_initial_s = retry_initial_s
        self.retry_max_s = retry_max_s
        self.persistent_after = persistent_after
        self._records: dict[Key, CommandRecord] = {}
        self.confirmations = 0
        self.mismatches = 0
        """Deliveries whose slot read back something else (all time)."""
        self.failures = 0
        """Deliveries the device refused or never answered (all time)."""

    # --- what is commanded ------------------------------------------------------------------

    def submitted(self, writes: Iterable[PointWrite]) -> None:
        """Commands handed to the adapter: they become the truth to hold, pending delivery."""
        for write in writes:
            key = (write.point, write.priority)
            record = self._records.get(key)
            if record is None:
                self._records[key] = CommandRecord(write)
            else:
                same = _same(record.write.value, write.value)
                record.write = write
                record.due = math.inf
                if not same:
                    record.confirmed = False

    def refused(self, write: PointWrite) -> None:
        """A command refused by a limit: the engine does not hold it, so it is not re-sent."""
        record = self._records.get((write.point, write.priority))
        if record is not None and record.write is write:
            del self._records[(write.point, write.priority)]

    def forget(self, points: Iterable[str] | None = None) -> None:
        """Drop records (all, or those of ``points``): nothing of them is held any more."""
        if points is None:
            self._records.clear()
            return
        gone = set(points)
        for key in [k for k in self._records if k[0] in gone]:
            del self._records[key]

    # --- what the device said ---------------------------------------------------------------

    def delivered(self, write: PointWrite, holds: bool | None, now: float) -> None:
        """The service wrote ``write``; ``holds`` is what the read-back showed (None: nothing)."""
        record = self._records.get((write.point, write.priority))
        if record is None or record.write is not write:
            return  # a newer command replaced it meanwhile; that one will be settled
        if holds is False:
            self.mismatches += 1
            self._failed(record, f"slot {write.priority} reads back another value", now)
            return
        self.confirmations += 1
        if write.value is None:  # let go, and the slot is empty: nothing more to hold
            del self._records[(write.point, write.priority)]
            return
        record.confirmed, record.confirmed_at = True, now
        record.failures, record.problem = 0, None
        record.due = now + self.refresh_s if self.refresh_s is not None else math.inf

    def failed(self, write: PointWrite, problem: str, now: float) -> None:
        """The device did not take ``write`` (offline, an error): try again later."""
        record = self._records.get((write.point, write.priority))
        if record is None or record.write is not write:
            return
        self.failures += 1
        self._failed(record, problem, now)

    def _failed(self, record: CommandRecord, problem: str, now: float) -> None:
        record.confirmed = False
        record.failures += 1
        record.problem = problem
        delay = min(self.retry_max_s, self.retry_initial_s * 2 ** min(record.failures - 1, 16))
        record.due = now + delay

    # --- what to send again -----------------------------------------------------------------

    def active(self, device: int | None = None) -> list[PointWrite]:
        """Every command held (relinquishes not yet confirmed included), optionally of one device."""
        return [
            r.write
            for r in self._records.values()
            if device is None or device_of(r.write.point) == device
        ]

    def take_due(self, now: float) -> list[PointWrite]:
        """Commands whose refresh or retry is due; they count as pending until settled."""
        due = [r for r in self._records.values() if r.due <= now]
        for record in due:
            record.due = math.inf
        return [r.write for r in due]

    def requeue(self, writes: Iterable[PointWrite]) -> None:
        """Commands handed back for delivery by a re-assert: pending until settled."""
        for write in writes:
            record = self._records.get((write.point, write.priority))
            if record is not None and record.write is write:
                record.due = math.inf

    def next_due(self) -> float:
        return min((r.due for r in self._records.values()), default=math.inf)

    # --- reports ------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._records)

    @property
    def held(self) -> int:
        """Commands (not relinquishes) held."""
        return sum(r.write.value is not None for r in self._records.values())

    @property
    def confirmed(self) -> int:
        return sum(r.confirmed for r in self._records.values())

    def unconfirmed(self) -> list[UnconfirmedCommand]:
        """Commands that failed or read back wrong ``persistent_after`` times in a row."""
        return [
            UnconfirmedCommand(
                r.write.point, r.write.priority, r.write.value, r.failures, r.problem
            )
            for r in self._records.values()
            if r.failures >= self.persistent_after
        ]

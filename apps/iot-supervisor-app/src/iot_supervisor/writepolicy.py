"""The write path's policy: every write to any device passes here before it is encoded and sent.

One module so that every protocol (BACnet today, Modbus next) is bound by the
same rules and no client can loosen them:

1. the priority: an integer 1-16, the default when omitted, 6 only when enabled;
2. the point: only a present value, only a writable point, a relinquish only on
   a commandable one;
3. the point's own limits, as the device declares them (BACnet
   ``min-pres-value``/``max-pres-value``, in :class:`PointInfo`): 150 % to a
   0-100 % valve is refused, naming the limit;
4. the configured interlocks (:mod:`iot_supervisor.interlocks`), every one that
   matches;
5. the per-point rate limit (token bucket), taken last so a refused write
   costs nothing.

Each step raises an :class:`~iot_supervisor.errors.IotError` that names the
field or the limit; the caller records it in the audit log.
"""

from __future__ import annotations

from bms_schemas import PointRef, Scalar
from bms_schemas.iot import PointInfo, WriteItem
from iot_supervisor.errors import InvalidPriorityError, ReservedPriorityError, WriteRefusedError
from iot_supervisor.interlocks import WriteGuard

RESERVED_PRIORITY = 6


class WritePolicy:
    """Checks one write against the priority rules, the point's limits and the interlocks."""

    def __init__(self, guard: WriteGuard, *, default_priority: int, allow_priority_6: bool) -> None:
        self.guard = guard
        self.default_priority = default_priority
        self.allow_priority_6 = allow_priority_6

    def priority(self, item: WriteItem) -> int:
        """The priority the write goes at; :class:`InvalidPriorityError` if not allowed."""
        priority = self.default_priority if item.priority is None else item.priority
        if isinstance(priority, bool) or not 1 <= priority <= 16:
            raise InvalidPriorityError(
                f"priority {priority} is outside 1-16", details={"priority": priority}
            )
        if priority == RESERVED_PRIORITY and not self.allow_priority_6:
            raise ReservedPriorityError(
                "priority 6 is reserved for minimum on/off time and is not enabled",
                details={"priority": priority},
            )
        return priority

    def check(self, item: WriteItem, info: PointInfo, priority: int) -> None:
        """Raise unless the point may take ``item.value`` at ``priority``."""
        point = item.point
        if point.property != "present-value" or point.index is not None:
            raise WriteRefusedError(f"{point}: only present-value can be written")
        if not info.writable or (item.value is None and not info.commandable):
            what = "relinquished" if item.value is None else "written"
            raise WriteRefusedError(f"{point}: {info.object_type} cannot be {what}")
        point_limits(point, info, item.value)
        self.guard.check(point, item.value, priority)

    def take_token(self, point: PointRef) -> None:
        """Consume the point's rate-limit token (after every other check passed)."""
        self.guard.take_token(point)

    def record(self, point: PointRef, value: Scalar | None) -> None:
        """Remember a written value for the rate-of-change interlock."""
        self.guard.record(point, value)


def point_limits(point: PointRef, info: PointInfo, value: Scalar | None) -> None:
    """Refuse a number outside the range the device itself declares for the point."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return
    unit = f" {info.unit_symbol}" if info.unit_symbol else ""
    if info.max_value is not None and value > info.max_value:
        raise WriteRefusedError(
            f"{point}: {value:g}{unit} is above the point's maximum {info.max_value:g}{unit} "
            "(its max-pres-value)",
            details={"point": str(point), "field": "value", "limit": "max-pres-value",
                     "max": info.max_value},
        )  # fmt: skip
    if info.min_value is not None and value < info.min_value:
        raise WriteRefusedError(
            f"{point}: {value:g}{unit} is below the point's minimum {info.min_value:g}{unit} "
            "(its min-pres-value)",
            details={"point": str(point), "field": "value", "limit": "min-pres-value",
                     "min": info.min_value},
        )  # fmt: skip

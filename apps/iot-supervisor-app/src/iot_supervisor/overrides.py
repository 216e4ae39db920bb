"""Operator overrides: values held at a priority, some with an end, kept in runtime.db.

An override is written like any other value (through the write policy); the
book remembers it so that ``GET /overrides`` can say who holds what and why,
and so that an override with a duration is relinquished when it ends: the
:class:`~iot_supervisor.service.Supervisor` asks :meth:`OverrideBook.due` on
each check and writes null at the override's priority. Because the book is
persisted, an override that ended while the service was down is relinquished
at the next start.

Any later write into the same slot ends the book's entry: a relinquish, or
another writer taking the slot (the override is no longer what the slot holds).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bms_schemas import PointRef
from bms_schemas.iot import Override, WriteItem
from iot_supervisor.store import RuntimeStore

Key = tuple[str, int]


class OverrideBook:
    """The active overrides, by (point, priority), mirrored in runtime.db."""

    def __init__(self, store: RuntimeStore, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock
        self._by_key: dict[Key, Override] = {}
        self._retry_at: dict[Key, datetime] = {}

    def load(self, overrides: list[Override]) -> None:
        self._by_key = {(str(o.point), o.priority): o for o in overrides}

    def written(self, item: WriteItem, priority: int, caller: str) -> Override | None:
        """Note a successful write: an override starts, or the slot's old one ends."""
        key = (str(item.point), priority)
        if not item.is_override or item.value is None:
            self.remove(key)
            return None
        now = self._clock()
        until = now + timedelta(seconds=item.duration_s) if item.duration_s is not None else None
        override = Override(
            point=item.point, value=item.value, priority=priority, caller=caller,
            reason=item.reason, since=now, until=until,
        )  # fmt: skip
        self._by_key[key] = override
        self._retry_at.pop(key, None)
        self._store.save_override(override)
        return override

    def remove(self, key: Key) -> None:
        if self._by_key.pop(key, None) is not None:
            self._store.delete_override(*key)
        self._retry_at.pop(key, None)

    def get(self, point: PointRef, priority: int) -> Override | None:
        return self._by_key.get((str(point), priority))

    def active(self) -> list[Override]:
        """Every override, soonest to end first, with the seconds left."""
        now = self._clock()
        found = [
            o.model_copy(
                update={
                    "remaining_s": max((o.until - now).total_seconds(), 0.0) if o.until else None
                }
            )
            for o in self._by_key.values()
        ]
        return sorted(found, key=lambda o: (o.until is None, o.until or now, str(o.point)))

    def due(self) -> list[Override]:
        """Overrides whose end has come (and that are not waiting to retry a failed relinquish)."""
        now = self._clock()
        return [
            o
            for key, o in self._by_key.items()
            if o.until is not None and o.until <= now and self._retry_at.get(key, now) <= now
        ]

    def retry_later(self, override: Override, delay_s: float) -> None:
        """A relinquish failed (device offline): try again after ``delay_s``."""
        key = (str(override.point), override.priority)
        self._retry_at[key] = self._clock() + timedelta(seconds=delay_s)

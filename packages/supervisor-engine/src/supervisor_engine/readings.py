"""The latest value of each point, also kept as plain tuples for compiled flows.

A :class:`~bms_schemas.PointValue` is a pydantic model: each attribute read goes
through pydantic's ``__getattr__`` hook and costs about as much as a whole inlined
block. A compiled flow reads every input's value, quality and time stamp on every
tick, so the adapter digests a value once, when it arrives, into a
``(value, quality rank, timestamp)`` tuple; the flows then read the tuples. The
mapping itself still holds the ``PointValue`` objects, for the interpreter, the
blocks and every other reader.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from bms_schemas import QUALITY_RANK, PointValue

__all__ = ["Digest", "Readings", "digest", "digests"]

Digest = tuple[Any, int | None, datetime | None]
"""(value, quality rank, timestamp) of one point value."""

UNREADABLE: Digest = (None, None, None)
"""The digest of something that is not a readable point value: compiled code that meets
it raises, and the block itself reads the original (and reports what is wrong with it)."""


def digest(sample: PointValue) -> Digest:
    """``(value, quality rank, timestamp)`` of ``sample``; :data:`UNREADABLE` if it has none."""
    try:
        return sample.value, QUALITY_RANK[sample.quality], sample.timestamp
    except Exception:  # a value the adapter should never hold: the block decides
        return UNREADABLE


def digests(snapshot: Mapping[str, PointValue], points: Iterable[str]) -> dict[str, Digest]:
    """The digests of ``points`` in ``snapshot`` (those it has), for a mapping without them."""
    if type(snapshot) is Readings:
        return snapshot.raw
    found: dict[str, Digest] = {}
    get = snapshot.get
    for point in points:
        sample = get(point)
        if sample is not None:
            found[point] = digest(sample)
    return found


class Readings(dict[str, PointValue]):
    """A ``dict`` of point values that keeps the digest of each one in :attr:`raw`.

    Only the mutators below keep the two in step; they are the ones a cache uses.
    """

    __slots__ = ("raw",)

    def __init__(self, values: Mapping[str, PointValue] | None = None) -> None:
        super().__init__()
        self.raw: dict[str, Digest] = {}
        for point, sample in (values or {}).items():
            self[point] = sample

    def __setitem__(self, point: str, sample: PointValue) -> None:
        super().__setitem__(point, sample)
        self.raw[point] = digest(sample)

    def __delitem__(self, point: str) -> None:
        super().__delitem__(point)
        del self.raw[point]

    def clear(self) -> None:
        super().clear()
        self.raw.clear()

    def pop(self, point: str, *default: Any) -> Any:
        self.raw.pop(point, None)
        return super().pop(point, *default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for point, sample in dict(*args, **kwargs).items():
            self[point] = sample

    def setdefault(self, point: str, default: PointValue) -> PointValue:
        if point not in self:
            self[point] = default
        return self[point]

    def popitem(self) -> tuple[str, PointValue]:
        point, sample = super().popitem()
        self.raw.pop(point, None)
        return point, sample

    def __ior__(self, other: Any) -> Readings:  # type: ignore[override,misc]
        self.update(other)
        return self

"""Downsampling the value log into buckets for charts (see :mod:`bms_schemas.history`).

The log holds a row per change, so a value is *in force* from its row until
the next. A bucket's min and max are taken over every value logged in it and
the value carried in from before it (if that held for any time inside the
bucket), so neither a one-sample spike nor a long plateau is lost; its mean is
weighted by how long each value was in force.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bms_schemas import Quality, Scalar
from bms_schemas.history import HistoryBucket, HistorySample, SeriesKind


@dataclass(frozen=True)
class LogRow:
    """A row of ``value_log``."""

    at: float
    value: Scalar | None
    quality: str

    @classmethod
    def from_db(cls, at: float, value: str | None, quality: str) -> LogRow:
        return cls(at, json.loads(value) if value is not None else None, quality)

    def sample(self) -> HistorySample:
        return HistorySample(
            at=datetime.fromtimestamp(self.at, UTC), value=self.value, quality=Quality(self.quality)
        )


def numeric(value: Scalar | None) -> float | None:
    """A value as a number to plot: booleans as 0 and 1; text and null as nothing."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    return None


def kind_of(values: Sequence[Scalar | None]) -> SeriesKind:
    if any(isinstance(v, bool) for v in values):
        return SeriesKind.BOOL
    if any(isinstance(v, int | float) for v in values):
        return SeriesKind.NUMBER
    if any(isinstance(v, str) for v in values):
        return SeriesKind.TEXT
    return SeriesKind.EMPTY


def downsample(
    before: LogRow | None, rows: Sequence[LogRow], start: float, end: float, buckets: int
) -> list[HistoryBucket]:
    """``buckets`` equal slices of ``[start, end)``; ``rows`` sorted by time, inside the range."""
    width = (end - start) / buckets
    current: Scalar | None = before.value if before is not None else None
    i = 0
    out: list[HistoryBucket] = []
    for b in range(buckets):
        b0 = start + b * width
        b1 = end if b == buckets - 1 else b0 + width
        seen: list[float] = []
        weighted = covered = 0.0
        t = b0
        count = 0
        while i < len(rows) and rows[i].at < b1:
            row = rows[i]
            carried = numeric(current)
            if carried is not None and row.at > t:
                seen.append(carried)
                weighted += carried * (row.at - t)
                covered += row.at - t
            current, t = row.value, max(t, row.at)
            count += 1
            i += 1
            if (logged := numeric(current)) is not None:
                seen.append(logged)
        tail = numeric(current)
        if tail is not None and b1 > t:
            if count == 0:
                seen.append(tail)
            weighted += tail * (b1 - t)
            covered += b1 - t
        out.append(
            HistoryBucket(
                start=datetime.fromtimestamp(b0, UTC),
                count=count,
                min=min(seen) if seen else None,
                max=max(seen) if seen else None,
                avg=weighted / covered if covered > 0 else (seen[-1] if seen else None),
                last=current,
            )
        )
    return out

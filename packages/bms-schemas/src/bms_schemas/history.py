"""Value history: the IoT service's value log, downsampled for charts.

The log records a point when its value or quality changes, so an interval with
no record means "unchanged": a bucket without samples carries the last value
forward (``count`` 0), and ``before`` is the value in force when the range
starts. Each bucket keeps min, max and mean, so a spike inside a bucket still
shows in a chart of a few hundred buckets.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from bms_schemas._base import BmsModel
from bms_schemas.points import PointRef
from bms_schemas.values import Quality, Scalar


class SeriesKind(StrEnum):
    """What a series' values are: how a chart should draw them."""

    NUMBER = "number"
    BOOL = "bool"
    """Drawn as steps; min/max/avg are of 0 and 1."""
    TEXT = "text"
    """No numbers to plot; only ``last`` is meaningful."""
    EMPTY = "empty"
    """Nothing logged in or before the range."""


class HistorySample(BmsModel):
    """One logged value."""

    at: datetime
    value: Scalar | None
    quality: Quality


class HistoryBucket(BmsModel):
    """One slice of the range."""

    start: datetime = Field(description="Start of the bucket (it lasts ``bucketS``).")
    count: int = Field(ge=0, description="Samples logged in the bucket; 0 = value carried over.")
    min: float | None = Field(description="Lowest numeric value in force during the bucket.")
    max: float | None = Field(description="Highest numeric value in force during the bucket.")
    avg: float | None = Field(description="Mean of the numeric values logged (or carried).")
    last: Scalar | None = Field(description="The value in force at the end of the bucket.")


class PointHistory(BmsModel):
    """The downsampled history of one point."""

    point: PointRef
    name: str | None = Field(
        default=None, description="The object's name, when the point is known."
    )
    unit_symbol: str | None = Field(default=None, description="Display symbol of its unit.")
    state_texts: tuple[str, ...] | None = Field(default=None, description="Multi-state texts.")
    kind: SeriesKind
    before: HistorySample | None = Field(description="The last value logged before the range.")
    samples: int = Field(ge=0, description="Values logged inside the range.")
    buckets: tuple[HistoryBucket, ...]


class HistoryResponse(BmsModel):
    """Histories of the requested points over one range, on the same buckets."""

    start: datetime
    end: datetime
    bucket_s: float = Field(gt=0, description="Length of every bucket, in seconds.")
    retention_s: float = Field(gt=0, description="How long the service keeps its value log.")
    series: tuple[PointHistory, ...]

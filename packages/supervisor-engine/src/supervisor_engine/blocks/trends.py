"""Trend log: samples of a signal in a bounded ring buffer kept in the node's state.

Each sample is ``[epoch_seconds, value, quality]`` (the tick's wall time, the
value or null, the quality name). The buffer lives in the node's persisted
state, so the engine's API reads it from there (:meth:`TrendState.samples`,
oldest first) and it survives a restart; ``capacity`` bounds its size.

- ``interval`` mode records on the first tick at or after each multiple of
  ``intervalS`` of Unix time (a 900 s log records at :00, :15, :30, :45);
  missed intervals are not replayed.
- ``cov`` mode records the first sample, then whenever a number moves more
  than ``covTolerance`` from the last recorded one, any other value changes,
  or the quality changes.

When full, ``roll`` overwrites the oldest sample and ``stop`` records no more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, model_validator

from bms_schemas import StateClass, ValueType
from supervisor_engine.block import BlockContext, BlockType
from supervisor_engine.blocks._params import TypedParams
from supervisor_engine.blocks._ports import BOOL, INTEGER, port
from supervisor_engine.quality import OK, quality_of
from supervisor_engine.units import in_unit

MAX_CAPACITY = 10_000


class TrendMode(StrEnum):
    """When a trend log records."""

    INTERVAL = "interval"
    COV = "cov"


class FullPolicy(StrEnum):
    """What a full trend log does."""

    ROLL = "roll"
    STOP = "stop"


class TrendLogParams(TypedParams):
    """Parameters of a trend log."""

    mode: TrendMode = Field(default=TrendMode.INTERVAL, description="interval or cov.")
    interval_s: Annotated[float, in_unit("s")] = Field(
        default=900.0, ge=1, le=86400, description="Interval mode: seconds between samples."
    )
    cov_tolerance: float = Field(
        default=0.0, ge=0, description="COV mode: how far a number must move to be recorded."
    )
    capacity: int = Field(default=1000, ge=1, le=MAX_CAPACITY, description="Most samples kept.")
    full_policy: FullPolicy = Field(
        default=FullPolicy.ROLL, description="roll: drop the oldest; stop: record no more."
    )

    @model_validator(mode="after")
    def _recordable(self) -> TrendLogParams:
        if self.value_type is ValueType.STRING:
            raise ValueError("a trend log records bool, number, integer or enum values")
        return self


@dataclass
class TrendState:
    """The ring buffer and when the next interval sample is due (persisted)."""

    buffer: list[list[Any]] = field(default_factory=list)
    """Samples ``[epoch_s, value, quality]``; once full, ``start`` is the oldest."""
    start: int = 0
    next_due: float | None = None
    """Interval mode: wall epoch seconds of the next sample."""

    def samples(self) -> list[list[Any]]:
        """The samples, oldest first."""
        return self.buffer[self.start :] + self.buffer[: self.start]

    def append(self, sample: list[Any], capacity: int, policy: FullPolicy) -> None:
        """Add a sample, rolling over or refusing it when full."""
        if len(self.buffer) > capacity:  # capacity was lowered by a redeploy: keep the newest
            self.buffer, self.start = self.samples()[-capacity:], 0
        if len(self.buffer) < capacity:
            self.buffer.append(sample)
        elif policy is FullPolicy.ROLL:
            self.buffer[self.start] = sample
            self.start = (self.start + 1) % capacity


def _differs(p: TrendLogParams, last: list[Any], value: Any, quality: str) -> bool:
    old = last[1]
    if last[2] != quality or (old is None) != (value is None):
        return True
    if isinstance(value, float | int) and not isinstance(value, bool) and old is not None:
        return bool(abs(value - old) > p.cov_tolerance)
    return bool(value != old)


def _trend_log(
    ctx: BlockContext[TrendLogParams, TrendState], ins: tuple[Any, Any], qs: tuple[int, int]
) -> tuple[int, int]:
    p, s = ctx.params, ctx.state
    value, enable = ins
    if enable is not False:
        t = ctx.tick.wall.timestamp()
        quality = quality_of(qs[0]).value
        if p.mode is TrendMode.INTERVAL:
            if s.next_due is None:
                s.next_due = math.ceil(t / p.interval_s) * p.interval_s
            record = t >= s.next_due
            if record:
                s.next_due = (math.floor(t / p.interval_s) + 1) * p.interval_s
        else:
            last = s.buffer[s.start - 1] if s.buffer else None
            record = last is None or _differs(p, last, value, quality)
        if record:
            s.append([t, value, quality], p.capacity, p.full_policy)
    return len(s.buffer), OK


TREND_BLOCKS: tuple[BlockType[Any], ...] = (
    BlockType(
        type="alarm.trend-log", title="Trend log", category="alarm",
        doc="Records a signal at intervals or on change into a bounded, persisted ring buffer.",
        inputs=(
            port("in", type_param="valueType", doc="The signal to record."),
            port("enable", BOOL, required=False, default=True, doc="False pauses recording."),
        ),
        outputs=(port("count", INTEGER, doc="Samples in the log."),),
        params=TrendLogParams, evaluate=_trend_log, quality_aware=True,
        init_state=lambda _p: TrendState(), state_type=TrendState,
        state_class=StateClass.PERSISTED,
    ),
)  # fmt: skip

"""Write interlocks and per-point rate limits, configured on the service side.

An interlock matches points by a glob on the canonical point reference
(``1001/analog-value,*/present-value``) and narrows what may be written. Every
matching interlock applies, so a client can never loosen one by matching a
second; the API has no way to change them.
"""

from __future__ import annotations

import fnmatch
import math
import time
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

from bms_schemas import PointRef, Scalar
from iot_supervisor.errors import RateLimitedError, WriteRefusedError


class Interlock(BaseModel):
    """Limits on the points whose canonical reference matches ``pattern``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pattern: str = Field(description="Glob on the canonical point reference.")
    read_only: bool = Field(default=False, description="Refuse every write.")
    min: float | None = Field(default=None, description="Lowest value that may be written.")
    max: float | None = Field(default=None, description="Highest value that may be written.")
    max_rate_per_s: float | None = Field(
        default=None, gt=0, description="Largest change per second between two written values."
    )
    priorities: tuple[int, ...] | None = Field(
        default=None, description="Priorities that may be written; all valid ones when omitted."
    )

    def matches(self, point: PointRef) -> bool:
        return fnmatch.fnmatchcase(str(point), self.pattern)


class WriteGuard:
    """Checks a write against the interlocks and the point's rate limit."""

    def __init__(
        self,
        interlocks: tuple[Interlock, ...],
        *,
        rate_per_s: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._interlocks = interlocks
        self._rate = rate_per_s
        self._burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._last_written: dict[str, tuple[float, float]] = {}

    def check(self, point: PointRef, value: Scalar | None, priority: int) -> None:
        """Raise :class:`WriteRefusedError` when any matching interlock forbids the write."""
        now = self._clock()
        for lock in self._interlocks:
            if not lock.matches(point):
                continue
            why = self._refusal(lock, point, value, priority, now)
            if why is not None:
                raise WriteRefusedError(
                    f"{point}: {why} (interlock {lock.pattern!r})",
                    details={"point": str(point), "interlock": lock.pattern},
                )

    def _refusal(
        self, lock: Interlock, point: PointRef, value: Scalar | None, priority: int, now: float
    ) -> str | None:
        if lock.read_only:
            return "the point is read-only"
        if lock.priorities is not None and priority not in lock.priorities:
            return f"priority {priority} is not allowed, only {list(lock.priorities)}"
        if value is None or isinstance(value, bool) or not isinstance(value, int | float):
            return None
        number = float(value)
        if lock.min is not None and number < lock.min:
            return f"value {number:g} is below the minimum {lock.min:g}"
        if lock.max is not None and number > lock.max:
            return f"value {number:g} is above the maximum {lock.max:g}"
        last = self._last_written.get(str(point))
        if lock.max_rate_per_s is not None and last is not None:
            elapsed = max(now - last[1], 1e-9)
            rate = abs(number - last[0]) / elapsed
            if rate > lock.max_rate_per_s:
                return f"change of {rate:.3g}/s is above the limit {lock.max_rate_per_s:g}/s"
        return None

    def take_token(self, point: PointRef) -> None:
        """Consume one write from the point's token bucket or raise :class:`RateLimitedError`."""
        if math.isinf(self._rate):
            return
        key = str(point)
        now = self._clock()
        tokens, at = self._buckets.get(key, (self._burst, now))
        tokens = min(self._burst, tokens + (now - at) * self._rate)
        if tokens < 1.0:
            raise RateLimitedError(
                f"{point} is written faster than {self._rate:g} writes/s",
                details={"point": key, "retry_after_s": (1.0 - tokens) / self._rate},
            )
        self._buckets[key] = (tokens - 1.0, now)

    def record(self, point: PointRef, value: Scalar | None) -> None:
        """Remember a written number for the rate-of-change interlock."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            self._last_written[str(point)] = (float(value), self._clock())

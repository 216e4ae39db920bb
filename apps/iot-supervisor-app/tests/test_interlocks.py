"""Interlocks and rate limits, on a virtual clock."""

from __future__ import annotations

import pytest

from bms_schemas import PointRef
from iot_supervisor.errors import RateLimitedError, WriteRefusedError
from iot_supervisor.interlocks import Interlock, WriteGuard

P = PointRef.parse("1001/analog-value,2/present-value")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_every_matching_interlock_applies() -> None:
    guard = WriteGuard(
        (
            Interlock(pattern="1001/*", max=30.0),
            Interlock(pattern="1001/analog-value,2/*", min=15.0, priorities=(8, 10)),
        ),
        rate_per_s=10,
        burst=10,
    )
    guard.check(P, 20.0, 8)
    with pytest.raises(WriteRefusedError, match="above the maximum"):
        guard.check(P, 31.0, 8)
    with pytest.raises(WriteRefusedError, match="below the minimum"):
        guard.check(P, 14.0, 8)
    with pytest.raises(WriteRefusedError, match="priority 9"):
        guard.check(P, 20.0, 9)
    guard.check(P, None, 8)  # a relinquish is never out of range
    guard.check(PointRef.parse("1002/analog-value,2"), 99.0, 9)  # no interlock matches


def test_max_rate_of_change() -> None:
    clock = Clock()
    guard = WriteGuard(
        (Interlock(pattern="*", max_rate_per_s=1.0),), rate_per_s=10, burst=10, clock=clock
    )
    guard.check(P, 20.0, 8)
    guard.record(P, 20.0)
    clock.now = 2.0
    guard.check(P, 21.5, 8)
    with pytest.raises(WriteRefusedError, match="change of"):
        guard.check(P, 23.0, 8)


def test_read_only() -> None:
    guard = WriteGuard((Interlock(pattern="1001/*", read_only=True),), rate_per_s=1, burst=1)
    with pytest.raises(WriteRefusedError, match="read-only"):
        guard.check(P, None, 8)


def test_rate_limit_token_bucket() -> None:
    clock = Clock()
    guard = WriteGuard((), rate_per_s=2.0, burst=3, clock=clock)
    for _ in range(3):
        guard.take_token(P)
    with pytest.raises(RateLimitedError) as err:
        guard.take_token(P)
    assert err.value.status == 429
    clock.now = 0.5  # one token back at 2/s
    guard.take_token(P)
    guard.take_token(PointRef.parse("1001/analog-value,3"))  # buckets are per point

"""The clocks: the virtual one moves only when told; the real one sleeps to deadlines."""

from __future__ import annotations

import asyncio
import math
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from supervisor_engine.clock import DEFAULT_WALL_START, Clock, RealClock, VirtualClock


def test_virtual_clock_starts_where_told() -> None:
    clock = VirtualClock(start=12.5, wall_start=datetime(2024, 6, 1, 8, 0, tzinfo=UTC))
    assert clock.monotonic() == 12.5
    assert clock.now() == datetime(2024, 6, 1, 8, 0, tzinfo=UTC)


def test_virtual_clock_defaults() -> None:
    clock = VirtualClock()
    assert clock.monotonic() == 0.0
    assert clock.now() == DEFAULT_WALL_START == datetime(2025, 1, 1, tzinfo=UTC)


def test_advance_and_advance_to_move_both_scales() -> None:
    clock = VirtualClock(start=100.0)
    clock.advance(1.5)
    assert clock.monotonic() == 101.5
    assert clock.now() == DEFAULT_WALL_START + timedelta(seconds=1.5)
    clock.advance_to(200.0)
    assert clock.monotonic() == 200.0
    clock.advance_to(200.0)  # standing still is allowed
    clock.advance(0.0)
    assert clock.monotonic() == 200.0


@pytest.mark.parametrize("seconds", [-0.001, -1.0, math.nan, math.inf])
def test_advance_refuses_negative_and_non_finite(seconds: float) -> None:
    clock = VirtualClock(start=5.0)
    with pytest.raises(ValueError, match="cannot advance"):
        clock.advance(seconds)
    assert clock.monotonic() == 5.0


@pytest.mark.parametrize("t", [4.999, -1.0, math.nan, math.inf])
def test_advance_to_refuses_going_back_and_non_finite(t: float) -> None:
    clock = VirtualClock(start=5.0)
    with pytest.raises(ValueError, match="cannot move"):
        clock.advance_to(t)
    assert clock.monotonic() == 5.0


def test_wall_at_maps_any_monotonic_instant() -> None:
    clock = VirtualClock(start=10.0, wall_start=datetime(2025, 3, 1, tzinfo=UTC))
    assert clock.wall_at(10.0) == datetime(2025, 3, 1, tzinfo=UTC)
    assert clock.wall_at(70.25) == datetime(2025, 3, 1, 0, 1, 0, 250000, tzinfo=UTC)
    assert clock.wall_at(9.0) == datetime(2025, 2, 28, 23, 59, 59, tzinfo=UTC)
    assert clock.monotonic() == 10.0  # mapping does not move the clock


def test_wall_start_must_be_aware_and_is_kept_in_utc() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        VirtualClock(wall_start=datetime(2025, 1, 1))  # naive on purpose
    cet = timezone(timedelta(hours=1))
    clock = VirtualClock(wall_start=datetime(2025, 1, 1, 1, 0, tzinfo=cet))
    assert clock.now() == datetime(2025, 1, 1, tzinfo=UTC)
    assert clock.now().tzinfo is UTC


def test_start_must_be_finite() -> None:
    with pytest.raises(ValueError, match="finite"):
        VirtualClock(start=math.nan)


def test_virtual_sleep_until_jumps_to_the_deadline_and_yields() -> None:
    clock = VirtualClock()
    order: list[str] = []

    async def other() -> None:
        order.append("other")

    async def main() -> None:
        task = asyncio.ensure_future(other())
        await clock.sleep_until(3600.0)  # an hour, instantly
        order.append("sleeper")
        await task

    asyncio.run(main())
    assert clock.monotonic() == 3600.0
    assert order == ["other", "sleeper"]  # the sleep yielded to the other task


def test_virtual_sleep_until_a_past_deadline_does_not_go_back() -> None:
    clock = VirtualClock(start=50.0)
    asyncio.run(clock.sleep_until(10.0))
    assert clock.monotonic() == 50.0


def test_virtual_sleep_until_infinity_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot sleep"):
        asyncio.run(VirtualClock().sleep_until(math.inf))


def test_both_clocks_satisfy_the_protocol() -> None:
    clocks: list[Clock] = [RealClock(), VirtualClock()]
    for clock in clocks:
        assert clock.now().tzinfo is UTC
        assert clock.wall_at(clock.monotonic()).tzinfo is UTC


def test_real_clock_reads_the_system_clocks() -> None:
    clock = RealClock()
    before = time.monotonic()
    t = clock.monotonic()
    assert before <= t <= time.monotonic()
    assert clock.monotonic() >= t
    now = clock.now()
    assert now.tzinfo is UTC
    # Generous bounds: this checks the mapping's sign and scale, not the machine's speed.
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)
    assert abs(clock.wall_at(clock.monotonic()) - datetime.now(UTC)) < timedelta(seconds=5)
    assert clock.wall_at(clock.monotonic() - 3600) < datetime.now(UTC) - timedelta(minutes=59)


def test_real_sleep_until_a_past_deadline_returns_and_yields() -> None:
    # No real sleeping: the deadline has passed, so only the final yield happens.
    clock = RealClock()
    order: list[str] = []

    async def other() -> None:
        order.append("other")

    async def main() -> None:
        task = asyncio.ensure_future(other())
        await clock.sleep_until(clock.monotonic() - 1.0)
        order.append("sleeper")
        await task

    asyncio.run(main())
    assert order == ["other", "sleeper"]

"""UTC time, and datetimes read back from databases that drop the zone (SQLite)."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current UTC time."""
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """``value`` with UTC as its zone if the database returned it naive."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)

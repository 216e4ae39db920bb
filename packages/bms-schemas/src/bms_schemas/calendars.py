"""Shared calendars that schedule blocks refer to by name (holidays, closures)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, model_validator

from bms_schemas._base import BmsModel


class DateEntry(BmsModel):
    """One calendar day."""

    kind: Literal["date"] = "date"
    date: date


class DateRangeEntry(BmsModel):
    """Every day from ``start`` to ``end``, both included."""

    kind: Literal["range"] = "range"
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> DateRangeEntry:
        if self.end < self.start:
            raise ValueError(f"range ends ({self.end}) before it starts ({self.start})")
        return self


class WeekNDayEntry(BmsModel):
    """A rule such as 'the 4th Thursday of November' (BACnet WeekNDay)."""

    kind: Literal["week-n-day"] = "week-n-day"
    month: int | None = Field(
        default=None, ge=1, le=12, description="1-12, or null for every month."
    )
    week: int | Literal["last"] | None = Field(
        default=None,
        description="1-5 for the n-th such weekday of the month, 'last', or null for any.",
    )
    weekday: int | None = Field(
        default=None, ge=1, le=7, description="ISO weekday, 1 = Monday, or null for any day."
    )

    @model_validator(mode="after")
    def _week_in_range(self) -> WeekNDayEntry:
        if isinstance(self.week, int) and not 1 <= self.week <= 5:
            raise ValueError(f"week must be 1-5 or 'last', not {self.week}")
        return self


CalendarEntry = Annotated[DateEntry | DateRangeEntry | WeekNDayEntry, Field(discriminator="kind")]


class Calendar(BmsModel):
    """A named set of dates."""

    entries: tuple[CalendarEntry, ...] = Field(default=(), description="Dates, ranges and rules.")


class BundleSchedules(BmsModel):
    """Time data shared by the blocks of a bundle."""

    calendars: dict[str, Calendar] = Field(
        default_factory=dict, description="Shared calendars by name, referenced by schedule blocks."
    )

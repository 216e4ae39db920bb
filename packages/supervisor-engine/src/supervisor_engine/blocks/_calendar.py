"""Dates and local times for the schedule blocks: calendar matching and DST-safe instants.

Schedules are written in local time of an IANA zone; blocks see UTC instants
(``ctx.tick.wall``). :func:`local_instant` turns a local (date, time of day)
into exactly one instant, whatever daylight saving does that day:

- a time inside a spring-forward gap (02:30 on the day clocks jump from 02:00
  to 03:00) happens at the first valid instant after the gap (03:00);
- a time inside a fall-back overlap (01:30 on the day 01:00-02:00 repeats)
  happens once, at its first occurrence (``fold=0``).
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bms_schemas import Calendar, CalendarEntry, DateEntry, DateRangeEntry, WeekNDayEntry


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The IANA zone of that name (``ZoneInfoNotFoundError`` / ``ValueError`` if unknown)."""
    return ZoneInfo(name)


def check_timezone(name: str) -> str:
    """Validate an IANA zone name for a parameter model; returns it unchanged."""
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ValueError(f"{name!r} is not an IANA time zone (e.g. 'Europe/Berlin')") from err
    return name


def local_date(instant: float, tz: ZoneInfo) -> date:
    """The local calendar date of an epoch instant."""
    return datetime.fromtimestamp(instant, tz).date()


def local_instant(day: date, at: time, tz: ZoneInfo) -> float:
    """Epoch seconds of local ``day`` at ``at`` in ``tz`` (see the module doc for DST)."""
    local = datetime.combine(day, at, tzinfo=tz)  # fold=0: the first of a repeated time
    instant = local.timestamp()
    if datetime.fromtimestamp(instant, tz).replace(tzinfo=None) == local.replace(tzinfo=None):
        return instant
    # A skipped local time. fold=1 maps it with the offset after the jump (an
    # instant before the gap), fold=0 with the offset before it (an instant after
    # it): the gap's end, where the offset changes, lies between. Zone rules change
    # on whole seconds, so a bisection over integers finds it exactly.
    lo = math.floor(local.replace(fold=1).timestamp())
    hi = math.ceil(instant)
    after = datetime.fromtimestamp(hi, tz).utcoffset()
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    return float(hi)


def entry_matches(entry: CalendarEntry, day: date) -> bool:
    """Whether a calendar entry (date, range or week-n-day rule) contains ``day``.

    A week-n-day ``week`` n is the n-th such weekday of the month (days
    7(n-1)+1 .. 7n, as BACnet's WeekNDay counts); ``"last"`` is the last seven
    days of the month.
    """
    if isinstance(entry, DateEntry):
        return entry.date == day
    if isinstance(entry, DateRangeEntry):
        return entry.start <= day <= entry.end
    assert isinstance(entry, WeekNDayEntry)
    if entry.month is not None and entry.month != day.month:
        return False
    if entry.weekday is not None and entry.weekday != day.isoweekday():
        return False
    if entry.week is None:
        return True
    if entry.week == "last":
        return day.day > _stdlib_calendar.monthrange(day.year, day.month)[1] - 7
    return (day.day - 1) // 7 + 1 == entry.week


def calendar_matches(entries: Iterable[CalendarEntry], day: date) -> bool:
    """Whether any entry contains ``day``."""
    return any(entry_matches(e, day) for e in entries)


def resolve_calendars(
    names: Iterable[str], calendars: Mapping[str, Calendar]
) -> tuple[dict[str, Calendar], list[str]]:
    """The shared calendars these names refer to, and the names the bundle does not define."""
    found: dict[str, Calendar] = {}
    missing: list[str] = []
    for name in names:
        if name in calendars:
            found[name] = calendars[name]
        elif name not in missing:
            missing.append(name)
    return found, missing


def missing_message(missing: list[str], calendars: Mapping[str, Calendar]) -> str:
    """A clear fault message for calendar references the bundle does not define."""
    defined = ", ".join(repr(n) for n in sorted(calendars)) or "none"
    names = ", ".join(repr(n) for n in missing)
    return (
        f"refers to calendar(s) {names}, which the bundle's schedules.calendars does not "
        f"define (defined: {defined})"
    )

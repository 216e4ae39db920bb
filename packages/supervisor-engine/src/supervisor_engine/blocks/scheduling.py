"""Scheduling: weekly schedules, calendars, optimal start.

Semantics of a weekly schedule (BACnet Schedule, Niagara weekly schedules):
each local day starts at the ``default`` value; the day's transitions (time of
day -> value, ``null`` = back to the default) then apply in order. The day's
transitions are those of the first special event that matches the date, else
the weekday's. Times are local to the schedule's IANA zone and are turned into
instants DST-safely (see :mod:`supervisor_engine.blocks._calendar`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator, model_validator

from bms_schemas import Calendar, CalendarEntry, ValueType
from supervisor_engine.block import BlockContext, BlockEnv, BlockType, Params
from supervisor_engine.blocks._calendar import (
    calendar_matches,
    check_timezone,
    entry_matches,
    local_date,
    local_instant,
    missing_message,
    resolve_calendars,
    zone,
)
from supervisor_engine.blocks._params import check_value_type
from supervisor_engine.blocks._ports import BOOL, TIMESTAMP, port
from supervisor_engine.blocks.optimal_start import OPTIMAL_START_BLOCKS
from supervisor_engine.quality import OK

SEARCH_DAYS = 400
"""How far ahead the next transition is looked for (past a year of special events)."""

_SCHEDULE_TYPES = (ValueType.BOOL, ValueType.NUMBER, ValueType.INTEGER, ValueType.ENUM)

ScheduleValue = bool | int | float
TimeOfDay = time  # the alias keeps the type reachable inside models with a 'time' field


class Transition(Params):
    """From ``time`` (local) on, the schedule's value is ``value``."""

    time: TimeOfDay = Field(description="Local time of day, 'HH:MM' or 'HH:MM:SS'.")
    value: ScheduleValue | None = Field(
        description="The value from this time on; null returns to the schedule's default."
    )

    @field_validator("time")
    @classmethod
    def _naive(cls, value: TimeOfDay) -> TimeOfDay:
        if value.tzinfo is not None:
            raise ValueError("a time of day is local to the schedule's timezone; give no offset")
        return value


Transitions = tuple[Transition, ...]


class CalendarRef(Params):
    """Matches the days of a shared calendar of the bundle (``schedules.calendars``)."""

    kind: Literal["calendar"] = "calendar"
    calendar: str = Field(min_length=1, description="Name of the bundle's shared calendar.")


EventDate = Annotated[CalendarEntry | CalendarRef, Field(discriminator="kind")]


class SpecialEvent(Params):
    """A day rule whose transitions replace the weekday's on the days it matches."""

    name: str = Field(default="", description="What the event is (a holiday, a closure).")
    when: EventDate = Field(
        description="A date, a date range, a week-n-day rule or a shared calendar by name."
    )
    transitions: Transitions = Field(
        default=(), description="The day's transitions; none makes the whole day the default."
    )


class WeekTransitions(Params):
    """Transitions of each weekday."""

    monday: Transitions = Field(default=(), description="Monday's transitions.")
    tuesday: Transitions = Field(default=(), description="Tuesday's transitions.")
    wednesday: Transitions = Field(default=(), description="Wednesday's transitions.")
    thursday: Transitions = Field(default=(), description="Thursday's transitions.")
    friday: Transitions = Field(default=(), description="Friday's transitions.")
    saturday: Transitions = Field(default=(), description="Saturday's transitions.")
    sunday: Transitions = Field(default=(), description="Sunday's transitions.")

    def of(self, day: date) -> Transitions:
        """The transitions of ``day``'s weekday."""
        days = (self.monday, self.tuesday, self.wednesday, self.thursday, self.friday)
        return (*days, self.saturday, self.sunday)[day.weekday()]


class WeeklyScheduleParams(Params):
    """Parameters of a weekly schedule."""

    value_type: ValueType = Field(
        default=ValueType.BOOL, description="bool, number, integer or enum (state number)."
    )
    timezone: str = Field(description="IANA time zone of the times, e.g. 'America/New_York'.")
    default: ScheduleValue = Field(description="Value of each day before its first transition.")
    week: WeekTransitions = Field(
        default_factory=WeekTransitions, description="Transitions of each weekday."
    )
    special_events: tuple[SpecialEvent, ...] = Field(
        default=(), description="Exceptions, in priority order: the first that matches a day wins."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return check_timezone(value)

    @model_validator(mode="after")
    def _consistent(self) -> WeeklyScheduleParams:
        if self.value_type not in _SCHEDULE_TYPES:
            raise ValueError(f"valueType must be one of {[t.value for t in _SCHEDULE_TYPES]}")
        check_value_type(self.default, self.value_type, "default")
        days = [(name, getattr(self.week, name)) for name in WeekTransitions.model_fields]
        days += [(f"specialEvents[{i}]", e.transitions) for i, e in enumerate(self.special_events)]
        for where, transitions in days:
            times = [t.time for t in transitions]
            if times != sorted(set(times)):
                raise ValueError(f"{where}: transition times must be strictly increasing")
            for t in transitions:
                if t.value is not None:
                    check_value_type(t.value, self.value_type, f"{where} value at {t.time}")
        return self


@dataclass
class _ScheduleBinding:
    """The node's zone and calendars, plus a cache of its current segment (never saved)."""

    tz: ZoneInfo
    calendars: dict[str, Calendar]
    error: str | None
    # The value is constant on [valid_from, valid_until): recomputed only on leaving it.
    valid_from: float = float("inf")
    valid_until: float = float("-inf")
    outputs: tuple[Any, Any, Any] = field(default=(None, None, None))


def _bind_schedule(params: WeeklyScheduleParams, env: BlockEnv) -> _ScheduleBinding:
    names = [e.when.calendar for e in params.special_events if isinstance(e.when, CalendarRef)]
    found, missing = resolve_calendars(names, env.schedules.calendars)
    error = missing_message(missing, env.schedules.calendars) if missing else None
    return _ScheduleBinding(zone(params.timezone), found, error)


def _check_schedule(params: WeeklyScheduleParams, env: BlockEnv) -> list[str]:
    error = _bind_schedule(params, env).error
    return [error] if error else []


def _day_transitions(params: WeeklyScheduleParams, b: _ScheduleBinding, day: date) -> Transitions:
    for event in params.special_events:
        when = event.when
        if isinstance(when, CalendarRef):
            if calendar_matches(b.calendars[when.calendar].entries, day):
                return event.transitions
        elif entry_matches(when, day):
            return event.transitions
    return params.week.of(day)


def _day_points(
    params: WeeklyScheduleParams, b: _ScheduleBinding, day: date
) -> list[tuple[float, ScheduleValue]]:
    """The day's (instant, value) points, its start (the default) first, one per instant."""
    points = [(local_instant(day, time(0), b.tz), params.default)]
    for t in _day_transitions(params, b, day):
        instant = local_instant(day, t.time, b.tz)
        value = params.default if t.value is None else t.value
        if instant == points[-1][0]:
            # Several times inside one DST gap land on one instant: the last one wins.
            points[-1] = (instant, value)
        else:
            points.append((instant, value))
    return points


def _segment(
    params: WeeklyScheduleParams, b: _ScheduleBinding, now: float
) -> tuple[float, float, ScheduleValue, ScheduleValue | None]:
    """(start, end, value, next value) of the constant stretch of the schedule holding ``now``."""
    today = local_date(now, b.tz)
    start, value = _day_points(params, b, today)[0]
    for instant, v in _day_points(params, b, today):
        if instant <= now:
            start, value = instant, v
    for offset in range(SEARCH_DAYS):
        for instant, v in _day_points(params, b, today + timedelta(days=offset)):
            if instant > now and v != value:
                return start, instant, value, v
    return start, now + (SEARCH_DAYS - 1) * 86400.0, value, None


def _weekly_schedule(
    ctx: BlockContext[WeeklyScheduleParams, None], _ins: tuple[()], _qs: tuple[()]
) -> tuple[tuple[Any, Any, Any], int]:
    b: _ScheduleBinding = ctx.bound
    if b.error is not None:
        raise LookupError(f"weekly schedule {b.error}")
    now = ctx.tick.wall.timestamp()
    if not b.valid_from <= now < b.valid_until:
        start, end, value, next_value = _segment(ctx.params, b, now)
        b.valid_from, b.valid_until = start, end
        b.outputs = (value, end if next_value is not None else None, next_value)
    return b.outputs, OK


class CalendarParams(Params):
    """Parameters of a calendar."""

    timezone: str = Field(description="IANA time zone that decides what 'today' is.")
    entries: tuple[CalendarEntry, ...] = Field(
        default=(), description="Dates, ranges and week-n-day rules (e.g. 4th Thursday of Nov)."
    )
    calendars: tuple[str, ...] = Field(
        default=(), description="Shared calendars of the bundle whose days count too, by name."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return check_timezone(value)


@dataclass(frozen=True)
class _CalendarBinding:
    tz: ZoneInfo
    entries: tuple[CalendarEntry, ...]
    error: str | None


def _bind_calendar(params: CalendarParams, env: BlockEnv) -> _CalendarBinding:
    found, missing = resolve_calendars(params.calendars, env.schedules.calendars)
    shared = tuple(e for cal in found.values() for e in cal.entries)
    error = missing_message(missing, env.schedules.calendars) if missing else None
    return _CalendarBinding(zone(params.timezone), params.entries + shared, error)


def _check_calendar(params: CalendarParams, env: BlockEnv) -> list[str]:
    error = _bind_calendar(params, env).error
    return [error] if error else []


def _calendar(
    ctx: BlockContext[CalendarParams, None], _ins: tuple[()], _qs: tuple[()]
) -> tuple[bool, int]:
    b: _CalendarBinding = ctx.bound
    if b.error is not None:
        raise LookupError(f"calendar {b.error}")
    today = local_date(ctx.tick.wall.timestamp(), b.tz)
    return calendar_matches(b.entries, today), OK


SCHEDULE_BLOCKS: tuple[BlockType[Any], ...] = (
    BlockType(
        type="schedule.weekly", title="Weekly schedule", category="schedule",
        doc="Value of a weekly schedule with special events in an IANA zone (DST-safe), "
        "and its next change (epoch seconds and value).",
        inputs=(),
        outputs=(
            port("value", type_param="valueType", doc="The scheduled value now."),
            port("next_time", TIMESTAMP, doc="When the value next changes, Unix epoch seconds."),
            port("next_value", type_param="valueType", doc="The value it changes to."),
        ),
        params=WeeklyScheduleParams, evaluate=_weekly_schedule, quality_aware=True,
        bind=_bind_schedule,
        check=_check_schedule,
    ),
    BlockType(
        type="schedule.calendar", title="Calendar", category="schedule",
        doc="True on the local days its dates, ranges, week-n-day rules and shared calendars name.",
        inputs=(), outputs=(port("active", BOOL, doc="Today is in the calendar."),),
        params=CalendarParams, evaluate=_calendar, quality_aware=True, bind=_bind_calendar,
        check=_check_calendar,
    ),
    *OPTIMAL_START_BLOCKS,
)  # fmt: skip

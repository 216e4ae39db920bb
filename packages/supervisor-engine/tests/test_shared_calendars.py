"""A project's shared calendar, carried in the bundle, drives its schedule blocks.

The calendar is authored once per project (``ProjectContent.calendars``), goes into the bundle
as ``schedules.calendars``, and a schedule refers to it by name. Run on the virtual clock over
two days: the holiday Monday is off all day, the ordinary Tuesday keeps office hours.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bms_schemas import Bundle, BundleSchedules, Calendar, DateEntry
from supervisor_engine import InputTrace, default_registry, simulate
from supervisor_engine.bundle import build_bundle
from supervisor_engine.testing import GraphBuilder

REGISTRY = default_registry()
MONDAY = datetime(2025, 1, 6, tzinfo=UTC)  # Berlin is UTC+1 in January
OFFICE = {
    d: [{"time": "07:00", "value": True}, {"time": "18:00", "value": False}]
    for d in ("monday", "tuesday", "wednesday", "thursday", "friday")
}
FAN = "1/binary-output,1/present-value"


def office_bundle(holidays: tuple[DateEntry, ...]) -> Bundle:
    """Office hours in Berlin that follow the bundle's 'holidays' calendar, commanding a fan."""
    g = GraphBuilder(flow="hvac", period_ms=300_000)
    occ = g.node(
        "schedule.weekly", "occ", timezone="Europe/Berlin", default=False, week=OFFICE,
        specialEvents=[{"name": "Public holiday", "when": {"kind": "calendar", "calendar": "holidays"}}],
    )  # fmt: skip
    # Watched, not wired: the calendar block shows the same shared calendar's days.
    g.node("schedule.calendar", "holiday", timezone="Europe/Berlin", calendars=["holidays"])
    fan = g.node("io.point-output", "fan", point=FAN, valueType="bool", priority=8)
    g.wire(occ, "value", fan, "value")
    return build_bundle(
        g.build(), REGISTRY, version="1.0.0", created_by="test", created_at=MONDAY,
        schedules=BundleSchedules(calendars={"holidays": Calendar(entries=holidays)}),
    )  # fmt: skip


def fan_by_hour(bundle: Bundle) -> dict[datetime, tuple[object, object]]:
    """The fan command and the holiday flag at each whole hour (UTC) of two days."""
    trace = simulate(
        bundle, REGISTRY, InputTrace(()), 2 * 86_400, watch=["holiday.active"], wall_start=MONDAY
    )
    # Each row is (time, *columns).
    fan, flag = 1 + trace.columns.index(FAN), 1 + trace.columns.index("holiday.active")
    return {
        MONDAY + timedelta(seconds=row[0]): (row[fan], row[flag])
        for row in trace.rows
        if row[0] % 3600 == 0
    }


def test_a_holiday_in_the_project_calendar_turns_the_schedule_off_that_day():
    hours = fan_by_hour(office_bundle((DateEntry(date=MONDAY.date()),)))
    # The holiday is Monday in Berlin: 00:00-23:00 UTC; at 23:00 UTC it is Tuesday there.
    monday = [hours[MONDAY + timedelta(hours=h)] for h in range(23)]
    assert all(fan is False and flag is True for fan, flag in monday), monday
    assert hours[MONDAY + timedelta(hours=23)] == (False, False)
    # Tuesday: 07:00-18:00 Berlin is 06:00-17:00 UTC; not a holiday.
    tuesday = MONDAY + timedelta(days=1)
    for h in range(24):
        fan, flag = hours[tuesday + timedelta(hours=h)]
        assert (fan, flag) == (6 <= h < 17, False), (h, fan, flag)


def test_without_the_holiday_the_same_monday_keeps_office_hours():
    hours = fan_by_hour(office_bundle(()))
    assert hours[MONDAY + timedelta(hours=9)] == (True, False)
    assert hours[MONDAY + timedelta(hours=20)] == (False, False)

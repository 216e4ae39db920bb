"""Weekly schedule, calendar and optimal start on the virtual clock.

Expected values are worked out from the definitions (local time of the zone,
each day starting at the default, first matching special event wins), with the
UTC offsets of the zones written out in the comments.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bms_schemas import BundleSchedules, IssueCode, PointValue, Quality, WeekNDayEntry
from supervisor_engine import GraphValidationError, default_registry, validate_graph
from supervisor_engine.block import BlockEnv
from supervisor_engine.blocks._calendar import entry_matches
from supervisor_engine.testing import BlockHarness, GraphBuilder

REGISTRY = default_registry()
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
OFFICE = {
    d: [{"time": "07:00", "value": True}, {"time": "18:00", "value": False}] for d in WEEKDAYS
}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def epoch(*args: int) -> float:
    return utc(*args).timestamp()


def param_issues(block_type: str, **params: Any) -> list[str]:
    """The fields named by the parameter errors of one node."""
    g = GraphBuilder()
    g.node(block_type, "n", **params)
    return [
        i.field or ""
        for i in validate_graph(g.build(), REGISTRY)
        if i.code is IssueCode.INVALID_PARAMETER
    ]


def schedule(wall_start: datetime, tz: str, **params: Any) -> BlockHarness:
    params.setdefault("default", False)
    return BlockHarness("schedule.weekly", wall_start=wall_start, timezone=tz, **params)


# --------------------------------------------------------------------------- weekly schedule


def test_office_hours_in_berlin_winter():
    # Berlin in January is UTC+1: 07:00 local = 06:00 UTC, 18:00 local = 17:00 UTC.
    h = schedule(utc(2025, 1, 6, 5, 58), "Europe/Berlin", week=OFFICE)  # Monday
    assert h.step(60) == {"value": False, "next_time": epoch(2025, 1, 6, 6), "next_value": True}
    assert h.step(60) == {"value": True, "next_time": epoch(2025, 1, 6, 17), "next_value": False}
    h.step(11 * 3600 - 60)  # 16:59 UTC
    assert h.outputs()["value"] is True
    assert h.step(60) == {"value": False, "next_time": epoch(2025, 1, 7, 6), "next_value": True}
    assert h.qualities()["value"] is Quality.OK


def test_next_transition_skips_the_weekend():
    # Friday 10 Jan 2025 18:00 local ends the week; the next change is Monday 07:00.
    h = schedule(utc(2025, 1, 10, 17), "Europe/Berlin", week=OFFICE)
    assert h.step(60) == {"value": False, "next_time": epoch(2025, 1, 13, 6), "next_value": True}
    h.step(36 * 3600)  # Sunday morning
    assert h.outputs() == {"value": False, "next_time": epoch(2025, 1, 13, 6), "next_value": True}


def test_each_day_starts_at_the_default_and_null_returns_to_it():
    # A number schedule: 21 from 06:00, 23 from 12:00, back to the default at 14:00;
    # no transition at midnight is needed for the value to fall back to 16 the next day.
    week = {
        "monday": [
            {"time": "06:00", "value": 21.0},
            {"time": "12:00", "value": 23.0},
            {"time": "14:00", "value": None},
        ],
        "tuesday": [{"time": "20:00", "value": 18.5}],
    }
    h = schedule(utc(2025, 1, 6), "UTC", valueType="number", default=16.0, week=week)
    values = [h.step(3600)["value"] for _ in range(48)]  # 01:00 Monday .. 00:00 Wednesday
    expected = [16.0] * 5 + [21.0] * 6 + [23.0] * 2 + [16.0] * 10  # 01:00 .. 23:00 Monday
    expected += [16.0] * 20 + [18.5] * 4 + [16.0]  # 00:00 .. 23:00 Tuesday, 00:00 Wednesday
    assert values == expected
    # At 23:00 Tuesday the next change is the return to the default at midnight.
    h = schedule(utc(2025, 1, 7, 22), "UTC", valueType="number", default=16.0, week=week)
    assert h.step(3600) == {"value": 18.5, "next_time": epoch(2025, 1, 8), "next_value": 16.0}


def test_enum_schedule():
    week = {"monday": [{"time": "08:00", "value": 2}, {"time": "17:00", "value": 3}]}
    h = schedule(utc(2025, 1, 6, 7), "UTC", valueType="enum", default=1, week=week)
    assert h.step(3600) == {"value": 2, "next_time": epoch(2025, 1, 6, 17), "next_value": 3}


def test_first_matching_special_event_wins_over_the_weekday():
    events = [
        # 1 Jan 2025 (a Wednesday): closed all day
        {"name": "New Year", "when": {"kind": "date", "date": "2025-01-01"}},
        # never reached for 1 Jan: the first match wins
        {
            "name": "winter works",
            "when": {"kind": "range", "start": "2024-12-30", "end": "2025-01-03"},
            "transitions": [{"time": "09:00", "value": True}, {"time": "12:00", "value": False}],
        },
    ]
    h = schedule(utc(2024, 12, 30), "UTC", week=OFFICE, specialEvents=events)
    for _ in range(5 * 24):  # 30 Dec 01:00 .. 4 Jan 00:00
        value = h.step(3600)["value"]
        if h.wall.date() == date(2025, 1, 1):
            assert value is False, h.wall
        else:  # the range's 09:00-12:00, not the office's 07:00-18:00
            assert value is (h.wall.hour in (9, 10, 11)), h.wall


def test_special_event_by_week_n_day_and_its_next_transition():
    # Last Friday of each month: short day until 13:00. 31 Jan 2025 is the last Friday.
    events = [
        {
            "when": {"kind": "week-n-day", "week": "last", "weekday": 5},
            "transitions": [{"time": "07:00", "value": True}, {"time": "13:00", "value": False}],
        }
    ]
    h = schedule(utc(2025, 1, 24, 8), "UTC", week=OFFICE, specialEvents=events)
    assert h.step(60)["next_time"] == epoch(2025, 1, 24, 18)  # 24 Jan: an ordinary Friday
    h = schedule(utc(2025, 1, 31, 8), "UTC", week=OFFICE, specialEvents=events)
    assert h.step(60) == {"value": True, "next_time": epoch(2025, 1, 31, 13), "next_value": False}


def test_special_event_from_a_shared_calendar():
    env = BlockEnv(
        schedules=BundleSchedules.model_validate(
            {"calendars": {"holidays": {"entries": [{"kind": "date", "date": "2025-01-06"}]}}}
        )
    )
    events = [{"when": {"kind": "calendar", "calendar": "holidays"}}]
    h = BlockHarness(
        "schedule.weekly", wall_start=utc(2025, 1, 6, 9), env=env, timezone="UTC",
        default=False, week=OFFICE, specialEvents=events,
    )  # fmt: skip
    # Monday 6 Jan is a holiday: off all day; the next change is Tuesday 07:00.
    assert h.step(60) == {"value": False, "next_time": epoch(2025, 1, 7, 7), "next_value": True}


def unknown_calendar_issues(block: str, **params: Any) -> list[Any]:
    g = GraphBuilder()
    g.node(block, "s", **params)
    return validate_graph(g.build(), default_registry(), env=BlockEnv())


def test_unknown_shared_calendar_is_refused_at_validation_naming_it():
    events = [{"when": {"kind": "calendar", "calendar": "holidays"}}]
    [issue] = unknown_calendar_issues(
        "schedule.weekly", timezone="UTC", default=False, week=OFFICE, specialEvents=events
    )
    assert (issue.code, issue.node, issue.field) == (IssueCode.INVALID_PARAMETER, "s", "params")
    assert "'holidays'" in issue.message
    assert "schedules.calendars" in issue.message
    with pytest.raises(GraphValidationError):
        schedule(utc(2025, 1, 6), "UTC", week=OFFICE, specialEvents=events)


# --------------------------------------------------------------------------- DST

SPRING_NY = {"sunday": [{"time": "02:30", "value": True}, {"time": "04:00", "value": False}]}


def test_new_york_spring_forward_transition_in_the_skipped_hour():
    # 9 Mar 2025: 02:00 EST (07:00 UTC) jumps to 03:00 EDT. 02:30 does not exist:
    # it happens at the first valid instant, 03:00 EDT = 07:00 UTC. 04:00 EDT = 08:00 UTC.
    h = schedule(utc(2025, 3, 9, 6, 50), "America/New_York", week=SPRING_NY)
    outs = [h.step(300) for _ in range(4)]  # 06:55, 07:00, 07:05, 07:10 UTC
    assert [o["value"] for o in outs] == [False, True, True, True]
    assert outs[0]["next_time"] == epoch(2025, 3, 9, 7)
    assert outs[1]["next_time"] == epoch(2025, 3, 9, 8)
    h.step(50 * 60)  # 08:00 UTC = 04:00 EDT
    assert h.outputs()["value"] is False


def test_new_york_fall_back_transition_in_the_repeated_hour_happens_once():
    # 2 Nov 2025: 02:00 EDT (06:00 UTC) falls back to 01:00 EST. 01:00-02:00 happens twice;
    # 01:30 switches on once, at its first occurrence (05:30 UTC), 01:45 off at 05:45 UTC.
    week = {"sunday": [{"time": "01:30", "value": True}, {"time": "01:45", "value": False}]}
    h = schedule(utc(2025, 11, 2, 5), "America/New_York", week=week)
    values = [h.step(300)["value"] for _ in range(30)]  # 05:05 .. 07:30 UTC
    on = [i for i, v in enumerate(values) if v]
    assert on == [5, 6, 7]  # 05:30, 05:35, 05:40 UTC only; nothing at 06:30 UTC (01:30 EST)
    # Seen from 02:30 EST, the next change is next Sunday's 01:30 EST = 06:30 UTC.
    assert h.outputs()["next_time"] == epoch(2025, 11, 9, 6, 30)


def test_berlin_spring_forward_and_fall_back():
    # 30 Mar 2025: 02:00 CET (01:00 UTC) jumps to 03:00 CEST; 02:15 happens at 01:00 UTC.
    week = {"sunday": [{"time": "02:15", "value": True}, {"time": "06:00", "value": False}]}
    h = schedule(utc(2025, 3, 30, 0, 50), "Europe/Berlin", week=week)
    assert h.step(300)["value"] is False  # 00:55 UTC = 01:55 CET
    assert h.outputs()["next_time"] == epoch(2025, 3, 30, 1)
    assert h.step(300)["value"] is True  # 01:00 UTC = 03:00 CEST
    assert h.outputs()["next_time"] == epoch(2025, 3, 30, 4)  # 06:00 CEST
    # 26 Oct 2025: 03:00 CEST (01:00 UTC) falls back to 02:00 CET: 02:15 is 00:15 UTC once.
    h = schedule(utc(2025, 10, 26), "Europe/Berlin", week=week)
    values = [h.step(300)["value"] for _ in range(36)]  # 00:05 .. 03:00 UTC
    assert values == [False] * 2 + [True] * 34  # on from 00:15 UTC, not again at 01:15 UTC
    assert h.outputs()["next_time"] == epoch(2025, 10, 26, 5)  # 06:00 CET


def test_next_transition_across_a_dst_change():
    # From Friday 7 Mar 2025 18:00 EST (23:00 UTC) the next change is Monday 07:00 EDT,
    # 11:00 UTC, an hour earlier in UTC than the Monday before (12:00 UTC).
    h = schedule(utc(2025, 3, 7, 23), "America/New_York", week=OFFICE)
    assert h.step(60) == {"value": False, "next_time": epoch(2025, 3, 10, 11), "next_value": True}
    h = schedule(utc(2025, 3, 3, 11), "America/New_York", week=OFFICE)
    assert h.step(60)["next_time"] == epoch(2025, 3, 3, 12)


# --------------------------------------------------------------------------- parameters


def test_schedule_parameters_are_checked():
    base = {"timezone": "UTC", "default": False}
    assert param_issues("schedule.weekly", **base) == []
    assert param_issues("schedule.weekly", timezone="Mars/Olympus", default=False) == [
        "params.timezone"
    ]
    assert param_issues("schedule.weekly", default=False) == ["params.timezone"]
    assert param_issues("schedule.weekly", **{**base, "default": 1.5}) == ["params"]
    assert param_issues("schedule.weekly", **{**base, "valueType": "string"}) == ["params"]
    unsorted = {"monday": [{"time": "18:00", "value": False}, {"time": "07:00", "value": True}]}
    assert param_issues("schedule.weekly", **base, week=unsorted) == ["params"]
    wrong_type = {"monday": [{"time": "07:00", "value": 21.5}]}
    assert param_issues("schedule.weekly", **base, week=wrong_type) == ["params"]
    bad_time = {"monday": [{"time": "25:00", "value": True}]}
    assert param_issues("schedule.weekly", **base, week=bad_time) == ["params.week.monday.0.time"]
    bad_rule = [{"when": {"kind": "week-n-day", "week": 6}}]
    assert param_issues("schedule.weekly", **base, specialEvents=bad_rule) != []


# --------------------------------------------------------------------------- calendar

THANKSGIVING = WeekNDayEntry(month=11, week=4, weekday=4)
MEMORIAL_DAY = WeekNDayEntry(month=5, week="last", weekday=1)


def _days(year: int, month: int) -> list[date]:
    first = date(year, month, 1)
    return [
        first + timedelta(days=i) for i in range(31) if (first + timedelta(days=i)).month == month
    ]


@pytest.mark.parametrize(
    ("year", "day"), [(2022, 24), (2023, 23), (2024, 28), (2025, 27), (2026, 26), (2027, 25)]
)
def test_fourth_thursday_of_november(year: int, day: int):
    assert [d for d in _days(year, 11) if entry_matches(THANKSGIVING, d)] == [date(year, 11, day)]


@pytest.mark.parametrize(
    ("year", "day"), [(2021, 31), (2023, 29), (2024, 27), (2025, 26), (2026, 25), (2027, 31)]
)
def test_last_monday_of_may(year: int, day: int):
    assert [d for d in _days(year, 5) if entry_matches(MEMORIAL_DAY, d)] == [date(year, 5, day)]


def test_calendar_block_follows_the_local_day():
    # New York in December is UTC-5: 25 Dec local runs 05:00 UTC 25 Dec .. 05:00 UTC 26 Dec.
    h = BlockHarness(
        "schedule.calendar", wall_start=utc(2025, 12, 25, 3), timezone="America/New_York",
        entries=[{"kind": "date", "date": "2025-12-25"}],
    )  # fmt: skip
    values = [h.step(3600)["active"] for _ in range(26)]  # 04:00 25 Dec .. 05:00 26 Dec UTC
    assert values == [False] + [True] * 24 + [False]


def test_calendar_rules_ranges_and_shared_calendars():
    env = BlockEnv(
        schedules=BundleSchedules.model_validate(
            {"calendars": {"closures": {"entries": [{"kind": "date", "date": "2025-07-04"}]}}}
        )
    )
    h = BlockHarness(
        "schedule.calendar", wall_start=utc(2025, 11, 20, 12), env=env, timezone="UTC",
        entries=[
            {"kind": "week-n-day", "month": 11, "week": 4, "weekday": 4},
            {"kind": "range", "start": "2025-12-24", "end": "2025-12-26"},
        ],
        calendars=["closures"],
    )  # fmt: skip
    active = [d for d in (h.step(86400)["active"] and h.wall.date() for _ in range(60)) if d]
    # 21 Nov 2025 .. 19 Jan 2026 at noon: Thanksgiving, then the Christmas range.
    assert active == [
        date(2025, 11, 27),
        date(2025, 12, 24),
        date(2025, 12, 25),
        date(2025, 12, 26),
    ]
    h = BlockHarness(
        "schedule.calendar", wall_start=utc(2025, 7, 4, 11), env=env, timezone="UTC",
        calendars=["closures"],
    )  # fmt: skip
    assert h.step(60) == {"active": True}


def test_calendar_with_unknown_shared_calendar_is_refused_at_validation():
    [issue] = unknown_calendar_issues("schedule.calendar", timezone="UTC", calendars=["nope"])
    assert issue.code is IssueCode.INVALID_PARAMETER
    assert "'nope'" in issue.message


# --------------------------------------------------------------------------- optimal start

T0 = utc(2025, 1, 6, 4)  # occupancy at 08:00 UTC, four hours later
OCCUPANCY = epoch(2025, 1, 6, 8)


def optimal(**params: Any) -> BlockHarness:
    h = BlockHarness("schedule.optimal-start", wall_start=T0, **params)
    h.set(
        zone_temp=17.0, setpoint=21.0, outdoor_temp=5.0, occupancy_start=OCCUPANCY, occupied=False
    )
    return h


def out(start: bool, to_start: float, lead: float) -> dict[str, Any]:
    return {"start_now": start, "minutes_to_start": to_start, "lead_min": lead}


def test_optimal_start_warm_up_from_a_fixed_rate():
    # 4 K below setpoint at 2 K/h: 120 min lead; occupancy 240 min away -> start at minute 120.
    h = optimal(heatRateKPerH=2.0)
    assert h.step(60) == out(False, 119.0, 120.0)
    h.run(118 * 60, dt=60)  # minute 119
    assert h.outputs() == out(False, 1.0, 120.0)
    assert h.step(60) == out(True, 0.0, 120.0)  # minute 120
    # The zone warms faster than expected: start_now holds until occupancy all the same.
    assert h.step(60, zone_temp=20.8) == out(True, 0.0, 0.0)
    h.run(118 * 60, dt=60)  # minute 239
    assert h.outputs()["start_now"] is True
    assert h.step(60) == out(False, 0.0, 0.0)  # minute 240: occupied, the schedule takes over


def test_optimal_start_cool_down_outdoor_allowance_and_cap():
    # 3 K above setpoint at 1.5 K/h: 120 min, plus 0.5 min/K * (30 - 24) K outdoor = 123 min.
    h = optimal(coolRateKPerH=1.5, outdoorFactorMinPerK=0.5)
    assert h.step(60, zone_temp=27.0, setpoint=24.0, outdoor_temp=30.0) == out(False, 116.0, 123.0)
    # Heating: 4 K at 2 K/h = 120 min + 0.5 * (21 - 5) = 128 min; capped at 90.
    h = optimal(outdoorFactorMinPerK=0.5, maxLeadMin=90)
    assert h.step(60) == out(False, 149.0, 90.0)
    # Within tolerance: no lead at all.
    h = optimal()
    assert h.step(60, zone_temp=20.6) == out(False, 239.0, 0.0)


def test_optimal_start_stands_down_when_occupied():
    h = optimal()
    h.run(150 * 60, dt=60)
    assert h.outputs()["start_now"] is True
    assert h.step(60, occupied=True)["start_now"] is False


def test_optimal_start_learns_the_warm_up_rate_and_keeps_it_across_restart():
    h = optimal(heatRateKPerH=2.0, learning=True, learningWeight=0.5)
    h.run(120 * 60, dt=60)
    assert h.outputs()["start_now"] is True  # started at minute 120 with the zone at 17
    h.run(30 * 60, dt=60, zone_temp=19.0)  # minute 150
    h.restart(downtime=60)  # down for a minute in the middle of the start: minute 151
    assert h.state.mode == "heat"
    h.run(28 * 60, dt=60, zone_temp=20.0)  # minute 179
    assert h.step(60, zone_temp=21.0)["start_now"] is True  # minute 180: setpoint reached
    # Measured 4 K in 60 min = 4 K/h; learned 2 + 0.5 * (4 - 2) = 3 K/h.
    assert h.state.heat_rate == pytest.approx(3.0)
    h.restart()
    assert h.state.heat_rate == pytest.approx(3.0)
    # The next morning: 4 K at 3 K/h = 80 min.
    h.step(60, zone_temp=17.0, occupancy_start=epoch(2025, 1, 7, 8))
    assert h.outputs()["lead_min"] == pytest.approx(80.0)


def test_optimal_start_learns_from_a_start_that_fell_short():
    h = optimal(heatRateKPerH=2.0, learning=True, learningWeight=1.0)
    h.run(120 * 60, dt=60)
    h.run(120 * 60, dt=60, zone_temp=19.0)  # at occupancy only 2 K in 2 h: 1 K/h
    assert h.outputs()["start_now"] is False
    assert h.state.heat_rate == pytest.approx(1.0)


def test_optimal_start_without_a_zone_temperature():
    h = optimal()
    h.step(60, zone_temp=PointValue(value=None, quality=Quality.FAULT, timestamp=T0))
    assert h.outputs() == {"start_now": None, "minutes_to_start": None, "lead_min": None}
    assert h.qualities()["start_now"] is not Quality.OK


def test_optimal_start_parameters_are_checked():
    assert param_issues("schedule.optimal-start", heatRateKPerH=0) == ["params.heatRateKPerH"]
    assert param_issues("schedule.optimal-start", minRateKPerH=5, maxRateKPerH=1) == ["params"]
    assert param_issues("schedule.optimal-start", learningWeight=1.5) == ["params.learningWeight"]

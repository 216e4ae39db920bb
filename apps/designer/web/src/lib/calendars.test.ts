import { describe, expect, it } from "vitest";
import type { GraphNode } from "../api/types";
import { EMPTY_DRAFT, describeEntry, entryFromDraft, nameProblem, refersTo, withCalendar, usersOf } from "./calendars";

describe("calendar entries", () => {
  it("read in words", () => {
    expect(describeEntry({ kind: "week-n-day", week: 4, weekday: 4, month: 11 })).toBe("4th Thursday of November");
    expect(describeEntry({ kind: "week-n-day", week: "last", weekday: 5, month: null })).toBe("last Friday of every month");
    expect(describeEntry({ kind: "week-n-day", week: null, weekday: 7, month: null })).toBe("every Sunday");
    expect(describeEntry({ kind: "date", date: "2026-12-25" })).toMatch(/25/);
  });

  it("are refused field by field while incomplete or backwards", () => {
    expect(entryFromDraft({ ...EMPTY_DRAFT })).toEqual({ field: "date", problem: "Pick a day." });
    expect(entryFromDraft({ ...EMPTY_DRAFT, kind: "range", start: "2026-12-24", end: "2026-12-23" })).toEqual({
      field: "end", problem: "The last day is before the first.",
    });
    expect(entryFromDraft({ ...EMPTY_DRAFT, kind: "week-n-day" })).toMatchObject({ field: "weekday" });
    expect(entryFromDraft({ ...EMPTY_DRAFT, kind: "week-n-day", week: "last", weekday: "1", month: "5" })).toEqual({
      entry: { kind: "week-n-day", week: "last", weekday: 1, month: 5 },
    });
  });

  it("need a new name", () => {
    expect(nameProblem(" ", {})).toMatch(/name/);
    expect(nameProblem("holidays", { holidays: { entries: [] } })).toMatch(/already/);
    expect(nameProblem("closures", { holidays: { entries: [] } })).toBe("");
  });
});

describe("schedules using a calendar", () => {
  it("put it first among a weekly schedule's special events, once", () => {
    const params = { specialEvents: [{ when: { kind: "date", date: "2026-01-01" } }] };
    const used = withCalendar("schedule.weekly", params, "holidays");
    expect(used.specialEvents).toEqual([{ name: "holidays", when: { kind: "calendar", calendar: "holidays" } }, ...params.specialEvents]);
    expect(withCalendar("schedule.weekly", used, "holidays")).toBe(used);
    expect(refersTo("schedule.weekly", used, "holidays")).toBe(true);
  });

  it("add it to a calendar block's list and are found by name", () => {
    const used = withCalendar("schedule.calendar", {}, "holidays");
    expect(used.calendars).toEqual(["holidays"]);
    const nodes = [
      { id: "cal", type: "schedule.calendar", flow: "f", params: used },
      { id: "other", type: "schedule.weekly", flow: "f", params: {} },
    ] as GraphNode[];
    expect(usersOf(nodes, "holidays")).toEqual(["cal"]);
  });
});

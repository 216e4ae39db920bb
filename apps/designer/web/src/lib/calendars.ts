/**
 * Shared calendars (holidays, closures) of a project, as the calendar editor shows and edits them:
 * entries in words, new entries checked field by field, and which schedule blocks use a calendar.
 * The engine library checks them again on the server (validation names an unknown calendar).
 */
import type { Calendar, GraphNode, JsonValue } from "../api/types";

export type CalendarEntry = Calendar["entries"][number];
export type Calendars = { [name: string]: Calendar };

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const ORDINAL = ["", "1st", "2nd", "3rd", "4th", "5th"];

export { MONTHS, WEEKDAYS };

function day(iso: string): string {
  const d = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString(undefined, { timeZone: "UTC", day: "numeric", month: "short", year: "numeric" });
}

/** "25 Dec 2026", "23 Dec 2026 – 2 Jan 2027", "4th Thursday of November", "every Sunday". */
export function describeEntry(e: CalendarEntry): string {
  if (e.kind === "date") return day(e.date);
  if (e.kind === "range") return `${day(e.start)} – ${day(e.end)}`;
  const weekday = e.weekday ? WEEKDAYS[e.weekday - 1] : "day";
  const month = e.month ? ` of ${MONTHS[e.month - 1]}` : " of every month";
  if (e.week === "last") return `last ${weekday}${month}`;
  if (typeof e.week === "number") return `${ORDINAL[e.week]} ${weekday}${month}`;
  return e.month ? `every ${weekday} in ${MONTHS[e.month - 1]}` : `every ${weekday}`;
}

/** A calendar name problem in plain words, or "" when the name is fine. */
export function nameProblem(name: string, existing: Calendars): string {
  const n = name.trim();
  if (!n) return "Give the calendar a name, e.g. holidays.";
  if (n.length > 64) return "A calendar name is at most 64 characters.";
  if (n in existing) return `There is already a calendar named '${n}'.`;
  return "";
}

/** The form of a new entry, all text as the inputs hold it. */
export interface EntryDraft {
  kind: CalendarEntry["kind"];
  date: string;
  start: string;
  end: string;
  week: string; // "", "1".."5", "last"
  weekday: string; // "", "1".."7"
  month: string; // "", "1".."12"
}

export const EMPTY_DRAFT: EntryDraft = { kind: "date", date: "", start: "", end: "", week: "", weekday: "", month: "" };

/** The entry a draft stands for, or the problem with it, naming the field. */
export function entryFromDraft(d: EntryDraft): { entry: CalendarEntry } | { field: keyof EntryDraft; problem: string } {
  if (d.kind === "date") return d.date ? { entry: { kind: "date", date: d.date } } : { field: "date", problem: "Pick a day." };
  if (d.kind === "range") {
    if (!d.start) return { field: "start", problem: "Pick the first day." };
    if (!d.end) return { field: "end", problem: "Pick the last day." };
    if (d.end < d.start) return { field: "end", problem: "The last day is before the first." };
    return { entry: { kind: "range", start: d.start, end: d.end } };
  }
  if (!d.week && !d.weekday && !d.month) return { field: "weekday", problem: "Pick at least a weekday, a week or a month." };
  return {
    entry: {
      kind: "week-n-day",
      week: d.week === "" ? null : d.week === "last" ? "last" : Number(d.week),
      weekday: d.weekday === "" ? null : Number(d.weekday),
      month: d.month === "" ? null : Number(d.month),
    },
  };
}

type Params = { [key: string]: JsonValue };

/** Whether a block can use a shared calendar (a weekly schedule's special event, a calendar block). */
export function usesCalendars(blockType: string): boolean {
  return blockType === "schedule.weekly" || blockType === "schedule.calendar";
}

/** Whether the block's parameters refer to the calendar. */
export function refersTo(blockType: string, params: Params, name: string): boolean {
  if (blockType === "schedule.calendar") return Array.isArray(params.calendars) && params.calendars.includes(name);
  if (blockType !== "schedule.weekly" || !Array.isArray(params.specialEvents)) return false;
  return params.specialEvents.some((e) => {
    const when = e && typeof e === "object" && !Array.isArray(e) ? e.when : null;
    return !!when && typeof when === "object" && !Array.isArray(when) && when.kind === "calendar" && when.calendar === name;
  });
}

/** The block's parameters with the calendar in use: a weekly schedule follows its default all day on those days. */
export function withCalendar(blockType: string, params: Params, name: string): Params {
  if (refersTo(blockType, params, name)) return params;
  if (blockType === "schedule.calendar") {
    const list = Array.isArray(params.calendars) ? params.calendars : [];
    return { ...params, calendars: [...list, name] };
  }
  const events = Array.isArray(params.specialEvents) ? params.specialEvents : [];
  // First matching event wins: a holiday goes before the events already there.
  return { ...params, specialEvents: [{ name, when: { kind: "calendar", calendar: name } }, ...events] };
}

/** The blocks that use the calendar, by label (or id when unlabelled). */
export function usersOf(nodes: readonly GraphNode[], name: string): string[] {
  return nodes.filter((n) => refersTo(n.type, (n.params ?? {}) as Params, name)).map((n) => n.label || n.id);
}

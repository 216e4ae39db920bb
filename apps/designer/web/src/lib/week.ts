/**
 * The weekly schedule's grid: days x time slots of an on/off (bool) schedule, to and
 * from the schedule.weekly block's ``week`` parameter (transitions per weekday).
 */
import type { JsonValue } from "../api/types";

export const DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
export type Day = (typeof DAYS)[number];
export interface Transition {
  time: string;
  value: boolean | number | null;
}
export type Week = Partial<Record<Day, Transition[]>>;

const minutes = (time: string): number => {
  const [h, m] = time.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};
const hhmm = (min: number): string =>
  `${String(Math.floor(min / 60)).padStart(2, "0")}:${String(min % 60).padStart(2, "0")}`;

/** On/off per slot of each day; a slot is on when the last transition at or before its start is truthy. */
export function weekToGrid(week: Week, slotsPerDay = 48, initial = false): boolean[][] {
  const slotMin = (24 * 60) / slotsPerDay;
  return DAYS.map((day) => {
    const ts = [...(week[day] ?? [])].sort((a, b) => minutes(a.time) - minutes(b.time));
    return Array.from({ length: slotsPerDay }, (_, i) => {
      let v = initial;
      for (const t of ts) if (minutes(t.time) <= i * slotMin) v = t.value === null ? initial : Boolean(t.value);
      return v;
    });
  });
}

/** The fewest transitions that give the grid: one at each change, from ``initial`` at midnight. */
export function gridToWeek(grid: boolean[][], initial = false): Week {
  const week: Week = {};
  DAYS.forEach((day, d) => {
    const row = grid[d] ?? [];
    const slotMin = (24 * 60) / (row.length || 1);
    const ts: Transition[] = [];
    let prev = initial;
    row.forEach((on, i) => {
      if (on !== prev) ts.push({ time: hhmm(i * slotMin), value: on });
      prev = on;
    });
    week[day] = ts;
  });
  return week;
}

/** Whether a week can be drawn as an on/off grid (only boolean or null values). */
export function isBoolWeek(week: JsonValue | undefined): boolean {
  if (week === undefined || week === null) return true;
  if (typeof week !== "object" || Array.isArray(week)) return false;
  return Object.values(week as Record<string, JsonValue>).every(
    (ts) => Array.isArray(ts) && ts.every((t) => t !== null && typeof t === "object" && !Array.isArray(t) && [true, false, null].includes((t as { value?: JsonValue }).value as boolean)),
  );
}

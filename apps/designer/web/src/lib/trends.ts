/** History answers (min/max/avg buckets) into chart series and CSV. */
import type { HistoryResponse, PointHistory } from "../api/types";
import { formatNumber, unitSymbol } from "./units";

export type SeriesKind = "number" | "bool" | "text" | "empty";

/** One line of a chart: values on the shared x, with an optional min/max band. */
export interface ChartSeries {
  key: string;
  label: string;
  unit: string;
  kind: SeriesKind;
  y: (number | null)[];
  lo?: (number | null)[];
  hi?: (number | null)[];
  stateTexts?: readonly string[] | null;
}

export interface ChartData {
  x: number[];
  series: ChartSeries[];
}

const asNumber = (v: unknown): number | null =>
  typeof v === "boolean" ? (v ? 1 : 0) : typeof v === "number" ? v : null;

function label(h: PointHistory): string {
  return h.name ? `${h.name} (${String(h.point).split("/")[0]})` : String(h.point);
}

/** Buckets as chart series: the mean for numbers (with min/max band), the last value as steps for booleans. */
export function historySeries(history: HistoryResponse): ChartData {
  const first = history.series[0];
  const x = (first?.buckets ?? []).map((b) => new Date(b.start).getTime() / 1000);
  const series = history.series.map((h): ChartSeries => {
    const kind = h.kind as SeriesKind;
    const base = { key: String(h.point), label: label(h), unit: unitSymbol(h.unitSymbol), kind, stateTexts: h.stateTexts };
    if (kind === "bool") return { ...base, unit: "on/off", y: h.buckets.map((b) => asNumber(b.last)) };
    if (kind === "number")
      return { ...base, y: h.buckets.map((b) => b.avg ?? null), lo: h.buckets.map((b) => b.min ?? null), hi: h.buckets.map((b) => b.max ?? null) };
    return { ...base, y: h.buckets.map(() => null) };
  });
  return { x, series };
}

/** Whether a series has anything to draw (a series without data is marked, not hidden). */
export function hasData(s: ChartSeries): boolean {
  return s.y.some((v) => v !== null);
}

function cell(v: number | null | undefined): string {
  return v === null || v === undefined ? "" : String(Number(v.toFixed(6)));
}

/** CSV of the buckets: time (ISO, UTC) then mean/min/max per point, unit in the header. */
export function historyCsv(history: HistoryResponse): string {
  const head = ["time"];
  for (const h of history.series) {
    const u = unitSymbol(h.unitSymbol);
    const name = `${h.name ?? h.point}${u ? ` [${u}]` : ""}`;
    head.push(`${name} avg`, `${name} min`, `${name} max`);
  }
  const rows = [head];
  const n = history.series[0]?.buckets.length ?? 0;
  for (let i = 0; i < n; i++) {
    const row = [history.series[0]?.buckets[i]?.start ?? ""];
    for (const h of history.series) {
      const b = h.buckets[i];
      row.push(cell(b?.avg), cell(b?.min), cell(b?.max));
    }
    rows.push(row);
  }
  return rows.map((r) => r.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(",")).join("\n") + "\n";
}

/** Distinct units in order of first appearance: one axis each. */
export function unitsOf(series: ChartSeries[]): string[] {
  return [...new Set(series.map((s) => s.unit))];
}

/**
 * A tick label of a value axis. The decimals follow the step between ticks, the same for every
 * tick of the axis (not "90.0" under "100"); without a step, one decimal below 100.
 */
export function axisValue(unit: string, v: number, stepOrNone?: number): string {
  if (unit === "on/off") return v >= 0.5 ? "on" : "off";
  if (stepOrNone === undefined || !(stepOrNone > 0)) return formatNumber(v, Math.abs(v) >= 100 ? 0 : 1);
  const decimals = Math.min(3, Math.max(0, Math.ceil(-Math.log10(stepOrNone) - 1e-9)));
  return formatNumber(v, decimals);
}

/**
 * Labels of the time axis (epoch seconds, the browser's zone): seconds only when the ticks are
 * less than a minute apart, the date only when they are a day or more apart or the day changes
 * (on a second line), so that a label stays short enough not to run into the next one.
 */
export function timeAxisLabels(ticks: number[], incrS: number): string[] {
  const withSeconds = incrS < 60;
  let day = "";
  return ticks.map((t) => {
    const d = new Date(t * 1000);
    const date = d.toLocaleDateString(undefined, { month: "short", day: "numeric" });
    if (incrS >= 86_400) return date;
    const time = d.toLocaleTimeString(undefined, {
      hour: "2-digit",
      minute: "2-digit",
      ...(withSeconds ? { second: "2-digit" } : {}),
    });
    const changed = day !== "" && date !== day;
    day = date;
    return changed ? `${time}\n${date}` : time;
  });
}

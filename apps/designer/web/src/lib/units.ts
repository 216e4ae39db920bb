/**
 * Units and formatting wherever values appear: a symbol after numbers (°C, %, Pa), sensible
 * decimals, on/off for binary values, state texts for multi-state values, local dates.
 */

export interface ValueFormat {
  /** Display symbol, e.g. "°C" (or a standard unit name, mapped by unitSymbol). */
  unit?: string | null;
  /** Multi-state texts, state 1 first. */
  stateTexts?: readonly string[] | null;
  /** Fixed decimals; chosen by magnitude if unset. */
  decimals?: number;
}

/** Standard BACnet unit names and the engine's short names, as symbols. */
const SYMBOLS: Record<string, string> = {
  "degrees-celsius": "°C",
  degC: "°C",
  "degrees-fahrenheit": "°F",
  degF: "°F",
  "delta-degrees-kelvin": "K",
  kelvin: "K",
  percent: "%",
  pascals: "Pa",
  kilopascals: "kPa",
  "percent-relative-humidity": "%RH",
  "parts-per-million": "ppm",
  kilowatts: "kW",
  watts: "W",
  "kilowatt-hours": "kWh",
  seconds: "s",
  minutes: "min",
  hours: "h",
  "liters-per-second": "l/s",
  "cubic-meters-per-hour": "m³/h",
  "no-units": "",
};

export function unitSymbol(unit: string | null | undefined): string {
  if (!unit) return "";
  return SYMBOLS[unit] ?? unit;
}

function decimalsFor(v: number): number {
  if (Number.isInteger(v)) return 0;
  const a = Math.abs(v);
  return a >= 100 ? 0 : a >= 10 ? 1 : 2;
}

export function formatNumber(v: number, decimals?: number): string {
  if (!Number.isFinite(v)) return String(v);
  const d = decimals ?? decimalsFor(v);
  return v.toLocaleString(undefined, { minimumFractionDigits: d, maximumFractionDigits: d });
}

/** The engine's unit of a port that carries a moment as Unix epoch seconds. */
export const UNIX_TIME = "unix-time";

/** A value as an operator reads it. */
export function formatValue(v: unknown, f: ValueFormat = {}): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "boolean") return v ? "on" : "off";
  if (typeof v === "number") {
    // a port declared as a moment (schedule's next change, occupancy start) reads as a date
    if (f.unit === UNIX_TIME) return formatTime(v);
    if (f.stateTexts?.length && Number.isInteger(v)) return f.stateTexts[v - 1] ?? `state ${v}`;
    const u = unitSymbol(f.unit);
    return u ? `${formatNumber(v, f.decimals)} ${u}` : formatNumber(v, f.decimals);
  }
  return String(v);
}

/** A time in the browser's locale and zone, e.g. "05/01/2026, 14:03:07". */
export function formatTime(at: string | number | Date | null | undefined): string {
  if (at === null || at === undefined) return "—";
  const d = at instanceof Date ? at : new Date(typeof at === "number" ? at * 1000 : at);
  if (Number.isNaN(d.getTime())) return String(at);
  return d.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

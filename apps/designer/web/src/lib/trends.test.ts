import { describe, expect, it } from "vitest";
import type { HistoryResponse } from "../api/types";
import { axisValue, hasData, historyCsv, historySeries, timeAxisLabels, unitsOf } from "./trends";

const b = (start: string, avg: number | null, min: number | null, max: number | null, last: unknown) => ({
  start, count: 1, avg, min, max, last: last as never,
});

const HISTORY = {
  start: "2026-01-05T08:00:00Z", end: "2026-01-05T08:02:00Z", bucketS: 60, retentionS: 86400,
  series: [
    { point: "2001/analog-value,1/present-value", name: "ZN-T", unitSymbol: "°C", stateTexts: null, kind: "number",
      before: null, samples: 3, buckets: [b("2026-01-05T08:00:00Z", 21.5, 21, 22, 22), b("2026-01-05T08:01:00Z", 23, 22, 35, 23)] },
    { point: "2001/binary-value,1/present-value", name: "FAN", unitSymbol: null, stateTexts: null, kind: "bool",
      before: null, samples: 1, buckets: [b("2026-01-05T08:00:00Z", 0, 0, 0, false), b("2026-01-05T08:01:00Z", 0.5, 0, 1, true)] },
    { point: "2001/analog-value,9/present-value", name: "NEW", unitSymbol: "%", stateTexts: null, kind: "empty",
      before: null, samples: 0, buckets: [b("2026-01-05T08:00:00Z", null, null, null, null), b("2026-01-05T08:01:00Z", null, null, null, null)] },
  ],
} as unknown as HistoryResponse;

describe("historySeries", () => {
  const { x, series } = historySeries(HISTORY);
  it("puts numbers on their unit with a min/max band and booleans as on/off steps", () => {
    expect(x).toEqual([Date.UTC(2026, 0, 5, 8) / 1000, Date.UTC(2026, 0, 5, 8, 1) / 1000]);
    expect(series[0]).toMatchObject({ label: "ZN-T (2001)", unit: "°C", y: [21.5, 23], hi: [22, 35] });
    expect(series[1]).toMatchObject({ unit: "on/off", y: [0, 1] });
    expect(unitsOf(series)).toEqual(["°C", "on/off", "%"]);
  });
  it("marks a series without data rather than dropping it", () => {
    expect(series.map(hasData)).toEqual([true, true, false]);
  });
});

describe("historyCsv", () => {
  it("has a header with units and a row per bucket", () => {
    const lines = historyCsv(HISTORY).trim().split("\n");
    expect(lines[0]).toBe("time,ZN-T [°C] avg,ZN-T [°C] min,ZN-T [°C] max,FAN avg,FAN min,FAN max,NEW [%] avg,NEW [%] min,NEW [%] max");
    expect(lines[2]).toBe("2026-01-05T08:01:00Z,23,22,35,0.5,0,1,,,");
    expect(lines).toHaveLength(3);
  });
});

describe("timeAxisLabels", () => {
  const t0 = Date.UTC(2026, 0, 5, 8, 0, 0) / 1000;
  const colons = (s: string) => (s.split("\n")[0]?.match(/:/g) ?? []).length;
  it("shows seconds only when the ticks are less than a minute apart", () => {
    expect(timeAxisLabels([t0, t0 + 30], 30).map(colons)).toEqual([2, 2]);
    expect(timeAxisLabels([t0, t0 + 300], 300).map(colons)).toEqual([1, 1]);
  });
  it("adds the date when the day changes, and shows only dates for ticks a day apart", () => {
    const labels = timeAxisLabels([t0, t0 + 12 * 3600, t0 + 24 * 3600], 12 * 3600);
    expect(labels[0]).not.toContain("\n"); // the first tick starts the day
    expect(labels.some((l) => l.includes("\n"))).toBe(true); // 24 h later is another day
    expect(timeAxisLabels([t0, t0 + 60, t0 + 120], 60).some((l) => l.includes("\n"))).toBe(false);
    expect(timeAxisLabels([t0, t0 + 86_400], 86_400).map(colons)).toEqual([0, 0]);
  });
});

describe("axisValue", () => {
  it("gives every tick of an axis the decimals its step needs", () => {
    expect([90, 100].map((v) => axisValue("%", v, 10))).toEqual(["90", "100"]);
    expect([21.5, 22].map((v) => axisValue("°C", v, 0.5))).toEqual(["21.5", "22.0"]);
    expect(axisValue("Pa", 0.25, 0.05)).toBe("0.25");
    expect(axisValue("on/off", 1, 1)).toBe("on");
  });
});

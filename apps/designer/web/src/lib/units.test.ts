import { describe, expect, it } from "vitest";
import { formatTime, formatValue, unitSymbol } from "./units";

describe("formatValue", () => {
  it("puts the unit symbol after a number with sensible decimals", () => {
    expect(formatValue(21.537, { unit: "°C" })).toBe("21.5 °C");
    expect(formatValue(45, { unit: "percent" })).toBe("45 %");
    expect(formatValue(101325.4, { unit: "pascals" })).toMatch(/^101.?325 Pa$/);
    expect(formatValue(0.1234)).toBe("0.12");
  });
  it("says on/off for binary values and names multi-state values", () => {
    expect(formatValue(true)).toBe("on");
    expect(formatValue(false, { unit: "°C" })).toBe("off");
    expect(formatValue(2, { stateTexts: ["Off", "Heat", "Cool"] })).toBe("Heat");
    expect(formatValue(7, { stateTexts: ["Off", "Heat", "Cool"] })).toBe("state 7");
  });
  it("shows a dash for no value", () => {
    expect(formatValue(null, { unit: "°C" })).toBe("—");
  });
});

describe("units and times", () => {
  it("maps standard unit names to symbols and keeps unknown ones", () => {
    expect(unitSymbol("degrees-celsius")).toBe("°C");
    expect(unitSymbol("degC")).toBe("°C");
    expect(unitSymbol("no-units")).toBe("");
    expect(unitSymbol("furlongs")).toBe("furlongs");
  });
  it("formats times in the local zone, accepting epoch seconds", () => {
    expect(formatTime(0)).toBe(formatTime("1970-01-01T00:00:00Z"));
    expect(formatTime(null)).toBe("—");
  });
  it("reads a unix-time value as a local date, not a count of seconds", () => {
    expect(formatValue(1796022000, { unit: "unix-time" })).toBe(formatTime("2026-11-30T07:00:00Z"));
    expect(formatValue(1796022000, { unit: "unix-time" })).not.toContain("1,796");
  });
});

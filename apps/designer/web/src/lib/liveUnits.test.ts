import { describe, expect, it } from "vitest";
import type { BlockSpec } from "../api/types";
import { canonicalPoint, liveText, nodeUnit, outputPortUnit } from "./liveUnits";

const POINTS = new Map([
  ["2001/analog-value,1/present-value", { unit: "°C" }],
  ["2001/multi-state-value,1/present-value", { unit: "", stateTexts: ["Off", "Heat", "Cool"] }],
]);

describe("live units", () => {
  it("takes a point block's unit from its point, written either way", () => {
    expect(canonicalPoint("2001/analog-value,1")).toBe("2001/analog-value,1/present-value");
    expect(nodeUnit("io.point-input", { point: "2001/analog-value,1" }, POINTS).unit).toBe("°C");
    expect(liveText(21.537, "ok", nodeUnit("io.point-input", { point: "2001/analog-value,1/present-value" }, POINTS))).toBe("21.5 °C");
  });
  it("uses a unit parameter, percent for control outputs, state texts and on/off", () => {
    expect(liveText(21, "ok", nodeUnit("io.parameter", { unit: "degC" }, POINTS))).toBe("21 °C");
    expect(liveText(42.25, "ok", nodeUnit("control.pid", {}, POINTS))).toBe("42.3 %");
    expect(liveText(2, "ok", nodeUnit("io.point-input", { point: "2001/multi-state-value,1" }, POINTS))).toBe("Heat");
    expect(liveText(true, "stale")).toBe("on (stale)");
  });
});

describe("outputPortUnit", () => {
  const schedule = {
    outputs: [
      { name: "value", type: null },
      { name: "next_time", type: { type: "number", unit: "unix-time", labels: null } },
    ],
  } as unknown as BlockSpec;
  it("takes the unit a block type declares for the port", () => {
    expect(outputPortUnit(schedule, "next_time", { unit: "" })).toEqual({ unit: "unix-time" });
  });
  it("keeps the block's unit for a port that declares none", () => {
    expect(outputPortUnit(schedule, "value", { unit: "°C" })).toEqual({ unit: "°C" });
    expect(outputPortUnit(undefined, "value", { unit: "%" })).toEqual({ unit: "%" });
  });
});

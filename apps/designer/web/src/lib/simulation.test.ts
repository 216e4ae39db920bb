import { describe, expect, it } from "vitest";
import type { SimulationResult } from "../api/types";
import type { BlockNode } from "./graph";
import { hasData } from "./trends";
import { simulationSeries } from "./simulation";

const node = (id: string, blockType: string, params: Record<string, unknown>, label = "") =>
  ({ id, position: { x: 0, y: 0 }, data: { blockType, params, label } }) as unknown as BlockNode;

describe("simulationSeries", () => {
  const nodes = [
    node("t", "io.point-input", { point: "2102/analog-input,1" }, "Zone temp"),
    node("pid", "control.pid", {}),
    node("fan", "logic.and", {}, "Fan on"),
  ];
  const result = {
    columns: ["time_s", "2102/analog-input,1/present-value", "pid.out", "fan.out", "dead.out"],
    rows: [
      [0, 20, null, false, null],
      [10, 21, 35.5, true, null],
    ],
  } as unknown as SimulationResult;
  const { x, series } = simulationSeries(result, nodes);

  it("names series by block label, whatever form the point reference takes", () => {
    expect(x).toEqual([0, 10]);
    expect(series.map((s) => s.label)).toEqual(["Zone temp", "pid", "Fan on", "dead.out"]);
  });
  it("draws booleans as on/off, gives control outputs %, and marks a series without data", () => {
    expect(series[2]).toMatchObject({ kind: "bool", unit: "on/off", y: [0, 1] });
    expect(series[1]).toMatchObject({ unit: "%", y: [null, 35.5] });
    expect(series.map(hasData)).toEqual([true, true, true, false]);
  });
});

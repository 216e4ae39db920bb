import { describe, expect, it } from "vitest";
import type { BlockSpec, Graph } from "../api/types";
import { connectionProblem, inputsOf } from "./connection";
import { withComposites } from "./composites";

const graph = {
  flows: [],
  nodes: [],
  edges: [],
  composites: [
    {
      name: "zone",
      version: 2,
      title: "Zone",
      doc: "",
      inputs: [{ name: "temp", type: { type: "number", unit: "degC" }, required: true, default: null, doc: "", targets: [{ node: "pid", port: "pv" }] }],
      outputs: [{ name: "damper", type: { type: "number", unit: "%" }, doc: "", source: { node: "pid", port: "out" } }],
      params: [],
      nodes: [{ id: "pid", type: "control.pid", params: {} }],
      edges: [],
      layout: {},
    },
  ],
} as unknown as Graph;

describe("withComposites", () => {
  it("adds each composite version as a catalogue entry with its declared ports", () => {
    const catalogue = withComposites(new Map<string, BlockSpec>(), graph);
    const spec = catalogue.get("composite:zone@2");
    expect(spec?.title).toBe("Zone");
    expect(inputsOf(spec!, {}).map((p) => [p.name, p.type?.unit])).toEqual([["temp", "degC"]]);
  });

  it("leaves the catalogue as it is without composites", () => {
    const base = new Map<string, BlockSpec>();
    expect(withComposites(base, { flows: [], nodes: [], edges: [] } as unknown as Graph)).toBe(base);
  });

  it("lets the editor refuse a % output into a degC composite input", () => {
    const catalogue = withComposites(new Map<string, BlockSpec>(), graph);
    const nodes = new Map([
      ["a", { id: "a", type: "composite:zone@2", params: {} }],
      ["b", { id: "b", type: "composite:zone@2", params: {} }],
    ]);
    const problem = connectionProblem({ source: "a", sourceHandle: "damper", target: "b", targetHandle: "temp" }, nodes, catalogue, []);
    expect(problem).toBe("number[%] cannot drive number[degC]");
  });
});

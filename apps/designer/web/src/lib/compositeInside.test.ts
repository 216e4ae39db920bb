import { describe, expect, it } from "vitest";
import type { Graph, ValidationIssue } from "../api/types";
import { flatId, inputValues, insideFlow, instanceValues, issuesInside, issuePath, outputUnit, pinId, resolvePath, valuesInside } from "./compositeInside";

const NUM = { type: "number" as const, unit: null, labels: null };
const LOOP = {
  name: "loop",
  version: 2,
  title: "Loop",
  inputs: [{ name: "pv", type: NUM, required: true, targets: [{ node: "pid", port: "pv" }] }],
  outputs: [{ name: "out", type: NUM, source: { node: "lim", port: "out" } }],
  params: [{ name: "kp", type: "number" as const, targets: [{ node: "pid", param: "kp" }] }],
  nodes: [
    { id: "pid", type: "control.pid", params: { kp: 1 } },
    { id: "lim", type: "math.limiter", params: { min: 0, max: 100 } },
  ],
  edges: [{ source: "pid", sourcePort: "out", target: "lim", targetPort: "in" }],
  layout: { pid: { x: 0, y: 0 }, lim: { x: 300, y: 0 } },
};
const ZONE = {
  name: "zone",
  version: 1,
  title: "Zone",
  inputs: [{ name: "temp", type: NUM, required: true, targets: [{ node: "loop", port: "pv" }] }],
  outputs: [{ name: "damper", type: NUM, source: { node: "loop", port: "out" } }],
  nodes: [{ id: "loop", type: "composite:loop@2", params: { kp: 5 } }],
};
const GRAPH = {
  flows: [{ id: "f", name: "Zones", schedule: { periodMs: 1000, phaseMs: 0 }, triggerOnChange: [] }],
  nodes: [{ id: "zone_3", type: "composite:zone@1", flow: "f", params: {}, label: "Zone 3" }],
  edges: [],
  layout: {},
  composites: [LOOP, ZONE],
} as unknown as Graph;

describe("the inside of a composite instance", () => {
  it("resolves a nested path to its definitions, and nothing for a path that leads nowhere", () => {
    const levels = resolvePath(GRAPH, ["zone_3", "loop"]);
    expect(levels?.map((l) => [l.id, l.label, l.definition.name, l.params])).toEqual([
      ["zone_3", "Zone 3", "zone", {}],
      ["loop", "loop", "loop", { kp: 5 }],
    ]);
    expect(resolvePath(GRAPH, ["zone_3", "nope"])).toBeNull();
    expect(resolvePath(GRAPH, ["zone_3", "loop", "pid"])).toBeNull(); // a plain block has no inside
  });

  it("draws the inner blocks where the definition put them, with its ports at the edges", () => {
    const { nodes, pins, edges } = insideFlow(LOOP as never);
    expect(nodes.map((n) => [n.id, n.position])).toEqual([
      ["pid", { x: 0, y: 0 }],
      ["lim", { x: 300, y: 0 }],
    ]);
    const input = pins.find((p) => p.id === pinId("in", "pv"))!;
    const output = pins.find((p) => p.id === pinId("out", "out"))!;
    expect(input.position.x).toBeLessThan(0);
    expect(output.position.x).toBeGreaterThan(300);
    expect(edges.map((e) => `${e.source}.${e.sourceHandle}->${e.target}.${e.targetHandle}`).sort()).toEqual([
      "input:pv.value->pid.pv",
      "lim.out->output:out.value",
      "pid.out->lim.in",
    ]);
  });

  it("maps the engine's flat node ids onto the inner blocks, through nested instances", () => {
    expect(flatId(["zone_3", "loop"], "pid")).toBe("zone_3__loop__pid");
    const values = {
      zone_3__loop__pid: { out: [42, "ok"] as [number, string] },
      zone_3__loop__lim: { out: [40, "stale"] as [number, string] },
      other: { value: [1, "ok"] as [number, string] },
    };
    const inner = valuesInside(GRAPH, LOOP as never, ["zone_3", "loop"], values);
    expect(inner.get("pid")).toEqual({ out: [42, "ok"] });
    expect(inner.get("lim")).toEqual({ out: [40, "stale"] });
    // One level up, the nested instance shows its declared output; so does the outer instance.
    expect(valuesInside(GRAPH, ZONE as never, ["zone_3"], values).get("loop")).toEqual({ out: [40, "stale"] });
    expect(instanceValues(GRAPH, ZONE as never, "zone_3", values)).toEqual({ damper: [40, "stale"] });
    expect(instanceValues(GRAPH, ZONE as never, "zone_9", values)).toBeUndefined();
  });

  it("shows what flows into an instance's inputs, from the wire one level up", () => {
    const flow = { ...GRAPH, nodes: [...GRAPH.nodes, { id: "k", type: "io.constant", flow: "f", params: { value: 1, unit: "degrees-celsius" } }], edges: [{ source: "k", sourcePort: "value", target: "zone_3", targetPort: "temp" }] } as unknown as Graph;
    const values = { k: { value: [23.5, "ok"] as [number, string] } };
    const top = inputValues(flow, resolvePath(flow, ["zone_3"])!, values, new Map());
    expect(top.get("temp")?.value).toEqual([23.5, "ok"]);
    expect(top.get("temp")?.unit.unit).toBe("°C");
    // Nested: loop.pv is fed inside zone by zone's input pin, not by a node: nothing to show.
    expect(inputValues(flow, resolvePath(flow, ["zone_3", "loop"])!, values, new Map()).size).toBe(0);
  });

  it("gives an instance's output its declared unit, else that of the inner block behind it", () => {
    // zone.damper <- loop.out <- lim (a limiter: no unit of its own); a PID's output is a percentage.
    expect(outputUnit(GRAPH, ZONE as never, "damper", new Map())).toEqual({ unit: "" });
    const pidOut = { ...LOOP, outputs: [{ name: "out", type: NUM, source: { node: "pid", port: "out" } }] };
    expect(outputUnit(GRAPH, pidOut as never, "out", new Map())).toEqual({ unit: "%" });
    expect(outputUnit(GRAPH, pidOut as never, "nope", new Map())).toEqual({ unit: "" });
    // a unit the definition declares for the output wins (the demo zone's damper: a maximum of two %)
    const declared = { ...ZONE, outputs: [{ ...ZONE.outputs[0]!, type: { ...NUM, unit: "%" } }] };
    expect(outputUnit(GRAPH, declared as never, "damper", new Map())).toEqual({ unit: "%" });
  });

  it("puts each issue on the inner block of the level its path goes through", () => {
    const issue = (path: string | null, node = "zone_3"): ValidationIssue =>
      ({ code: "invalid_parameter", message: `at ${path}`, node, path, nodes: [] }) as unknown as ValidationIssue;
    const issues = [issue("zone_3 > loop > lim"), issue("zone_3 > loop"), issue(null), issue("zone_4 > loop", "zone_4")];
    expect(issuePath(issues[0]!)).toEqual(["zone_3", "loop", "lim"]);
    expect(issuePath(issues[2]!)).toEqual(["zone_3"]);
    expect([...issuesInside(issues, ["zone_3"])]).toEqual([["loop", ["at zone_3 > loop > lim", "at zone_3 > loop"]]]);
    expect([...issuesInside(issues, ["zone_3", "loop"])]).toEqual([["lim", ["at zone_3 > loop > lim"]]]);
  });
});

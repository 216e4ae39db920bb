import { describe, expect, it } from "vitest";
import type { Graph } from "../api/types";
import type { NodeValues } from "./compositeInside";
import { BLOCKS } from "./fixtures";
import { type BlockNode, toFlow } from "./graph";
import { type LiveContext, paintEdges, paintNodes, unpainted } from "./liveCanvas";

const NUM = { type: "number" as const, unit: null, labels: null };
const GAIN = {
  name: "gain",
  version: 1,
  title: "Gain",
  inputs: [{ name: "in", type: NUM, required: true, targets: [{ node: "add", port: "in" }] }],
  outputs: [{ name: "out", type: NUM, source: { node: "add", port: "out" } }],
  nodes: [{ id: "add", type: "math.add", params: {} }],
};
const GRAPH = {
  flows: [
    { id: "ahu", name: "Air handler", schedule: { periodMs: 1000, phaseMs: 0 }, triggerOnChange: [] },
    { id: "zones", name: "Zones", schedule: { periodMs: 1000, phaseMs: 0 }, triggerOnChange: [] },
  ],
  nodes: [
    { id: "supply", type: "io.point-input", flow: "ahu", params: { point: "2001/analog-input,1" } },
    { id: "sum", type: "math.add", flow: "ahu", params: {} },
    { id: "boost", type: "composite:gain@1", flow: "ahu", params: {} },
    { id: "zone_1", type: "io.point-input", flow: "zones", params: { point: "2001/analog-input,2" } },
  ],
  edges: [{ source: "supply", sourcePort: "value", target: "sum", targetPort: "in_1" }],
  layout: {},
  composites: [GAIN],
} as unknown as Graph;
const CTX: LiveContext = {
  graph: GRAPH,
  catalogue: BLOCKS,
  pointUnits: new Map([["2001/analog-input,1/present-value", { unit: "°C" }]]),
};
// The engine's values of both flows, as the stream's first events and later changes merge them.
const VALUES: NodeValues = {
  supply: { value: [21.54, "ok"] },
  sum: { out: [3, "stale"] },
  boost__add: { out: [7, "ok"] },
  zone_1: { value: [19, "ok"] },
};

const live = (nodes: BlockNode[]) => Object.fromEntries(nodes.map((n) => [n.id, [n.data.live, n.data.status]]));

describe("live values on the canvas", () => {
  it("paints a freshly loaded flow from the latest values: units, worst quality, instances, wires", () => {
    const { nodes, edges } = toFlow(GRAPH, "ahu");
    expect(unpainted(nodes, edges, VALUES, CTX)).toBe(true);
    const painted = paintNodes(nodes, VALUES, CTX);
    expect(live(painted)).toEqual({
      supply: [{ value: "21.5 °C" }, "ok"],
      sum: [{ out: "3 (stale)" }, "stale"],
      boost: [{ out: "7" }, "ok"],
    });
    const wires = paintEdges(edges, painted, VALUES, CTX);
    expect(wires.map((e) => e.label)).toEqual(["21.5 °C"]);
    expect(unpainted(painted, wires, VALUES, CTX)).toBe(false);
  });

  it("repaints on a change only the nodes it names, and the instances built of other ids", () => {
    const nodes = paintNodes(toFlow(GRAPH, "ahu").nodes, VALUES, CTX);
    const next = { ...VALUES, supply: { value: [22, "ok"] }, boost__add: { out: [8, "ok"] } } as NodeValues;
    const repainted = paintNodes(nodes, next, CTX, new Set(["supply", "boost__add"]));
    expect(live(repainted)).toMatchObject({ supply: [{ value: "22 °C" }, "ok"], boost: [{ out: "8" }, "ok"] });
    expect(repainted.find((n) => n.id === "sum")).toBe(nodes.find((n) => n.id === "sum"));
  });

  it("leaves a flow without values as it is, and has nothing to paint", () => {
    const { nodes, edges } = toFlow(GRAPH, "zones");
    const none: NodeValues = { supply: VALUES.supply! };
    expect(unpainted(nodes, edges, none, CTX)).toBe(false);
    expect(paintNodes(nodes, none, CTX)).toEqual(nodes);
  });
});

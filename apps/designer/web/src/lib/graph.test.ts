import { describe, expect, it } from "vitest";
import type { Graph } from "../api/types";
import { arrange, canonicalGraph, edgeId, fromFlow, newNodeId, toFlow } from "./graph";

const GRAPH: Graph = {
  flows: [
    { id: "a", name: "A", schedule: { periodMs: 1000, phaseMs: 0 }, triggerOnChange: [] },
    { id: "b", name: "B", schedule: { periodMs: 5000, phaseMs: 0 }, triggerOnChange: [] },
  ],
  nodes: [
    { id: "k", type: "io.constant", flow: "a", params: { value: 1 } },
    { id: "n", type: "logic.not", flow: "a", params: {}, label: "Invert" },
    { id: "z", type: "math.abs", flow: "b", params: {} },
  ],
  edges: [
    { source: "k", sourcePort: "value", target: "n", targetPort: "in" },
    { source: "z", sourcePort: "out", target: "z", targetPort: "in" },
  ],
  layout: { k: { x: 10, y: 20 }, z: { x: 1, y: 2 } },
};

describe("toFlow / fromFlow", () => {
  it("gives one flow's nodes with their stored or default positions, and its edges", () => {
    const { nodes, edges } = toFlow(GRAPH, "a");
    expect(nodes.map((n) => n.id)).toEqual(["k", "n"]);
    expect(nodes[0]?.position).toEqual({ x: 10, y: 20 });
    expect(nodes[1]?.data).toMatchObject({ blockType: "logic.not", label: "Invert" });
    expect(edges).toEqual([
      { id: "k.value->n.in", source: "k", sourceHandle: "value", target: "n", targetHandle: "in" },
    ]);
  });
  it("round-trips without touching other flows; moving a node changes layout only", () => {
    const { nodes, edges } = toFlow(GRAPH, "a");
    const back = fromFlow(GRAPH, "a", nodes, edges);
    expect(back.nodes).toHaveLength(3);
    expect(back.edges).toHaveLength(2);
    expect(back.layout?.z).toEqual({ x: 1, y: 2 });
    const moved = fromFlow(GRAPH, "a", nodes.map((n) => ({ ...n, position: { x: 99.4, y: 5 } })), edges);
    expect(moved.layout?.k).toEqual({ x: 99, y: 5 });
    expect(moved.nodes?.find((n) => n.id === "k")).toEqual(GRAPH.nodes?.[0]);
  });
  it("drops a deleted node's wires and position", () => {
    const { nodes, edges } = toFlow(GRAPH, "a");
    const back = fromFlow(GRAPH, "a", nodes.filter((n) => n.id !== "k"), edges);
    expect(back.edges?.map(edgeId)).toEqual(["z.out->z.in"]);
    expect(back.layout?.k).toBeUndefined();
  });
  it("names new nodes after the block type", () => {
    expect(newNodeId("control.pid", new Set(["pid1"]))).toBe("pid2");
    expect(newNodeId("io.point-output", new Set())).toBe("point_output1");
  });
});

describe("canonicalGraph", () => {
  it("gives equal graphs one form whatever the flow being edited", () => {
    const { nodes, edges } = toFlow(GRAPH, "b");
    const edited = fromFlow(GRAPH, "b", nodes, edges);
    const withNullLabel: Graph = { ...GRAPH, nodes: GRAPH.nodes.map((n) => ({ ...n, label: n.label ?? null })) };
    expect(JSON.stringify(canonicalGraph(edited))).toBe(JSON.stringify(canonicalGraph(withNullLabel)));
  });
});

describe("arrange", () => {
  it("puts selected nodes in columns by chain depth and leaves the rest alone", () => {
    const nodes = [
      { id: "a", position: { x: 100, y: 50 }, selected: true },
      { id: "b", position: { x: 0, y: 300 }, selected: true },
      { id: "c", position: { x: 500, y: 0 }, selected: true },
      { id: "d", position: { x: 900, y: 900 } },
    ];
    const edges = [
      { source: "a", target: "c" },
      { source: "b", target: "c" },
      { source: "c", target: "d" },
    ];
    const pos = arrange(nodes, edges, { columnWidth: 200, rowHeight: 100 });
    expect(pos.get("a")).toEqual({ x: 0, y: 0 });
    expect(pos.get("b")).toEqual({ x: 0, y: 100 });
    expect(pos.get("c")).toEqual({ x: 200, y: 0 });
    expect(pos.has("d")).toBe(false);
  });
  it("survives a cycle", () => {
    const nodes = [
      { id: "a", position: { x: 0, y: 0 }, selected: true },
      { id: "b", position: { x: 0, y: 0 }, selected: true },
    ];
    expect(arrange(nodes, [{ source: "a", target: "b" }, { source: "b", target: "a" }]).size).toBe(2);
  });
});

import { describe, expect, it } from "vitest";
import type { Graph } from "../api/types";
import { canonicalGraph, edgeId, fromFlow, newNodeId, toFlow } from "./graph";

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

describe("canonicalGraph and composites", () => {
  it("keeps the composites, so a save after 'Make composite' does not orphan its instances", () => {
    const composites = [{ name: "zone", version: 1, title: "Zone", nodes: [{ id: "pid", type: "control.pid", params: {} }] }] as Graph["composites"];
    const g = canonicalGraph({ ...GRAPH, composites });
    expect(g.composites).toEqual(composites);
    const { nodes, edges } = toFlow({ ...GRAPH, composites }, "a");
    expect(canonicalGraph(fromFlow({ ...GRAPH, composites }, "a", nodes, edges)).composites).toEqual(composites);
  });
  it("leaves out an empty list, so a graph saved with none compares equal", () => {
    expect(JSON.stringify(canonicalGraph({ ...GRAPH, composites: [] }))).toBe(JSON.stringify(canonicalGraph(GRAPH)));
  });
});

import { describe, expect, it } from "vitest";
import { findBlocks } from "../components/editor/FindBlock";
import { GRID, layoutNodes } from "./layout";

/** Whether any two boxes overlap. */
function overlaps(boxes: readonly { x: number; y: number; width: number; height: number }[]): boolean {
  return boxes.some((a, i) =>
    boxes.slice(i + 1).some((b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height),
  );
}

const box = (id: string, inputs: string[] = ["in"], outputs: string[] = ["out"]) => ({
  id,
  position: { x: 100, y: 100 }, // every block dropped on the same spot
  width: 170,
  height: 90,
  inputs,
  outputs,
});

describe("layoutNodes (ELK layered, left to right)", () => {
  it("puts a chain left to right on the grid with no two blocks overlapping", async () => {
    const nodes = [box("a"), box("b"), box("c", ["a", "b"]), box("d"), box("e")];
    const edges = [
      { source: "a", sourceHandle: "out", target: "c", targetHandle: "a" },
      { source: "b", sourceHandle: "out", target: "c", targetHandle: "b" },
      { source: "c", sourceHandle: "out", target: "d", targetHandle: "in" },
    ];
    const pos = await layoutNodes(nodes, edges);
    expect(pos.size).toBe(5);
    const at = (id: string) => pos.get(id)!;
    expect(at("a").x).toBeLessThan(at("c").x);
    expect(at("c").x).toBeLessThan(at("d").x);
    expect(overlaps(nodes.map((n) => ({ ...at(n.id), width: n.width, height: n.height })))).toBe(false);
    for (const p of pos.values()) {
      expect(p.x % GRID).toBe(0);
      expect(p.y % GRID).toBe(0);
    }
    expect(Math.min(...[...pos.values()].map((p) => p.x))).toBe(100); // anchored where the blocks were
  });

  it("keeps the input order of a block: the wire into its first input comes from higher up", async () => {
    const nodes = [box("x"), box("y"), box("sum", ["in1", "in2"])];
    const edges = [
      { source: "y", sourceHandle: "out", target: "sum", targetHandle: "in1" },
      { source: "x", sourceHandle: "out", target: "sum", targetHandle: "in2" },
    ];
    const pos = await layoutNodes(nodes, edges);
    expect(pos.get("y")!.y).toBeLessThan(pos.get("x")!.y);
  });
});

describe("findBlocks", () => {
  const graph = {
    flows: [
      { id: "ahu", name: "AHU", schedule: { periodMs: 1000, phaseMs: 0 }, triggerOnChange: [] },
      { id: "zones", name: "Zones", schedule: { periodMs: 1000, phaseMs: 0 }, triggerOnChange: [] },
    ],
    nodes: [
      { id: "sat_pid", type: "control.pid", flow: "ahu", params: {}, label: "Supply air loop" },
      { id: "z1_cool_pid", type: "control.pid", flow: "zones", params: {} },
      { id: "oat", type: "io.point-input", flow: "ahu", params: {} },
    ],
    edges: [],
  };

  it("matches ids, labels and types across flows, ids starting with the query first", () => {
    expect(findBlocks(graph, "supply").map((h) => h.id)).toEqual(["sat_pid"]);
    expect(findBlocks(graph, "pid").map((h) => h.id)).toEqual(["sat_pid", "z1_cool_pid"]);
    expect(findBlocks(graph, "z1")[0]).toMatchObject({ id: "z1_cool_pid", flow: "Zones" });
    expect(findBlocks(graph, "  ")).toEqual([]);
  });
});

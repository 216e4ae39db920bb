import { describe, expect, it } from "vitest";
import type { Edge, GraphNode, ProjectContent } from "../api/types";
import { canonicalPoint, graphDiff, isEmptyDiff } from "./diff";

const flows = [{ id: "main", name: "Main", schedule: { periodMs: 1000, phaseMs: 0 }, triggerOnChange: [] }] as never;

function content(
  nodes: GraphNode[],
  edges: Edge[] = [],
  bindings: Record<string, string> = {},
): ProjectContent {
  return { graph: { nodes, edges, flows, layout: {} }, bindings } as ProjectContent;
}

const BEFORE = content(
  [
    { id: "k", type: "io.constant", flow: "main", params: { value: 1 } },
    { id: "pid", type: "control.pid", flow: "main", params: { tiS: 300 } },
    { id: "out", type: "io.point-output", flow: "main", params: { point: "2001/analog-output,1", priority: 8 } },
    { id: "old", type: "logic.not", flow: "main", params: {} },
  ],
  [{ source: "k", sourcePort: "value", target: "pid", targetPort: "setpoint" }],
);

describe("graphDiff (the server's diff.py rules)", () => {
  it("lists added, removed and changed blocks with the changed fields", () => {
    const after = content(
      [
        { id: "k", type: "io.constant", flow: "main", params: { value: 2 } },
        { id: "pid", type: "control.pid", flow: "main", params: { tiS: 300 } },
        { id: "out", type: "io.point-output", flow: "main", params: { point: "2001/analog-output,1", priority: 8 } },
        { id: "new", type: "logic.not", flow: "main", params: {} },
      ],
      [{ source: "k", sourcePort: "value", target: "pid", targetPort: "pv" }],
    );
    const d = graphDiff(BEFORE, after);
    expect(d.blocksAdded).toEqual(["new"]);
    expect(d.blocksRemoved).toEqual(["old"]);
    expect(d.blocksChanged).toEqual([
      { node: "k", fields: ["params.value"] },
      { node: "pid", fields: ["inputs"] },
    ]);
    expect(d.pointsNewlyWritten).toEqual([]);
  });
  it("reports points newly written (bindings applied, canonical refs) and priority changes", () => {
    const after = content(
      [
        { id: "out", type: "io.point-output", flow: "main", params: { point: "2001/analog-output,1" } },
        { id: "out2", type: "io.point-output", flow: "main", params: { point: "x", priority: 9 } },
      ],
      [],
      { out2: "2001/analog-output,2" },
    );
    const d = graphDiff(BEFORE, after);
    expect(d.pointsNewlyWritten).toEqual(["2001/analog-output,2/present-value"]);
    expect(d.priorityChanges).toEqual([
      { point: "2001/analog-output,1/present-value", before: 8, after: 16 },
    ]);
    expect(d.blocksChanged).toContainEqual({ node: "out", fields: ["params.priority"] });
  });
  it("treats nothing deployed as everything added, and ignores layout and labels", () => {
    expect(graphDiff(null, BEFORE).blocksAdded).toEqual(["k", "old", "out", "pid"]);
    expect(graphDiff(null, BEFORE).pointsNewlyWritten).toEqual(["2001/analog-output,1/present-value"]);
    const moved: ProjectContent = {
      ...BEFORE,
      graph: {
        edges: BEFORE.graph!.edges,
        flows: BEFORE.graph!.flows,
        layout: { k: { x: 5, y: 5 } },
        nodes: BEFORE.graph!.nodes!.map((n) => ({ ...n, label: "renamed" })),
      },
    };
    expect(isEmptyDiff(graphDiff(BEFORE, moved))).toBe(true);
  });
  it("canonicalises point references", () => {
    expect(canonicalPoint("1001/analog-value,3")).toBe("1001/analog-value,3/present-value");
    expect(canonicalPoint("1001/analog-value,3/priority-array[8]")).toBe("1001/analog-value,3/priority-array[8]");
  });
});

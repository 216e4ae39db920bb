import { describe, expect, it } from "vitest";
import type { Graph } from "../api/types";
import { changeDefinition, instancesOf, nestedIn, withInnerNode, withInnerPosition } from "./compositeEdit";

const ZONE = {
  name: "zone",
  version: 1,
  title: "Zone",
  inputs: [],
  outputs: [],
  nodes: [{ id: "lim", type: "math.limiter", params: { min: 80, max: 20 } }],
  layout: { lim: { x: 0, y: 0 } },
};
const GRAPH = {
  flows: [],
  nodes: [
    { id: "zone_1", type: "composite:zone@1", flow: "a", params: {} },
    { id: "zone_2", type: "composite:zone@1", flow: "b", params: {} },
    { id: "k", type: "io.constant", flow: "a", params: { value: 1 } },
  ],
  edges: [],
  layout: {},
  composites: [ZONE],
} as unknown as Graph;

describe("editing a composite's definition", () => {
  it("saves the first change as the next version, and moves every instance (in every flow) to it", () => {
    const { graph, version } = changeDefinition(GRAPH, "zone", 1, (d) => withInnerNode(d, "lim", { params: { min: 20, max: 80 } }), true);
    expect(version).toBe(2);
    expect(graph.composites?.map((d) => [d.name, d.version, d.nodes[0]?.params])).toEqual([["zone", 2, { min: 20, max: 80 }]]);
    expect(instancesOf(graph, "zone", 2)).toEqual(["zone_1", "zone_2"]);
    expect(graph.nodes?.find((n) => n.id === "k")?.type).toBe("io.constant");
    // The original is untouched (undo and the saved revision still hold version 1).
    expect(GRAPH.composites?.[0]?.nodes[0]?.params).toEqual({ min: 80, max: 20 });
  });

  it("amends the version in place without a bump, and moves a block without touching its logic", () => {
    const { graph, version } = changeDefinition(GRAPH, "zone", 1, (d) => withInnerNode(d, "lim", { label: "Damper limits" }), false);
    expect(version).toBe(1);
    expect(graph.composites?.[0]?.nodes[0]?.label).toBe("Damper limits");
    expect(instancesOf(graph, "zone", 1)).toHaveLength(2);
    const moved = withInnerPosition(ZONE as never, "lim", { x: 10.4, y: 19.6 });
    expect(moved.layout).toEqual({ lim: { x: 10, y: 20 } });
    expect(moved.nodes).toBe(ZONE.nodes);
  });

  it("picks the version after the highest one, and knows a composite used inside another", () => {
    const two = { ...GRAPH, composites: [ZONE, { ...ZONE, version: 3 }, { ...ZONE, name: "ahu", nodes: [{ id: "z", type: "composite:zone@3", params: {} }] }] } as unknown as Graph;
    expect(changeDefinition(two, "zone", 1, (d) => d, true).version).toBe(4);
    expect(nestedIn(two, "zone")).toEqual(["ahu@1"]);
    expect(nestedIn(two, "ahu")).toEqual([]);
  });
});

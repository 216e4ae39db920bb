import { describe, expect, it } from "vitest";
import type { Graph, ValidationIssue } from "../../api/types";
import { issueFlowLabel } from "./ProblemsPanel";

const graph = {
  flows: [
    { id: "flow_2", name: "Zone 1", schedule: { periodMs: 1000, phaseMs: 0 }, triggerOnChange: [] },
    { id: "main", name: "Air handler", schedule: { periodMs: 1000, phaseMs: 0 }, triggerOnChange: [] },
  ],
  nodes: [{ id: "pid", type: "control.pid", flow: "flow_2", params: {} }],
  edges: [],
  layout: {},
} as unknown as Graph;

const issue = (over: Partial<ValidationIssue>) => ({ code: "cycle", message: "m", nodes: [], ...over }) as ValidationIssue;

describe("issueFlowLabel", () => {
  it("names a flow by its tab label, not its id", () => {
    expect(issueFlowLabel(issue({ flow: "flow_2" }), graph)).toBe("Zone 1");
  });
  it("finds the flow of the block an issue names", () => {
    expect(issueFlowLabel(issue({ node: "pid" }), graph)).toBe("Zone 1");
  });
  it("says nothing when the issue concerns no flow it can find", () => {
    expect(issueFlowLabel(issue({ node: "gone" }), graph)).toBeNull();
    expect(issueFlowLabel(issue({}), undefined)).toBeNull();
  });
});

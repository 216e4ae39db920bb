import { describe, expect, it } from "vitest";
import type { Graph, InstancePreview, TemplatePreview } from "../api/types";
import { bindingText, byProblem, draftFor, summary, templateOf } from "./templates";

type Definition = NonNullable<Graph["composites"]>[number];

const zone = {
  name: "vav_zone",
  version: 2,
  title: "VAV zone",
  inputs: [
    { name: "temp", type: { type: "number", unit: "degC" }, targets: [{ node: "a", port: "pv" }] },
    { name: "heat_sp", type: { type: "number", unit: "degC" }, targets: [{ node: "a", port: "setpoint" }] },
  ],
  outputs: [{ name: "damper", type: { type: "number", unit: "%" }, source: { node: "a", port: "out" } }],
  nodes: [{ id: "a", type: "control.pid" }],
} as unknown as Definition;

describe("template drafts", () => {
  it("take each port's tags or link from the stored template and give them back", () => {
    const stored = {
      name: "zone",
      composite: "composite:vav_zone@1",
      flow: "zones",
      placeholders: [{ port: "temp", tags: ["zone", "air", "temp", "sensor"] }],
      links: { heat_sp: "heat_sp.out" },
    };
    const draft = draftFor(zone, "other", stored as never);
    expect(draft.composite).toBe("composite:vav_zone@2");
    expect(draft.flow).toBe("zones");
    expect(draft.rows.map((r) => [r.port, r.mode, r.text])).toEqual([
      ["temp", "tags", "zone air temp sensor"],
      ["heat_sp", "link", "heat_sp.out"],
      ["damper", "none", ""],
    ]);
    draft.rows[2] = { ...draft.rows[2]!, mode: "tags", text: "damper, cmd" };
    const template = templateOf(draft);
    expect(template.placeholders.map((p) => [p.port, p.tags])).toEqual([
      ["temp", ["zone", "air", "temp", "sensor"]],
      ["damper", ["damper", "cmd"]],
    ]);
    expect(template.links).toEqual({ heat_sp: "heat_sp.out" });
  });
});

describe("previews in words", () => {
  const instance = (name: string, complete: boolean): InstancePreview => ({
    equipment: name, equipmentName: name, instance: `zone_${name}`, complete,
    bindings: [{ port: "damper", tags: ["damper", "cmd"], status: complete ? "bound" : "unresolved", point: complete ? "1/ao,1" : null, candidates: [] }],
  });
  it("list the devices with problems first and count every kind of change", () => {
    const preview: TemplatePreview = {
      template: "zone", instantiated: 2, unresolved: 1, ambiguous: 0,
      instances: [instance("VAV-02", true), instance("VAV-21", false), instance("VAV-01", true)],
      changes: [{ node: "zone_vav_01", change: "added", detail: "" }, { node: "zone_vav_02", change: "changed", detail: "x" }],
    };
    expect(byProblem(preview.instances).map((i) => i.equipmentName)).toEqual(["VAV-21", "VAV-01", "VAV-02"]);
    expect(summary(preview)).toBe(
      "2 of 3 devices bound · 1 not instantiated (1 unresolved, 0 ambiguous) · blocks: 1 added, 1 changed, 0 removed",
    );
    expect(bindingText(preview.instances[1]!.bindings[0]!)).toBe("no point tagged damper cmd");
    expect(bindingText({ port: "d", tags: ["d"], status: "ambiguous", candidates: ["a", "b"] })).toBe("2 points match: a, b");
  });
});

/**
 * Equipment templates in the browser: a template as the form edits it (one row per port of the
 * composite) and back, and what a preview says in words. Binding itself runs on the server.
 */
import type { EquipmentTemplate, Graph, InstancePreview, TemplatePreview } from "../api/types";

type Definition = NonNullable<Graph["composites"]>[number];

/** How one port of the composite is fed (inputs) or where it goes (outputs). */
export type PortMode = "tags" | "link" | "none";

export interface PortRow {
  port: string;
  direction: "input" | "output";
  unit: string;
  mode: PortMode;
  /** Space-separated tags (mode "tags") or "node.port" (mode "link"). */
  text: string;
  required: boolean;
}

export interface TemplateDraft {
  name: string;
  composite: string;
  flow: string;
  rows: PortRow[];
  params: EquipmentTemplate["params"];
}

export const compositeType = (d: Definition) => `composite:${d.name}@${d.version}`;

/** Space- or comma-separated tags as a list, empty entries dropped. */
export const splitTags = (text: string): string[] => text.split(/[\s,]+/).filter(Boolean);

/** The draft for ``definition``, taking what ``base`` (a stored template) says of each port. */
export function draftFor(definition: Definition, flow: string, base?: EquipmentTemplate): TemplateDraft {
  const placeholders = new Map((base?.placeholders ?? []).map((p) => [p.port, p]));
  const links = base?.links ?? {};
  const row = (port: string, direction: PortRow["direction"], unit: string): PortRow => {
    const held = placeholders.get(port);
    if (held) return { port, direction, unit, mode: "tags", text: held.tags.join(" "), required: held.required ?? true };
    const link = links[port];
    if (link && direction === "input") return { port, direction, unit, mode: "link", text: link, required: true };
    return { port, direction, unit, mode: "none", text: "", required: true };
  };
  return {
    name: base?.name ?? definition.name.replace(/[^A-Za-z0-9_]/g, "_"),
    composite: compositeType(definition),
    flow: base?.flow ?? flow,
    params: base?.params ?? {},
    rows: [
      ...(definition.inputs ?? []).map((p) => row(p.name, "input", p.type.unit ?? "")),
      ...(definition.outputs ?? []).map((p) => row(p.name, "output", p.type.unit ?? "")),
    ],
  };
}

/** The template the server binds, from the draft. */
export function templateOf(draft: TemplateDraft): EquipmentTemplate {
  const rows = draft.rows.filter((r) => r.text.trim() !== "");
  return {
    name: draft.name.trim(),
    composite: draft.composite,
    flow: draft.flow,
    params: draft.params,
    placeholders: rows
      .filter((r) => r.mode === "tags")
      .map((r) => ({ port: r.port, tags: splitTags(r.text), required: r.required, priority: 10 })),
    links: Object.fromEntries(rows.filter((r) => r.mode === "link").map((r) => [r.port, r.text.trim()])),
  };
}

/** Problem rows first (unresolved, ambiguous), then the complete ones, each by equipment name. */
export function byProblem(instances: readonly InstancePreview[]): InstancePreview[] {
  return [...instances].sort(
    (a, b) => Number(a.complete) - Number(b.complete) || a.equipmentName.localeCompare(b.equipmentName),
  );
}

/** One line saying what applying would do. */
export function summary(preview: TemplatePreview): string {
  const incomplete = preview.instances.filter((i) => !i.complete);
  const counts = { added: 0, removed: 0, changed: 0 };
  for (const c of preview.changes ?? []) counts[c.change] += 1;
  const parts = [
    `${preview.instantiated} of ${preview.instances.length} devices bound`,
    `${incomplete.length} not instantiated (${preview.unresolved} unresolved, ${preview.ambiguous} ambiguous)`,
    `blocks: ${counts.added} added, ${counts.changed} changed, ${counts.removed} removed`,
  ];
  return parts.join(" · ");
}

/** What a port's binding says, for one cell of the preview table. */
export function bindingText(b: InstancePreview["bindings"][number]): string {
  if (b.status === "bound") return b.point ?? "";
  if (b.status === "ambiguous") return `${b.candidates?.length ?? 0} points match: ${(b.candidates ?? []).join(", ")}`;
  return `no point tagged ${b.tags.join(" ")}`;
}

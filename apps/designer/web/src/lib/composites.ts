/**
 * Composite blocks on the canvas: each composite version of the project becomes a catalogue
 * entry (its declared ports), so an instance draws its handles and wires are checked against
 * its declared types like any block's. The engine library flattens them; nothing here runs.
 */
import type { BlockSpec, Graph } from "../api/types";

type Definition = NonNullable<Graph["composites"]>[number];

export function compositeSpec(d: Definition): BlockSpec {
  return {
    type: `composite:${d.name}@${d.version}`,
    version: d.version,
    category: "composite",
    title: d.title,
    doc: d.doc || `Composite ${d.name}, version ${d.version}`,
    inputs: d.inputs.map((p) => ({ name: p.name, type: p.type, required: p.required, default: p.default ?? null, doc: p.doc })),
    outputs: d.outputs.map((p) => ({ name: p.name, type: p.type, required: true, default: null, doc: p.doc })),
    paramsSchema: {},
    state: "none",
    role: "logic",
  } as BlockSpec;
}

/** The catalogue plus the graph's composites. */
export function withComposites(catalogue: Map<string, BlockSpec>, graph: Graph | undefined | null): Map<string, BlockSpec> {
  const composites = graph?.composites ?? [];
  if (composites.length === 0) return catalogue;
  const out = new Map(catalogue);
  for (const d of composites) {
    const spec = compositeSpec(d);
    out.set(spec.type, spec);
  }
  return out;
}

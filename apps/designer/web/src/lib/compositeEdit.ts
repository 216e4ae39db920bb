/**
 * Editing a composite's definition from inside one of its instances. The definition is shared,
 * so every instance changes with it; and a changed definition is a new version (a deployed
 * bundle pins the version it was built from, and the engine library refuses a pinned version
 * changed in place): the first change of an editing session copies the definition to the next
 * version and moves every instance to it, later changes of the session amend that version.
 * Moving inner blocks changes only the layout, which is not part of the version.
 */
import type { Graph, JsonValue } from "../api/types";
import type { Definition } from "./compositeInside";
import { parseCompositeType } from "./compositeInside";

export const compositeType = (name: string, version: number) => `composite:${name}@${version}`;

/** Ids of the nodes (in any flow) that are instances of ``name`` at ``version``. */
export function instancesOf(graph: Graph, name: string, version: number): string[] {
  const type = compositeType(name, version);
  return (graph.nodes ?? []).filter((n) => n.type === type).map((n) => n.id);
}

/** Whether another composite contains instances of ``name`` (then its own version would have to change too). */
export function nestedIn(graph: Graph, name: string): string[] {
  return (graph.composites ?? [])
    .filter((d) => d.nodes.some((n) => parseCompositeType(n.type)?.name === name))
    .map((d) => `${d.name}@${d.version}`);
}

/**
 * ``graph`` with the definition ``name@version`` changed by ``change``. With ``bump``, the
 * changed definition becomes the next version, every instance moves to it, and the old one
 * goes (nothing uses it any more). Returns the graph and the version now in use.
 */
export function changeDefinition(
  graph: Graph,
  name: string,
  version: number,
  change: (d: Definition) => Definition,
  bump: boolean,
): { graph: Graph; version: number } {
  const composites = graph.composites ?? [];
  const current = composites.find((d) => d.name === name && d.version === version);
  if (!current) return { graph, version };
  if (!bump) {
    return { graph: { ...graph, composites: composites.map((d) => (d === current ? change(d) : d)) }, version };
  }
  const next = 1 + Math.max(...composites.filter((d) => d.name === name).map((d) => d.version));
  const from = compositeType(name, version);
  const to = compositeType(name, next);
  return {
    graph: {
      ...graph,
      nodes: (graph.nodes ?? []).map((n) => (n.type === from ? { ...n, type: to } : n)),
      composites: [...composites.filter((d) => d !== current), { ...change(current), version: next }],
    },
    version: next,
  };
}

/** A definition with one inner node's parameters (and label) replaced. */
export function withInnerNode(
  d: Definition,
  id: string,
  patch: { params?: { [key: string]: JsonValue }; label?: string | null },
): Definition {
  return {
    ...d,
    nodes: d.nodes.map((n) => {
      if (n.id !== id) return n;
      const node = { ...n, ...(patch.params !== undefined ? { params: patch.params } : {}) };
      if (patch.label !== undefined) node.label = patch.label || null;
      return node;
    }),
  };
}

/** A definition with one inner node moved (layout only: the version stays). */
export function withInnerPosition(d: Definition, id: string, position: { x: number; y: number }): Definition {
  return { ...d, layout: { ...(d.layout ?? {}), [id]: { x: Math.round(position.x), y: Math.round(position.y) } } };
}

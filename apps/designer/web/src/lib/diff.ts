/**
 * What changes between two versions of a project: blocks added, removed and changed,
 * points newly written or no longer written, and priority changes.
 *
 * The same rules as the server's bundle diff (apps/designer/src/designer/diff.py):
 * bindings are applied to the point blocks' ``point`` parameter first (as building a
 * bundle does); a node changes when its type, flow or any parameter differs, or when
 * the set of wires into it does (reported as the field ``inputs``); written points are
 * those of point-output blocks, with the block's priority or the bundle default (16).
 * Layout and labels are not logic and are ignored.
 */
import type { JsonValue, ProjectContent } from "../api/types";

export interface NodeChange {
  node: string;
  fields: string[];
}
export interface PriorityChange {
  point: string;
  before: number;
  after: number;
}
export interface GraphDiff {
  blocksAdded: string[];
  blocksRemoved: string[];
  blocksChanged: NodeChange[];
  pointsNewlyWritten: string[];
  pointsNoLongerWritten: string[];
  priorityChanges: PriorityChange[];
}

export const DEFAULT_WRITE_PRIORITY = 16;
const POINT_OUTPUT_TYPES = new Set(["io.point-output"]);

/** The canonical form of a point reference: the property defaults to present-value. */
export function canonicalPoint(ref: string): string {
  const text = ref.trim();
  return /^\d+\/[^/]+,\d+$/.test(text) ? `${text}/present-value` : text;
}

/** Stable JSON for comparing parameter values (object keys sorted). */
export function stableJson(value: JsonValue | undefined): string {
  if (value === undefined) return "undefined";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  const obj = value as { [key: string]: JsonValue };
  const keys = Object.keys(obj).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(obj[k])}`).join(",")}}`;
}

type Params = { [key: string]: JsonValue };
interface Bound {
  type: string;
  flow: string;
  params: Params;
}

function boundNodes(content: ProjectContent): Map<string, Bound> {
  const bindings = content.bindings ?? {};
  const out = new Map<string, Bound>();
  for (const n of content.graph?.nodes ?? []) {
    const params: Params = { ...(n.params ?? {}) };
    const binding = bindings[n.id];
    if (binding !== undefined) params["point"] = binding;
    out.set(n.id, { type: n.type, flow: n.flow, params });
  }
  return out;
}

function wiresInto(content: ProjectContent): Map<string, Set<string>> {
  const wired = new Map<string, Set<string>>();
  for (const e of content.graph?.edges ?? []) {
    const set = wired.get(e.target) ?? new Set<string>();
    set.add(`${e.targetPort}<-${e.source}.${e.sourcePort}`);
    wired.set(e.target, set);
  }
  return wired;
}

const sameSet = (a: Set<string> | undefined, b: Set<string> | undefined): boolean => {
  const x = a ?? new Set<string>();
  const y = b ?? new Set<string>();
  return x.size === y.size && [...x].every((v) => y.has(v));
};

/** Point -> priority of every point the project commands. */
export function writtenPoints(
  content: ProjectContent,
  defaultPriority = DEFAULT_WRITE_PRIORITY,
  isPointOutput: (type: string) => boolean = (t) => POINT_OUTPUT_TYPES.has(t),
): Map<string, number> {
  const points = new Map<string, number>();
  for (const node of boundNodes(content).values()) {
    if (!isPointOutput(node.type)) continue;
    const point = node.params["point"];
    if (typeof point !== "string" || !point) continue;
    const prio = node.params["priority"];
    points.set(canonicalPoint(point), typeof prio === "number" ? prio : defaultPriority);
  }
  return points;
}

const sorted = (items: Iterable<string>) => [...items].sort();

/** The difference from ``before`` (null: nothing deployed) to ``after``. */
export function graphDiff(
  before: ProjectContent | null,
  after: ProjectContent,
  options: { defaultPriority?: number; isPointOutput?: (type: string) => boolean } = {},
): GraphDiff {
  const empty: ProjectContent = { graph: { nodes: [], edges: [], flows: [] } };
  const old = before ?? empty;
  const a = boundNodes(old);
  const b = boundNodes(after);
  const wa = wiresInto(old);
  const wb = wiresInto(after);
  const blocksChanged: NodeChange[] = [];
  for (const id of sorted(a.keys())) {
    const x = a.get(id);
    const y = b.get(id);
    if (!x || !y) continue;
    const fields: string[] = [];
    if (x.type !== y.type) fields.push("type");
    if (x.flow !== y.flow) fields.push("flow");
    for (const k of sorted(new Set([...Object.keys(x.params), ...Object.keys(y.params)]))) {
      if (stableJson(x.params[k]) !== stableJson(y.params[k])) fields.push(`params.${k}`);
    }
    if (!sameSet(wa.get(id), wb.get(id))) fields.push("inputs");
    if (fields.length) blocksChanged.push({ node: id, fields });
  }
  const pa = before ? writtenPoints(old, options.defaultPriority, options.isPointOutput) : new Map();
  const pb = writtenPoints(after, options.defaultPriority, options.isPointOutput);
  return {
    blocksAdded: sorted([...b.keys()].filter((id) => !a.has(id))),
    blocksRemoved: sorted([...a.keys()].filter((id) => !b.has(id))),
    blocksChanged,
    pointsNewlyWritten: sorted([...pb.keys()].filter((p) => !pa.has(p))),
    pointsNoLongerWritten: sorted([...pa.keys()].filter((p) => !pb.has(p))),
    priorityChanges: sorted([...pa.keys()].filter((p) => pb.has(p) && pa.get(p) !== pb.get(p))).map(
      (point) => ({ point, before: pa.get(point) as number, after: pb.get(point) as number }),
    ),
  };
}

/** True when the diff changes nothing. */
export function isEmptyDiff(d: GraphDiff): boolean {
  return (
    !d.blocksAdded.length &&
    !d.blocksRemoved.length &&
    !d.blocksChanged.length &&
    !d.pointsNewlyWritten.length &&
    !d.pointsNoLongerWritten.length &&
    !d.priorityChanges.length
  );
}

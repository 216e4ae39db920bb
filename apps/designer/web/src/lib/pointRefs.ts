/**
 * Point references as people read them: one key per point whichever way it was written
 * ("2001/analog-output,1" and "2001/analog-output,1/present-value" are the same point), and a
 * label of device name and object name instead of the raw reference.
 */

/** The key of a point: its reference without the default "/present-value" property. */
export function pointKey(ref: string | null | undefined): string {
  const s = String(ref ?? "").trim();
  return s.endsWith("/present-value") ? s.slice(0, -"/present-value".length) : s;
}

/** What is known about a point for showing it: where it is, what it is called, its unit. */
export interface PointMeta {
  device: string;
  name: string;
  unit?: string | null;
  stateTexts?: readonly string[] | null;
}

/** "AHU-1 · ZN-T" when the point is known, else the reference itself. */
export function pointLabel(ref: string, meta: ReadonlyMap<string, PointMeta>): string {
  const m = meta.get(pointKey(ref));
  return m ? `${m.device} · ${m.name}` : pointKey(ref);
}

/** The device instance a BACnet or protocol-qualified reference names, or null. */
export function deviceOf(ref: string): number | null {
  const m = /^(?:[a-z][a-z0-9-]*:)?(\d+)\//.exec(ref.trim());
  return m ? Number(m[1]) : null;
}

/**
 * A commandable point's priority array, opened on demand: the slots that hold a value, who holds
 * each one we wrote (the engine, an operator's override, another BACnet client), which slot is in
 * control, and the relinquish default that applies when every slot is empty.
 */
import { useState } from "react";
import type { PrioritySlot } from "../../api/types";
import { useEngineIdentity } from "../../hooks/useEngineIdentity";
import { holderKind, usePriorityArray } from "../../hooks/usePriorityArray";
import type { PointMeta } from "../../lib/pointRefs";
import { formatTime, formatValue } from "../../lib/units";

const KIND_TEXT = { engine: "engine", operator: "operator override", other: "other BACnet client" } as const;

/** `engine`: the program the engine runs now, e.g. "v1.0.3 of Zone alarms" (the audit names the engine, not its version). */
function Holder({ slot, engine }: { slot: PrioritySlot; engine: string | null }) {
  const kind = holderKind(slot.holder);
  if (!kind) return <>—</>;
  const holder = String(slot.holder);
  const who = kind === "operator" ? holder.replace(/^designer:/, "") : kind === "engine" ? (engine ?? (holder !== "engine" ? holder : "")) : "";
  return <span className={`holder holder-${kind}`}>{KIND_TEXT[kind]}{who ? ` (${who})` : ""}</span>;
}

export function PriorityArrayView({ point, meta, refreshKey }: { point: string; meta?: PointMeta; refreshKey?: unknown }) {
  const [open, setOpen] = useState(false);
  const [all, setAll] = useState(false);
  const { array, error } = usePriorityArray(point, open, refreshKey);
  const engine = useEngineIdentity(open);
  const fmt = (v: unknown) => formatValue(v, { unit: meta?.unit, stateTexts: meta?.stateTexts });
  const slots = (array?.slots ?? []).filter((s) => all || s.value !== null && s.value !== undefined);
  return (
    <details className="priority-array" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>Priority array</summary>
      {error && <p className="field-error" role="alert">{error}</p>}
      {open && !array && !error && <p className="loading-inline">Reading the device…</p>}
      {array && (
        <>
          <p className="pa-summary">
            {array.activePriority
              ? <>In control: <strong>priority {array.activePriority}</strong> → {fmt(array.presentValue)}</>
              : <>No slot holds a value: the relinquish default applies ({fmt(array.presentValue)}).</>}
            {" · "}relinquish default {fmt(array.relinquishDefault)}
          </p>
          <table className="pa-slots" aria-label={`Priority array of ${point}`}>
            <thead>
              <tr><th>Priority</th><th>Value</th><th>Held by</th><th>Why</th><th>Until</th></tr>
            </thead>
            <tbody>
              {slots.map((s) => (
                <tr key={s.priority} className={s.priority === array.activePriority ? "in-control" : s.value === null ? "empty-slot" : ""}
                  data-testid={`slot-${s.priority}`}>
                  <td>{s.priority}{s.priority === array.activePriority ? " ◀ in control" : ""}</td>
                  <td>{s.value === null ? "—" : fmt(s.value)}</td>
                  <td><Holder slot={s} engine={engine} /></td>
                  <td>{s.reason ?? "—"}</td>
                  <td>{s.value === null ? "" : s.until ? formatTime(s.until) : s.since ? "until released" : "—"}</td>
                </tr>
              ))}
              {slots.length === 0 && (
                <tr><td colSpan={5}>All 16 slots are empty.</td></tr>
              )}
            </tbody>
          </table>
          <label className="pa-all">
            <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> show all 16 slots
          </label>
        </>
      )}
    </details>
  );
}

/** The write audit log: who wrote what, where, at which priority, why, and what came of it. */
import { useCallback, useEffect, useMemo, useState } from "react";
import { api, errorMessage } from "../api/client";
import type { AuditEntry } from "../api/types";
import { usePointMeta } from "../hooks/usePointMeta";
import { deviceOf, pointKey, pointLabel } from "../lib/pointRefs";
import { formatTime, formatValue } from "../lib/units";

type Outcome = "" | "written" | "failed" | "refused";

/** The reference a point filter stands for (a known point picked by its label, or a reference typed), or null while it is neither. */
function pointFilter(text: string, byLabel: ReadonlyMap<string, string>): string | null {
  const t = text.trim();
  return byLabel.get(t) ?? (t.includes("/") ? t : null);
}

export function Audit() {
  const [point, setPoint] = useState("");
  const [device, setDevice] = useState("");
  const [caller, setCaller] = useState("");
  const [outcome, setOutcome] = useState<Outcome>("");
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState("");
  const meta = usePointMeta();
  // Points are picked by "device · name"; devices by name. Both map back to what the API filters on.
  const byLabel = useMemo(() => new Map([...meta.keys()].map((k) => [pointLabel(k, meta), k])), [meta]);
  const devices = useMemo(() => {
    const names = new Map<number, string>();
    for (const [k, m] of meta) {
      const n = deviceOf(k);
      if (n !== null) names.set(n, m.device);
    }
    return [...names].sort((a, b) => a[0] - b[0]);
  }, [meta]);
  const filtered = Boolean(point.trim() || device || caller.trim() || outcome || since || until);

  const pointRef = point.trim() ? pointFilter(point, byLabel) : "";

  const load = useCallback(async () => {
    if (pointRef === null) return; // half-typed: wait for a whole point
    const query: Record<string, string | number> = { limit: 200 };
    if (pointRef) query.point = pointRef;
    if (device.trim()) query.device = Number(device);
    if (caller.trim()) query.caller = caller.trim();
    if (outcome) query.outcome = outcome;
    if (since) query.since = new Date(since).toISOString();
    if (until) query.until = new Date(until).toISOString();
    const r = await api.GET("/api/iot/writes", { params: { query } });
    if (r.data) {
      setEntries(r.data.entries);
      setError("");
    } else setError(errorMessage(r, "could not load the audit log"));
  }, [pointRef, device, caller, outcome, since, until]);

  useEffect(() => {
    void load();
  }, [load]);

  const clear = () => {
    setPoint("");
    setDevice("");
    setCaller("");
    setOutcome("");
    setSince("");
    setUntil("");
  };

  return (
    <section className="devices">
      <h1>Audit log</h1>
      <form className="filters" aria-label="Filter the audit log" onSubmit={(e) => { e.preventDefault(); void load(); }}>
        <label>Point <input value={point} list="audit-points" onChange={(e) => setPoint(e.target.value)} placeholder="device · name" size={24} title="A point picked from the list, or a reference such as 2001/analog-output,1" /></label>
        {pointRef === null && <small className="hint" id="audit-point-hint">Pick a point from the list, or type a reference such as 2001/analog-output,1</small>}
        <datalist id="audit-points">
          {[...byLabel.keys()].sort().map((l) => <option key={l} value={l} />)}
        </datalist>
        <label>Device
          <select value={device} onChange={(e) => setDevice(e.target.value)}>
            <option value="">any</option>
            {devices.map(([n, name]) => <option key={n} value={String(n)}>{name === String(n) ? n : `${name} (${n})`}</option>)}
          </select>
        </label>
        <label>Operator <input value={caller} onChange={(e) => setCaller(e.target.value)} placeholder="admin or engine" size={12} /></label>
        <label>Result
          <select value={outcome} onChange={(e) => setOutcome(e.target.value as Outcome)}>
            <option value="">any</option><option value="written">written</option>
            <option value="refused">refused</option><option value="failed">failed</option>
          </select>
        </label>
        <label>From <input type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} /></label>
        <label>To <input type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} /></label>
        <button type="button" onClick={clear} disabled={!filtered}>Clear filters</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      {entries === null ? (
        <p className="loading">Loading…</p>
      ) : entries.length === 0 ? (
        <p className="empty">
          {filtered
            ? "No write matches these filters. Widen the time range or clear a filter."
            : "Nothing has been written yet: every write to a device, by the engine or an operator, will be listed here with who, why and the result."}
        </p>
      ) : (
        <table className="list">
          <thead>
            <tr><th>At</th><th>Who</th><th>Point</th><th>Value</th><th>Priority</th><th>Why</th><th>Result</th></tr>
          </thead>
          <tbody>
            {entries.map((e) => {
              const m = meta.get(pointKey(e.point));
              return (
                <tr key={e.id} className={`outcome-${e.outcome}`}>
                  <td>{formatTime(e.at)}</td>
                  <td>{e.caller}</td>
                  <td title={pointKey(e.point)}>{pointLabel(e.point, meta)}</td>
                  <td>{e.value === null ? "relinquish" : formatValue(e.value, { unit: m?.unit, stateTexts: m?.stateTexts })}</td>
                  <td>{e.priority ?? "—"}</td>
                  <td>{e.reason ?? "—"}</td>
                  <td>{e.outcome}{e.error ? `: ${e.error}` : ""}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

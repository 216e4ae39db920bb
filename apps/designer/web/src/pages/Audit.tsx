/** The write audit log: who wrote what, where, at which priority, why, and what came of it. */
import { useCallback, useEffect, useState } from "react";
import { api, errorMessage } from "../api/client";
import type { AuditEntry } from "../api/types";
import { formatTime, formatValue } from "../lib/units";

type Outcome = "" | "written" | "failed" | "refused";

export function Audit() {
  const [point, setPoint] = useState("");
  const [device, setDevice] = useState("");
  const [caller, setCaller] = useState("");
  const [outcome, setOutcome] = useState<Outcome>("");
  const [since, setSince] = useState("");
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState("");

  const load = useCallback(async () => {
    const query: Record<string, string | number> = { limit: 200 };
    if (point.trim()) query.point = point.trim();
    if (device.trim()) query.device = Number(device);
    if (caller.trim()) query.caller = caller.trim();
    if (outcome) query.outcome = outcome;
    if (since) query.since = new Date(since).toISOString();
    const r = await api.GET("/api/iot/writes", { params: { query } });
    if (r.data) {
      setEntries(r.data.entries);
      setError("");
    } else setError(errorMessage(r, "could not load the audit log"));
  }, [point, device, caller, outcome, since]);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <section className="devices">
      <h1>Audit log</h1>
      <form className="filters" onSubmit={(e) => { e.preventDefault(); void load(); }}>
        <label>Point <input value={point} onChange={(e) => setPoint(e.target.value)} placeholder="2001/analog-output,1" /></label>
        <label>Device <input value={device} inputMode="numeric" onChange={(e) => setDevice(e.target.value.replace(/\D/g, ""))} /></label>
        <label>Operator <input value={caller} onChange={(e) => setCaller(e.target.value)} placeholder="admin or engine" /></label>
        <label>Result
          <select value={outcome} onChange={(e) => setOutcome(e.target.value as Outcome)}>
            <option value="">any</option><option value="written">written</option>
            <option value="refused">refused</option><option value="failed">failed</option>
          </select>
        </label>
        <label>Since <input type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} /></label>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      {entries === null ? (
        <p className="loading">Loading…</p>
      ) : entries.length === 0 ? (
        <p className="empty">No write matches these filters.</p>
      ) : (
        <table className="list">
          <thead>
            <tr><th>At</th><th>Who</th><th>Point</th><th>Value</th><th>Priority</th><th>Why</th><th>Result</th></tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id} className={`outcome-${e.outcome}`}>
                <td>{formatTime(e.at)}</td>
                <td>{e.caller}</td>
                <td>{e.point}</td>
                <td>{e.value === null ? "relinquish" : formatValue(e.value)}</td>
                <td>{e.priority ?? "—"}</td>
                <td>{e.reason ?? "—"}</td>
                <td>{e.outcome}{e.error ? `: ${e.error}` : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Active operator overrides: who holds which point at which priority, why, and until when. */
import { useState } from "react";
import type { Override } from "../api/types";
import { formatRemaining, useOverrides } from "../hooks/useOverrides";
import { formatTime, formatValue } from "../lib/units";

function Row({ o, onRelease }: { o: Override; onRelease: (o: Override, reason: string) => Promise<string> }) {
  const [reason, setReason] = useState("");
  const [error, setError] = useState("");
  return (
    <tr>
      <td>{String(o.point)}</td>
      <td>{formatValue(o.value)}</td>
      <td>{o.priority}</td>
      <td>{o.caller}</td>
      <td>{o.reason ?? "—"}</td>
      <td>{formatTime(o.since)}</td>
      <td data-testid="remaining">{formatRemaining(o.remainingS)}</td>
      <td>
        <input aria-label={`Release reason for ${String(o.point)}`} placeholder="reason" value={reason}
          onChange={(e) => setReason(e.target.value)} />
        <button type="button" disabled={!reason} onClick={() => void onRelease(o, reason).then(setError)}>
          Release
        </button>
        {error && <span className="field-error" role="alert">{error}</span>}
      </td>
    </tr>
  );
}

export function Overrides() {
  const { overrides, error, release } = useOverrides();
  return (
    <section className="devices">
      <h1>Overrides</h1>
      {error && <p className="error" role="alert">{error}</p>}
      {overrides === null ? (
        <p className="loading">Loading…</p>
      ) : overrides.length === 0 ? (
        <p className="empty">No point is overridden: the engine and the devices' own logic are in control.</p>
      ) : (
        <table className="list">
          <thead>
            <tr>
              <th>Point</th><th>Value</th><th>Priority</th><th>Who</th><th>Why</th><th>Since</th><th>Ends in</th><th />
            </tr>
          </thead>
          <tbody>
            {overrides.map((o) => (
              <Row key={`${String(o.point)}@${o.priority}`} o={o} onRelease={release} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

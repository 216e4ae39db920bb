/** Active operator overrides: who holds which point at which priority, why, and until when. */
import { useState } from "react";
import type { Override } from "../api/types";
import { formatRemaining, useOverrides } from "../hooks/useOverrides";
import { secondsLeft, useNow } from "../hooks/useNow";
import { usePointMeta } from "../hooks/usePointMeta";
import { type PointMeta, pointKey, pointLabel } from "../lib/pointRefs";
import { formatTime, formatValue } from "../lib/units";

function Row({ o, meta, label, now, onRelease }: {
  o: Override; meta: PointMeta | undefined; label: string; now: number; onRelease: (o: Override, reason: string) => Promise<string>;
}) {
  const [reason, setReason] = useState("");
  const [error, setError] = useState("");
  // Counted down here every second from `until`; the service's remainingS is only a snapshot.
  const left = o.until ? secondsLeft(o.until, now) : null;
  return (
    <tr>
      <td title={pointKey(String(o.point))}>
        {label}
        {meta && <small className="ref"><br />{pointKey(String(o.point))}</small>}
      </td>
      <td>{formatValue(o.value, { unit: meta?.unit, stateTexts: meta?.stateTexts })}</td>
      <td>{o.priority}</td>
      <td>{o.caller}</td>
      <td>{o.reason ?? "—"}</td>
      <td>{formatTime(o.since)}</td>
      <td data-testid="remaining" title={o.until ? `ends ${formatTime(o.until)}` : undefined}>{formatRemaining(left)}</td>
      <td>
        <input aria-label={`Release reason for ${label}`} placeholder="reason" value={reason}
          onChange={(e) => setReason(e.target.value)} />
        <button type="button" disabled={!reason} title={reason ? undefined : "Say why first"} onClick={() => void onRelease(o, reason).then(setError)}>
          Release
        </button>
        {error && <span className="field-error" role="alert">{error}</span>}
      </td>
    </tr>
  );
}

export function Overrides() {
  const { overrides, error, release } = useOverrides();
  const meta = usePointMeta();
  const now = useNow();
  return (
    <section className="devices">
      <h1>Overrides</h1>
      {error && <p className="error" role="alert">{error}</p>}
      {overrides === null ? (
        <p className="loading">Loading…</p>
      ) : overrides.length === 0 ? (
        <p className="empty">
          No point is overridden: the engine and the devices' own logic are in control. Write a value with a reason
          (and a duration) from a point on the Devices page to hold it here.
        </p>
      ) : (
        <table className="list">
          <thead>
            <tr>
              <th>Point</th><th>Value</th><th>Priority</th><th>Who</th><th>Why</th><th>Since</th><th>Ends in</th><th />
            </tr>
          </thead>
          <tbody>
            {overrides.map((o) => (
              <Row key={`${String(o.point)}@${o.priority}`} o={o} meta={meta.get(pointKey(String(o.point)))}
                label={pointLabel(String(o.point), meta)} now={now} onRelease={release} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

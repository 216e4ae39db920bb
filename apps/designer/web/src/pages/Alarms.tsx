/**
 * The alarm console: the engine's alarm records, live. Open alarms first (coloured by priority),
 * filters by view, priority and text, acknowledgement with a note, and each record's history.
 */
import { useState } from "react";
import type { AlarmRecord } from "../api/types";
import { Dialog } from "../components/Dialog";
import { type AlarmFilter, type AlarmView, useAlarms } from "../hooks/useAlarms";
import { formatTime, formatValue } from "../lib/units";

/** BACnet-style priorities (1 most urgent) in four bands an operator can tell apart. */
export function priorityBand(priority: number): "critical" | "high" | "medium" | "low" {
  return priority <= 32 ? "critical" : priority <= 64 ? "high" : priority <= 128 ? "medium" : "low";
}

const STATE_TEXT: Record<string, string> = {
  "active-unacked": "Active, not acknowledged",
  "active-acked": "Active, acknowledged",
  "cleared-unacked": "Cleared, not acknowledged",
  normal: "Back to normal",
};

const unacked = (a: AlarmRecord) => a.state === "active-unacked" || a.state === "cleared-unacked";

function AckDialog({ alarm, onClose, onAck }: { alarm: AlarmRecord; onClose: () => void; onAck: (note: string) => Promise<string> }) {
  const [note, setNote] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  return (
    <Dialog
      title="Acknowledge alarm"
      onClose={onClose}
      actions={
        <>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={async () => {
              setBusy(true);
              const failed = await onAck(note);
              setBusy(false);
              if (failed) setError(failed);
              else onClose();
            }}
          >
            Acknowledge
          </button>
        </>
      }
    >
      <p>{alarm.message}</p>
      <label className="field">
        <span>Note (what was done, or why)</span>
        <textarea value={note} maxLength={500} rows={3} onChange={(e) => setNote(e.target.value)} aria-label="Note" />
      </label>
      {error && <p className="error">{error}</p>}
    </Dialog>
  );
}

function AlarmRow({ alarm, onAck }: { alarm: AlarmRecord; onAck: (a: AlarmRecord) => void }) {
  const band = priorityBand(alarm.priority);
  return (
    <tr className={`alarm-row band-${band} state-${alarm.state}`} data-testid={`alarm-${alarm.id}`}>
      <td>
        <span className={`prio prio-${band}`} title={`priority ${alarm.priority}`}>
          {band} · {alarm.priority}
        </span>
      </td>
      <td>{STATE_TEXT[alarm.state] ?? alarm.state}</td>
      <td>
        <strong>{alarm.message}</strong>
        <div className="muted">
          {alarm.source.flowName} · {alarm.source.label}
          {alarm.source.point ? ` · ${alarm.source.point}` : ""}
          {alarm.alarmClass ? ` · ${alarm.alarmClass}` : ""}
          {alarm.value !== null && alarm.value !== undefined
            ? ` · value ${formatValue(alarm.value, { unit: alarm.unit })}${alarm.limit !== null && alarm.limit !== undefined ? `, limit ${formatValue(alarm.limit, { unit: alarm.unit })}` : ""}`
            : ""}
        </div>
        <details>
          <summary>History</summary>
          <ol className="transitions">
            {alarm.transitions.map((t, i) => (
              <li key={i}>
                {formatTime(t.at)} — {STATE_TEXT[t.state] ?? t.state}
                {t.by ? ` by ${t.by}` : ""}
                {t.note ? `: “${t.note}”` : ""}
              </li>
            ))}
          </ol>
        </details>
      </td>
      <td>{formatTime(alarm.activeAt)}</td>
      <td>
        {alarm.ackedAt ? (
          <>
            {formatTime(alarm.ackedAt)} by {alarm.ackedBy}
            {alarm.ackNote && <div className="muted">“{alarm.ackNote}”</div>}
          </>
        ) : alarm.ackRequired ? (
          "—"
        ) : (
          "not required"
        )}
      </td>
      <td>{formatTime(alarm.clearedAt)}</td>
      <td>
        {unacked(alarm) && (
          <button type="button" className="primary" onClick={() => onAck(alarm)}>
            Acknowledge…
          </button>
        )}
      </td>
    </tr>
  );
}

export function Alarms() {
  const [filter, setFilter] = useState<AlarmFilter>({ view: "open", maxPriority: null, text: "" });
  const { list, error, ack } = useAlarms(filter);
  const [acking, setAcking] = useState<AlarmRecord | null>(null);
  return (
    <section className="console alarms">
      <h1>Alarms</h1>
      <div className="toolbar" role="group" aria-label="Alarm filters">
        {(["open", "history", "all"] as AlarmView[]).map((v) => (
          <button key={v} type="button" aria-pressed={filter.view === v} onClick={() => setFilter({ ...filter, view: v })}>
            {v === "open" ? "Open" : v === "history" ? "History" : "All"}
          </button>
        ))}
        <label>
          Priority{" "}
          <select
            aria-label="Priority"
            value={filter.maxPriority ?? ""}
            onChange={(e) => setFilter({ ...filter, maxPriority: e.target.value ? Number(e.target.value) : null })}
          >
            <option value="">any</option>
            <option value="32">critical</option>
            <option value="64">high or more</option>
            <option value="128">medium or more</option>
          </select>
        </label>
        <input
          type="search"
          placeholder="Search message, block, point…"
          aria-label="Search alarms"
          value={filter.text}
          onChange={(e) => setFilter({ ...filter, text: e.target.value })}
        />
        {list && (
          <span className="muted" data-testid="alarm-counts">
            {list.active} open · {list.unacked} not acknowledged
          </span>
        )}
      </div>
      {error && <p className="error" role="status">{error}</p>}
      {list && list.alarms.length === 0 && (
        <p className="empty" data-testid="alarms-empty">
          {filter.view === "open" ? "No open alarms: every alarm block is normal." : "No alarm records match."}
        </p>
      )}
      {list && list.alarms.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th>Priority</th>
              <th>State</th>
              <th>Alarm</th>
              <th>Raised</th>
              <th>Acknowledged</th>
              <th>Cleared</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.alarms.map((a) => (
              <AlarmRow key={a.id} alarm={a} onAck={setAcking} />
            ))}
          </tbody>
        </table>
      )}
      {acking && <AckDialog alarm={acking} onClose={() => setAcking(null)} onAck={(note) => ack(acking, note)} />}
    </section>
  );
}

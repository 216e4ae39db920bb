/** The project's point table: every commanded point, its limits and degraded policy, editable. */
import { useEffect, useState } from "react";
import type { CommandedPoint, LimitAction, LimitsDraft } from "../../api/types";
import type { FieldErrors, PointLimits } from "../../hooks/usePointLimits";
import { unitSymbol } from "../../lib/units";
import { Dialog } from "../Dialog";
import { deviceRange } from "./LimitsEditor";
import { type DraftText, draftText, LIMIT_FIELDS, POLICIES, toDraft } from "./limitsDraft";

function Row({
  row,
  errors,
  onSave,
}: {
  row: CommandedPoint;
  errors: FieldErrors;
  onSave: (limits: LimitsDraft | null) => Promise<boolean>;
}) {
  const [t, setT] = useState<DraftText>(() => draftText(row.limits));
  const [dirty, setDirty] = useState(false);
  const stored = JSON.stringify(row.limits ?? null);
  useEffect(() => {
    setT(draftText(row.limits));
    setDirty(false);
  }, [stored]); // the stored limits changed: show them
  const unit = unitSymbol(row.unit);
  const set = (k: keyof DraftText, v: string) => {
    setDirty(true);
    setT((d) => ({ ...d, [k]: v }));
  };
  const id = (k: string) => `pt-${row.point}-${k}`;
  const range = deviceRange(row, unit);
  const cell = (k: string, input: React.ReactNode) => (
    <td key={k} className={errors[k] ? "invalid" : undefined}>
      {input}
      {errors[k] && <small className="error">{errors[k]}</small>}
    </td>
  );
  return (
    <tr data-point={row.point}>
      <th scope="row">
        <code title={row.point}>{row.point.replace(/\/present-value$/, "")}</code>
        {row.name && <div>{row.name}</div>}
        <small>
          {row.nodes.length ? `by ${row.nodes.join(", ")}` : "no block commands it"}
          {range ? ` · ${range}` : ""}
        </small>
      </th>
      <td>{row.priority ?? "—"}</td>
      {LIMIT_FIELDS.map((f) =>
        cell(
          f.key,
          <span className="with-unit">
            <input
              id={id(f.key)}
              type="number"
              step={f.key.endsWith("Priority") ? 1 : "any"}
              className={f.key.endsWith("Priority") ? "narrow" : undefined}
              aria-label={`${f.label} of ${row.point}`}
              aria-invalid={errors[f.key] ? true : undefined}
              value={t[f.key]}
              onChange={(e) => set(f.key, e.target.value)}
            />
            {f.unit(unit) && <span className="unit">{f.unit(unit)}</span>}
          </span>,
        ),
      )}
      {cell(
        "degraded",
        <select aria-label={`Degraded policy of ${row.point}`} value={t.degraded} onChange={(e) => set("degraded", e.target.value)}>
          {POLICIES.map((p) => (
            <option key={p.value} value={p.value}>
              {p.value}
            </option>
          ))}
        </select>,
      )}
      {cell(
        "fallback",
        <span className="with-unit">
          <input
            aria-label={`Fallback value of ${row.point}`}
            aria-invalid={errors["fallback"] ? true : undefined}
            disabled={t.degraded !== "fallback"}
            value={t.fallback}
            onChange={(e) => set("fallback", e.target.value)}
          />
          {unit && <span className="unit">{unit}</span>}
        </span>,
      )}
      <td className="actions">
        <button type="button" disabled={!dirty} onClick={() => void onSave(toDraft(t))}>
          Save
        </button>
        {row.limits && (
          <button type="button" onClick={() => void onSave(null)}>
            Remove
          </button>
        )}
        {errors["limits"] && <small className="error">{errors["limits"]}</small>}
      </td>
    </tr>
  );
}

export function PointTable({ limits, onClose }: { limits: PointLimits; onClose: () => void }) {
  const { table, errors, message, save, setAction } = limits;
  return (
    <Dialog
      title="Point limits"
      onClose={onClose}
      actions={
        <button type="button" onClick={onClose}>
          Close
        </button>
      }
    >
      <div className="point-table">
        {!table ? (
          <p className="loading">{message ?? "Reading the project's commanded points…"}</p>
        ) : (
          <>
            <label className="limit-action">
              A command outside its limits is{" "}
              <select value={table.limitAction} onChange={(e) => void setAction(e.target.value as LimitAction)}>
                <option value="refuse">refused (not sent, recorded)</option>
                <option value="clamp">clamped to the nearest limit (recorded)</option>
              </select>{" "}
              — for every point of this project.
            </label>
            {table.problems.map((p) => (
              <p key={p} className="hint">
                {p}
              </p>
            ))}
            {message && <p className="error">{message}</p>}
            {table.points.length === 0 ? (
              <p className="hint">This project commands no point yet: add a point output block and bind it to a point.</p>
            ) : (
              <table className="list">
                <thead>
                  <tr>
                    <th>Point</th>
                    <th>Priority</th>
                    {LIMIT_FIELDS.map((f) => (
                      <th key={f.key}>{f.label}</th>
                    ))}
                    <th>When bad</th>
                    <th>Fallback</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {table.points.map((row) => (
                    <Row key={row.point} row={row} errors={errors[`table:${row.point}`] ?? {}} onSave={(l) => save(row.point, l, "table")} />
                  ))}
                </tbody>
              </table>
            )}
          </>
        )}
      </div>
    </Dialog>
  );
}

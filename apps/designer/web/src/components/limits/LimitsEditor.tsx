/** The limits and degraded policy of one commanded point, on the point output block's panel. */
import { useEffect, useState } from "react";
import type { CommandedPoint, LimitAction, LimitsDraft } from "../../api/types";
import type { FieldErrors } from "../../hooks/usePointLimits";
import { unitSymbol } from "../../lib/units";
import { type DraftText, draftText, LIMIT_FIELDS, POLICIES, toDraft } from "./limitsDraft";

export function deviceRange(row: CommandedPoint, unit: string): string | null {
  if (row.deviceMin == null && row.deviceMax == null) return null;
  const u = unit ? ` ${unit}` : "";
  return `device range ${row.deviceMin ?? "…"} to ${row.deviceMax ?? "…"}${u}`;
}

export function LimitsEditor({
  row,
  limitAction,
  errors,
  onSave,
}: {
  row: CommandedPoint;
  limitAction: LimitAction;
  errors: FieldErrors;
  onSave: (limits: LimitsDraft | null) => Promise<boolean>;
}) {
  const [t, setT] = useState<DraftText>(() => draftText(row.limits));
  const [saved, setSaved] = useState(false);
  // Another save (the point table, a reload) changed the stored limits: show them.
  const stored = JSON.stringify(row.limits ?? null);
  useEffect(() => setT(draftText(row.limits)), [stored]);
  const unit = unitSymbol(row.unit);
  const set = (k: keyof DraftText, v: string) => {
    setSaved(false);
    setT((d) => ({ ...d, [k]: v }));
  };
  const range = deviceRange(row, unit);
  return (
    <form
      className="limits-editor"
      aria-label={`Limits of ${row.point}`}
      onSubmit={(e) => {
        e.preventDefault();
        void onSave(toDraft(t)).then(setSaved);
      }}
    >
      <h3>Limits</h3>
      <p className="hint">
        Checked by the engine before each command; outside them it is {limitAction === "clamp" ? "clamped" : "refused"} (project
        setting, in the point table).{range ? ` The ${range}.` : ""}
      </p>
      {LIMIT_FIELDS.map((f) => (
        <Field key={f.key} id={`limit-${f.key}`} label={f.label} unit={f.unit(unit)} error={errors[f.key]}>
          <input
            id={`limit-${f.key}`}
            type="number"
            step={f.key.endsWith("Priority") ? 1 : "any"}
            value={t[f.key]}
            aria-invalid={errors[f.key] ? true : undefined}
            onChange={(e) => set(f.key, e.target.value)}
          />
        </Field>
      ))}
      <Field id="limit-degraded" label="When the value is bad" unit="" error={errors["degraded"]}>
        <select id="limit-degraded" value={t.degraded} onChange={(e) => set("degraded", e.target.value)}>
          {POLICIES.map((p) => (
            <option key={p.value} value={p.value}>
              {p.label}
            </option>
          ))}
        </select>
      </Field>
      {(t.degraded === "fallback" || errors["fallback"]) && (
        <Field id="limit-fallback" label="Fallback value" unit={unit} error={errors["fallback"]}>
          <input
            id="limit-fallback"
            value={t.fallback}
            aria-invalid={errors["fallback"] ? true : undefined}
            onChange={(e) => set("fallback", e.target.value)}
          />
        </Field>
      )}
      {errors["limits"] && <small className="error">{errors["limits"]}</small>}
      <div className="limits-actions">
        <button type="submit">Save limits</button>
        {row.limits && (
          <button type="button" onClick={() => void onSave(null)}>
            Remove limits
          </button>
        )}
        {saved && <span className="saved">Saved</span>}
      </div>
    </form>
  );
}

function Field({
  id,
  label,
  unit,
  error,
  children,
}: {
  id: string;
  label: string;
  unit: string;
  error: string | undefined;
  children: React.ReactNode;
}) {
  return (
    <div className={`field${error ? " invalid" : ""}`}>
      <label htmlFor={id}>
        {label}
        {unit && <span className="unit"> [{unit}]</span>}
      </label>
      {children}
      {error && <small className="error">{error}</small>}
    </div>
  );
}

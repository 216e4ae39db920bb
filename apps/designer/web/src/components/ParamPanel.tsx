/** The parameter panel of the selected node, generated from its block's JSON Schema. */
import { type ReactNode, useMemo } from "react";
import type { BlockSpec, JsonValue, ValidationIssue } from "../api/types";
import { type FieldDesc, fieldProblem, formFields, parseInput, type Schema } from "../lib/forms";
import { isBoolWeek, type Week } from "../lib/week";
import { WeekGrid } from "./WeekGrid";

type Params = { [key: string]: JsonValue };

/** A discovered point for the point picker: its reference and a label (device, name, unit). */
export interface PointOption {
  point: string;
  label: string;
}

function display(v: JsonValue | undefined, field: FieldDesc): string {
  if (v === undefined || v === null) return "";
  if (field.kind === "json") return JSON.stringify(v);
  if (field.kind === "array" && Array.isArray(v)) return v.join(", ");
  return String(v);
}

function Field({
  field,
  value,
  onChange,
  points,
  issue,
}: {
  field: FieldDesc;
  value: JsonValue | undefined;
  onChange: (v: JsonValue | undefined) => void;
  points: PointOption[];
  issue: string | undefined;
}) {
  const id = `param-${field.name}`;
  const problem = issue ?? fieldProblem(field, value);
  const limits = [
    field.minimum !== undefined ? `≥ ${field.minimum}` : null,
    field.exclusiveMinimum !== undefined ? `> ${field.exclusiveMinimum}` : null,
    field.maximum !== undefined ? `≤ ${field.maximum}` : null,
    field.exclusiveMaximum !== undefined ? `< ${field.exclusiveMaximum}` : null,
  ].filter(Boolean);
  const placeholder = field.default !== undefined && field.default !== null ? `default ${display(field.default, field)}` : "";
  let input;
  if (field.name === "week" && field.kind === "json" && isBoolWeek(value)) {
    input = <WeekGrid week={(value ?? {}) as Week} onChange={(w) => onChange(w as JsonValue)} />;
  } else if (field.kind === "boolean") {
    const checked = typeof value === "boolean" ? value : field.default === true;
    input = <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />;
  } else if (field.kind === "enum") {
    input = (
      <select id={id} value={value === undefined || value === null ? "" : String(value)} onChange={(e) => onChange(e.target.value === "" ? undefined : e.target.value)}>
        <option value="">{placeholder || "—"}</option>
        {field.options?.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  } else {
    const isNum = field.kind === "number" || field.kind === "integer";
    input = (
      <input
        id={id}
        type={isNum ? "number" : "text"}
        step={field.kind === "integer" ? 1 : "any"}
        min={field.minimum}
        max={field.maximum}
        list={field.name === "point" ? "point-list" : undefined}
        defaultValue={display(value, field)}
        key={display(value, field)}
        placeholder={placeholder}
        aria-invalid={problem ? true : undefined}
        onBlur={(e) => {
          try {
            onChange(parseInput(field, e.target.value));
          } catch {
            /* bad JSON: keep the old value */
          }
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter") (e.target as HTMLInputElement).blur();
        }}
      />
    );
  }
  return (
    <div className={`field${problem ? " invalid" : ""}`}>
      <label htmlFor={id} title={field.description}>
        {field.label}
        {field.required && " *"}
        {field.unit && <span className="unit"> [{field.unit}]</span>}
      </label>
      {input}
      {field.name === "point" && (
        <datalist id="point-list">
          {points.map((p) => (
            <option key={p.point} value={p.point}>
              {p.label}
            </option>
          ))}
        </datalist>
      )}
      <small>
        {limits.join(", ")}
        {limits.length > 0 && field.description ? " · " : ""}
        {field.description}
      </small>
      {problem && <small className="error">{problem}</small>}
    </div>
  );
}

export function ParamPanel({
  nodeId,
  spec,
  params,
  label,
  issues,
  points,
  onParams,
  onLabel,
  extra,
}: {
  nodeId: string;
  spec: BlockSpec;
  params: Params;
  label: string | null;
  issues: ValidationIssue[];
  points: PointOption[];
  onParams: (p: Params) => void;
  onLabel: (l: string | null) => void;
  /** More about the block under its parameters (a point output's limits). */
  extra?: ReactNode;
}) {
  const fields = useMemo(() => formFields(spec.paramsSchema as Schema), [spec]);
  // The server's words about one field alone ('must be at most 30 °C'), shown next to it.
  const issueOf = (name: string) => {
    const i = issues.find((x) => x.field === `params.${name}` || x.field?.startsWith(`params.${name}.`) || x.field === name);
    return i ? (i.hint ?? i.message) : undefined;
  };
  const named = new Set(fields.map((f) => f.name));
  const general = issues.filter((i) => {
    const name = i.field?.replace(/^params\.?/, "").split(".")[0] ?? "";
    return i.code === "invalid_parameter" && !named.has(name);
  });
  return (
    <section className="param-panel" aria-label={`Parameters of ${nodeId}`}>
      <h2>
        {nodeId} <small>{spec.type}</small>
      </h2>
      <p className="doc">{spec.doc}</p>
      <div className="field">
        <label htmlFor="param-label">Label</label>
        <input id="param-label" defaultValue={label ?? ""} key={`${nodeId}-${label}`} onBlur={(e) => onLabel(e.target.value || null)} />
      </div>
      {general.map((i) => (
        <p key={i.message} className="error field-error" role="alert">
          {i.hint ?? i.message}
        </p>
      ))}
      {fields.map((f) => (
        <Field
          key={`${nodeId}-${f.name}`}
          field={f}
          value={params[f.name]}
          points={points}
          issue={issueOf(f.name)}
          onChange={(v) => {
            const next = { ...params };
            if (v === undefined) delete next[f.name];
            else next[f.name] = v;
            onParams(next);
          }}
        />
      ))}
      {extra}
    </section>
  );
}

/** The template being applied: its name, composite, flow, and what feeds each port. */
import { useContext } from "react";
import type { EquipmentTemplate, Graph } from "../../api/types";
import { unitSymbol } from "../../lib/units";
import { CatalogueContext } from "../catalogue";
import { type PortMode, type TemplateDraft, compositeType } from "../../lib/templates";

export interface TemplateFormProps {
  draft: TemplateDraft;
  graph: Graph;
  stored: EquipmentTemplate[];
  onPick: (key: string) => void;
  onChange: (d: TemplateDraft) => void;
}

export function TemplateForm({ draft, graph, stored, onPick, onChange }: TemplateFormProps) {
  const catalogue = useContext(CatalogueContext);
  const composites = graph.composites ?? [];
  const flows = graph.flows ?? [];
  // "node.port" of every block of the flow, for ports fed by one block shared by all instances.
  const sources = (graph.nodes ?? [])
    .filter((n) => n.flow === draft.flow)
    .flatMap((n) => (catalogue.get(n.type)?.outputs ?? []).map((o) => ({ value: `${n.id}.${o.name}`, label: n.label ?? n.id })));
  const setRow = (port: string, change: Partial<TemplateDraft["rows"][number]>) =>
    onChange({ ...draft, rows: draft.rows.map((r) => (r.port === port ? { ...r, ...change } : r)) });
  return (
    <div className="template-form">
      <div className="template-fields">
        <label>
          Start from
          <select
            value={stored.some((t) => t.name === draft.name) ? draft.name : draft.composite}
            onChange={(e) => onPick(e.target.value)}
          >
            {stored.length > 0 && (
              <optgroup label="Templates of this project">
                {stored.map((t) => (
                  <option key={t.name} value={t.name}>
                    {t.name} (applied, {t.composite.replace("composite:", "")})
                  </option>
                ))}
              </optgroup>
            )}
            <optgroup label="Composites">
              {composites.map((d) => (
                <option key={compositeType(d)} value={compositeType(d)}>
                  {d.title} ({d.name} v{d.version})
                </option>
              ))}
            </optgroup>
          </select>
        </label>
        <label>
          Template name
          <input value={draft.name} onChange={(e) => onChange({ ...draft, name: e.target.value })} pattern="[A-Za-z_][A-Za-z0-9_]*" required size={14} />
        </label>
        <label>
          Composite
          <select value={draft.composite} onChange={(e) => onChange({ ...draft, composite: e.target.value })}>
            {composites.map((d) => (
              <option key={compositeType(d)} value={compositeType(d)}>
                {d.name} v{d.version}
              </option>
            ))}
          </select>
        </label>
        <label>
          Into flow
          <select value={draft.flow} onChange={(e) => onChange({ ...draft, flow: e.target.value })}>
            {flows.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <table className="list template-ports">
        <thead>
          <tr>
            <th>Port</th>
            <th>Bound to</th>
            <th>Tags of the point, or the block output</th>
          </tr>
        </thead>
        <tbody>
          {draft.rows.map((r) => (
            <tr key={r.port}>
              <td>
                {r.direction === "input" ? "→ " : ""}
                {r.port}
                {r.direction === "output" ? " →" : ""} {r.unit && <small>({unitSymbol(r.unit)})</small>}
              </td>
              <td>
                <select
                  aria-label={`How ${r.port} is bound`}
                  value={r.mode}
                  onChange={(e) => setRow(r.port, { mode: e.target.value as PortMode, text: "" })}
                >
                  <option value="tags">a point by tags</option>
                  {r.direction === "input" && <option value="link">a block of the flow</option>}
                  <option value="none">nothing</option>
                </select>
              </td>
              <td>
                {r.mode === "tags" && (
                  <input aria-label={`Tags for ${r.port}`} value={r.text} placeholder="e.g. zone air temp sensor" onChange={(e) => setRow(r.port, { text: e.target.value })} />
                )}
                {r.mode === "link" && (
                  <select aria-label={`Block for ${r.port}`} value={r.text} onChange={(e) => setRow(r.port, { text: e.target.value })}>
                    <option value="">— pick a block output —</option>
                    {sources.map((s) => (
                      <option key={s.value} value={s.value}>
                        {s.label} ({s.value})
                      </option>
                    ))}
                    {r.text && !sources.some((s) => s.value === r.text) && <option value={r.text}>{r.text}</option>}
                  </select>
                )}
                {r.mode === "none" && <small>left unwired</small>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

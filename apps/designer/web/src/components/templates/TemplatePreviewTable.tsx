/** A template's preview: one row per device, one cell per bound port, problems first; the diff. */
import type { TemplatePreview } from "../../api/types";
import { bindingText, byProblem, summary } from "../../lib/templates";

export function TemplatePreviewTable({ preview, stale }: { preview: TemplatePreview; stale: boolean }) {
  const ports = preview.instances[0]?.bindings.map((b) => b.port) ?? [];
  const changes = preview.changes ?? [];
  return (
    <div className={stale ? "template-preview stale" : "template-preview"} data-testid="template-preview">
      <p className="template-summary" role="status">
        {stale ? "Changed since this preview — preview again before applying. " : ""}
        {summary(preview)}
      </p>
      {preview.instances.length === 0 ? (
        <p className="hint">No devices to bind: discover devices on the Devices page first.</p>
      ) : (
        <div className="template-table-wrap">
          <table className="list template-bindings">
            <thead>
              <tr>
                <th>Device</th>
                <th>Instance</th>
                {ports.map((p) => (
                  <th key={p}>{p}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {byProblem(preview.instances).map((i) => (
                <tr key={i.equipment} className={i.complete ? "" : "incomplete"} data-testid={`binding-${i.equipmentName}`}>
                  <td>
                    {i.equipmentName}
                    {!i.complete && <small className="not-made"> not instantiated</small>}
                  </td>
                  <td>
                    <code>{i.complete ? i.instance : "—"}</code>
                  </td>
                  {i.bindings.map((b) => (
                    <td key={b.port} className={`binding-${b.status}`} title={b.tags.join(" ")}>
                      {b.status === "bound" ? <code>{bindingText(b)}</code> : bindingText(b)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <details className="template-diff">
        <summary>
          Diff against the flow: {changes.length === 0 ? "no change" : `${changes.length} block(s) change`}
        </summary>
        <ul>
          {changes.map((c) => (
            <li key={c.node} className={`change-${c.change}`}>
              <code>{c.node}</code> {c.change}
              {c.detail ? `: ${c.detail}` : ""}
            </li>
          ))}
        </ul>
      </details>
    </div>
  );
}

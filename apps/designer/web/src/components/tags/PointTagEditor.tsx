/**
 * The tags of a device's points, per project: the ones its naming rules give (read-only here)
 * and the ones set by hand, which this editor changes. Templates bind by all of them.
 */
import { type FormEvent, useState } from "react";
import type { PointTags } from "../../api/types";
import { usePointTags } from "../../hooks/usePointTags";
import { splitTags } from "../../lib/templates";
import "./tags.css";

function TagRow({ point, onSave }: { point: PointTags; onSave: (tags: string[]) => Promise<string> }) {
  const held = (point.explicit ?? []).join(" ");
  const [text, setText] = useState(held);
  const [error, setError] = useState("");
  const [saving, setSaving] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaving(true);
    setError(await onSave(splitTags(text)));
    setSaving(false);
  }
  const id = `tag-error-${point.point}`;
  return (
    <tr>
      <td>{point.name}</td>
      <td>
        <code>{point.point}</code>
      </td>
      <td>
        {(point.byRule ?? []).length ? (
          (point.byRule ?? []).map((t) => (
            <span key={t} className="tag-chip">
              {t}
            </span>
          ))
        ) : (
          <small>none</small>
        )}
      </td>
      <td>
        <form className="tag-form" onSubmit={submit} aria-label={`Tags of ${point.name}`}>
          <input
            aria-label={`Tags set by hand on ${point.name}`}
            value={text}
            placeholder="none"
            onChange={(e) => setText(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? id : undefined}
          />
          <button type="submit" disabled={saving || text.trim() === held}>
            Save
          </button>
          {error && (
            <span className="field-error" role="alert" id={id}>
              {error}
            </span>
          )}
        </form>
      </td>
    </tr>
  );
}

export function PointTagEditor({ instance }: { instance: number }) {
  const t = usePointTags(instance);
  const [fileError, setFileError] = useState("");
  return (
    <section className="point-tags" aria-label="Point tags">
      <h2>Tags of device {instance}</h2>
      <p className="hint">
        Equipment templates bind a composite's ports to points by these tags.{" "}
        <label>
          Project{" "}
          <select value={t.projectId} onChange={(e) => t.setProjectId(e.target.value)} aria-label="Project whose tags to edit">
            {t.projects.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>{" "}
        <span title={t.rules.join("\n")}>
          ({t.rules.length} naming rule{t.rules.length === 1 ? "" : "s"})
        </span>{" "}
        <label className="button">
          Load tag file…
          <input
            type="file"
            accept=".yaml,.yml,.json"
            hidden
            data-testid="load-tag-file"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = "";
              if (file) void t.loadFile(file).then(setFileError);
            }}
          />
        </label>
      </p>
      {fileError && (
        <p className="field-error" role="alert">
          {fileError}
        </p>
      )}
      {t.projects.length === 0 && <p className="hint">No project yet: tags are kept per project.</p>}
      {t.error && <p className="field-error" role="alert">{t.error}</p>}
      {t.device && (
        <table className="list point-tag-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Point</th>
              <th>Tags by naming rule</th>
              <th>Tags set here</th>
            </tr>
          </thead>
          <tbody>
            {t.device.points.map((p) => (
              <TagRow key={`${t.projectId}:${p.point}:${(p.explicit ?? []).join(" ")}`} point={p} onSave={(tags) => t.save(p.point, tags)} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

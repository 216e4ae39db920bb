/**
 * "Templates": apply a composite to every device whose points carry its placeholders' tags.
 * Preview first (every binding, the unresolved and ambiguous ones, the diff), then apply; a
 * template applied before opens as it was, on its composite's newest version.
 */
import type { Project } from "../../api/types";
import { useTemplateApply } from "../../hooks/useTemplateApply";
import { Dialog } from "../Dialog";
import { CompositeLibrary } from "./CompositeLibrary";
import { TemplateForm } from "./TemplateForm";
import { TemplatePreviewTable } from "./TemplatePreviewTable";
import "./templates.css";

export interface TemplateDialogProps {
  projectId: string;
  project: Project;
  flowId: string;
  onClose: () => void;
  /** The project as saved after an apply or an import: the editor shows it. */
  onSaved: (p: Project, note: string) => void;
}

export function TemplateDialog({ projectId, project, flowId, onClose, onSaved }: TemplateDialogProps) {
  const t = useTemplateApply(projectId, project, flowId);
  const graph = project.content.graph ?? { flows: [], nodes: [], edges: [] };
  const hasComposites = (graph.composites?.length ?? 0) > 0;
  const applied = async () => {
    const saved = await t.apply();
    if (saved) onSaved(saved, `Applied template “${t.draft?.name}”: ${t.preview?.instantiated ?? 0} instances.`);
  };
  return (
    <Dialog
      title="Templates: apply a composite to equipment by tags"
      onClose={onClose}
      actions={
        <>
          <button type="button" onClick={onClose}>
            Close
          </button>
          <button type="button" onClick={() => void t.runPreview()} disabled={!t.draft || t.busy}>
            Preview
          </button>
          <button
            type="button"
            className="primary"
            onClick={() => void applied()}
            disabled={!t.preview || t.stale || t.busy || t.preview.instantiated === 0}
            title={t.preview && !t.stale ? "Make or update every instance the preview lists" : "Preview first"}
          >
            Apply to {t.preview && !t.stale ? t.preview.instantiated : "…"} devices
          </button>
        </>
      }
    >
      <div className="template-dialog">
        <CompositeLibrary project={project} onImported={(p) => onSaved(p, "Imported composites.")} />
        {!hasComposites ? (
          <p className="hint">
            This project has no composites yet: select blocks and use “Make composite”, or import a composite library.
          </p>
        ) : t.draft ? (
          <TemplateForm draft={t.draft} graph={graph} stored={project.content.templates ?? []} onPick={t.pick} onChange={t.setDraft} />
        ) : null}
        <fieldset className="template-equipment">
          <legend>Equipment</legend>
          <label>
            <input type="radio" checked={t.allDevices} onChange={() => t.setAllDevices(true)} /> every device ({t.devices?.length ?? "…"})
          </label>
          <label>
            <input type="radio" checked={!t.allDevices} onChange={() => t.setAllDevices(false)} /> these devices:
          </label>
          {!t.allDevices && (
            <div className="device-picks">
              {(t.devices ?? []).map((d) => (
                <label key={d.instance}>
                  <input type="checkbox" checked={t.chosen.has(d.instance)} onChange={() => t.toggleDevice(d.instance)} />
                  {d.name || d.instance}
                </label>
              ))}
            </div>
          )}
        </fieldset>
        {t.error && (
          <p className="field-error" role="alert">
            {t.error}
          </p>
        )}
        {t.preview && <TemplatePreviewTable preview={t.preview} stale={t.stale} />}
      </div>
    </Dialog>
  );
}

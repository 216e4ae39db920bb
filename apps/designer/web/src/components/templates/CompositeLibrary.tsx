/** Export the project's composites as a library file; import one (a conflict imports nothing). */
import { type ChangeEvent, useState } from "react";
import { api, errorMessage } from "../../api/client";
import type { Project } from "../../api/types";

export function CompositeLibrary({ project, onImported }: { project: Project; onImported: (p: Project) => void }) {
  const [message, setMessage] = useState("");
  const [error, setError] = useState("");
  const count = project.content.graph?.composites?.length ?? 0;

  async function exportFile() {
    const r = await api.GET("/api/projects/{project_id}/composites/library", {
      params: { path: { project_id: project.id } },
    });
    if (!r.data) {
      setError(errorMessage(r, "the export failed"));
      return;
    }
    const url = URL.createObjectURL(new Blob([JSON.stringify(r.data, null, 2)], { type: "application/json" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = `${project.name.replace(/[^A-Za-z0-9_-]+/g, "-")}-composites.json`;
    a.click();
    URL.revokeObjectURL(url);
    setError("");
    setMessage(`Exported ${r.data.composites.length} composite version(s).`);
  }

  async function importFile(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    e.target.value = "";
    if (!file) return;
    let library: unknown;
    try {
      library = JSON.parse(await file.text());
    } catch {
      setError(`${file.name} is not a JSON library file (export one from a project first).`);
      return;
    }
    const r = await api.POST("/api/projects/{project_id}/composites/library", {
      params: { path: { project_id: project.id } },
      body: { revision: project.revision, library: library as never },
    });
    if (!r.data) {
      setMessage("");
      setError(`${file.name}: ${errorMessage(r, "the import failed")}`);
      return;
    }
    setError("");
    const { imported, unchanged } = r.data;
    setMessage(
      `Imported ${imported.length ? imported.join(", ") : "nothing new"}` +
        (unchanged.length ? `; already here: ${unchanged.join(", ")}` : "") + ".",
    );
    onImported(r.data.project);
  }

  return (
    <div className="composite-library">
      <span>
        Composite library ({count} version{count === 1 ? "" : "s"} in this project)
      </span>
      <button type="button" onClick={() => void exportFile()} disabled={count === 0}>
        Export composites
      </button>
      <label className="button">
        Import composites…
        <input type="file" accept="application/json,.json" onChange={(e) => void importFile(e)} hidden data-testid="import-composites" />
      </label>
      {message && <span role="status">{message}</span>}
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

/** Projects: list, create, rename, copy, delete, import, export. */
import { type FormEvent, useCallback, useEffect, useRef, useState } from "react";
import { ApiError, api, rawFetch, unwrap } from "../api/client";
import type { ProjectSummary } from "../api/types";
import { DeletedProjects } from "../components/DeletedProjects";
import { emptyGraph } from "../lib/graph";

export function Projects() {
  const [projects, setProjects] = useState<ProjectSummary[]>([]);
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [loads, setLoads] = useState(0);
  const fileRef = useRef<HTMLInputElement>(null);

  const load = useCallback(async () => {
    setLoads((n) => n + 1);
    try {
      setProjects(unwrap(await api.GET("/api/projects")).projects);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
    await load();
  };

  async function create(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) return;
    await act(async () => {
      const p = unwrap(
        await api.POST("/api/projects", {
          body: { name: name.trim(), content: { graph: emptyGraph() } as never },
        }),
      );
      setName("");
      window.location.hash = `#/p/${encodeURIComponent(p.id)}`;
    });
  }

  const rename = (p: ProjectSummary) =>
    act(async () => {
      const next = window.prompt("New name", p.name);
      if (!next || next === p.name) return;
      unwrap(
        await api.POST("/api/projects/{project_id}/rename", {
          params: { path: { project_id: p.id } },
          body: { name: next, revision: p.revision },
        }),
      );
    });
  const copy = (p: ProjectSummary) =>
    act(async () => {
      unwrap(
        await api.POST("/api/projects/{project_id}/copy", {
          params: { path: { project_id: p.id } },
          body: { name: `${p.name} (copy)` },
        }),
      );
    });
  const remove = (p: ProjectSummary) =>
    act(async () => {
      if (!window.confirm(`Delete project "${p.name}"? It moves to the deleted projects below this list, from where it can be restored.`)) return;
      unwrap(await api.DELETE("/api/projects/{project_id}", { params: { path: { project_id: p.id } } }));
    });
  const exportZip = (p: ProjectSummary) =>
    act(async () => {
      const blob = await (await rawFetch(`/api/projects/${encodeURIComponent(p.id)}/export`)).blob();
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = `project-${p.id}.zip`;
      a.click();
      URL.revokeObjectURL(a.href);
    });
  const importZip = (file: File) =>
    act(async () => {
      await rawFetch("/api/projects/import", {
        method: "POST",
        headers: { "content-type": "application/zip" },
        body: file,
      });
    });

  return (
    <section className="projects">
      <h1>Projects</h1>
      <form className="row" onSubmit={create}>
        <label>
          New project
          <input
            name="project-name"
            placeholder="Name, e.g. AHU-1"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <button type="submit">Create</button>
        <button type="button" onClick={() => fileRef.current?.click()}>
          Import…
        </button>
        <input
          ref={fileRef}
          type="file"
          accept=".zip,application/zip"
          hidden
          aria-label="Import a project zip"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void importZip(f);
            e.target.value = "";
          }}
        />
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <table className="list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Revision</th>
            <th>Updated</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {projects.map((p) => (
            <tr key={p.id}>
              <td>
                <a href={`#/p/${encodeURIComponent(p.id)}`}>{p.name}</a>
              </td>
              <td>{p.revision}</td>
              <td>{new Date(p.updatedAt).toLocaleString()}</td>
              <td className="actions">
                <button type="button" onClick={() => rename(p)} aria-label={`Rename ${p.name}`}>
                  Rename
                </button>
                <button type="button" onClick={() => copy(p)} aria-label={`Copy ${p.name}`}>
                  Copy
                </button>
                <button type="button" onClick={() => exportZip(p)} aria-label={`Export ${p.name}`}>
                  Export
                </button>
                <button type="button" onClick={() => remove(p)} aria-label={`Delete ${p.name}`}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
          {projects.length === 0 && (
            <tr>
              <td colSpan={4}>No projects yet: create one above.</td>
            </tr>
          )}
        </tbody>
      </table>
      <DeletedProjects reloaded={loads} act={act} />
    </section>
  );
}

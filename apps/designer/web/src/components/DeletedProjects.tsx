/**
 * The deleted projects (the Designer keeps them: delete is a soft delete) with a Restore button
 * each, folded under the project list; it reloads whenever the list above does.
 */
import { useCallback, useEffect, useState } from "react";
import { api, unwrap } from "../api/client";
import type { ProjectSummary } from "../api/types";

export interface DeletedProjectsProps {
  /** Changes whenever the project list is loaded again (after a delete, say). */
  reloaded: number;
  /** Runs a call the way the page runs its own (errors shown, list reloaded after). */
  act: (fn: () => Promise<unknown>) => Promise<void>;
}

export function DeletedProjects({ reloaded, act }: DeletedProjectsProps) {
  const [deleted, setDeleted] = useState<ProjectSummary[]>([]);
  const [open, setOpen] = useState(false);

  const load = useCallback(async () => {
    const r = await api.GET("/api/projects", { params: { query: { deleted: true } } });
    if (r.data) setDeleted(r.data.projects);
  }, []);
  useEffect(() => {
    void load();
  }, [load, reloaded]);

  const restore = (p: ProjectSummary) =>
    act(async () => {
      unwrap(await api.POST("/api/projects/{project_id}/restore", { params: { path: { project_id: p.id } } }));
    });

  if (deleted.length === 0) return null;
  return (
    <section className="deleted-projects" aria-label="Deleted projects">
      <button type="button" className="link" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        {open ? "Hide" : "Show"} deleted projects ({deleted.length})
      </button>
      {open && (
        <table className="list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Revision</th>
              <th>Deleted</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {deleted.map((p) => (
              <tr key={p.id}>
                <td>{p.name}</td>
                <td>{p.revision}</td>
                <td>{new Date(p.updatedAt).toLocaleString()}</td>
                <td className="actions">
                  <button type="button" onClick={() => void restore(p)} aria-label={`Restore ${p.name}`}>
                    Restore
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

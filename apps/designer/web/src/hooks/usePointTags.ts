/**
 * Point tags of one device in one project: the tags templates will see (set by hand here, or
 * given by the project's naming rules), and saving the hand-set ones of a point.
 */
import { useCallback, useEffect, useState } from "react";
import { parse as parseYaml } from "yaml";
import { api, errorMessage } from "../api/client";
import type { DeviceTags, ProjectSummary } from "../api/types";

const REMEMBERED = "bms.tagProject";

export function usePointTags(instance: number) {
  const [projects, setProjects] = useState<ProjectSummary[]>([]);
  const [projectId, setProjectIdState] = useState<string>(() => localStorage.getItem(REMEMBERED) ?? "");
  const [revision, setRevision] = useState<number | null>(null);
  const [rules, setRules] = useState<string[]>([]);
  const [device, setDevice] = useState<DeviceTags | null>(null);
  const [error, setError] = useState("");

  useEffect(() => {
    void api.GET("/api/projects").then((r) => {
      const list = r.data?.projects ?? [];
      setProjects(list);
      setProjectIdState((id) => (list.some((p) => p.id === id) ? id : (list[0]?.id ?? "")));
    });
  }, []);

  const load = useCallback(async () => {
    if (!projectId) return;
    const path = { project_id: projectId };
    const [p, d] = await Promise.all([
      api.GET("/api/projects/{project_id}", { params: { path } }),
      api.GET("/api/projects/{project_id}/tags/devices/{instance}", { params: { path: { ...path, instance } } }),
    ]);
    setRevision(p.data?.revision ?? null);
    setRules((p.data?.content.tags?.rules ?? []).map((r) => `${r.match} → ${r.tags.join(" ")}`));
    setDevice(d.data ?? null);
    setError(d.data ? "" : errorMessage(d, "the tags could not be read"));
  }, [projectId, instance]);

  useEffect(() => {
    void load();
  }, [load]);

  const setProjectId = (id: string) => {
    localStorage.setItem(REMEMBERED, id);
    setProjectIdState(id);
  };

  /** Save the hand-set tags of ``point``; the field error, or "" when saved. */
  const save = useCallback(
    async (point: string, tags: string[]): Promise<string> => {
      if (revision === null) return "the project is not loaded";
      const r = await api.PUT("/api/projects/{project_id}/tags/points", {
        params: { path: { project_id: projectId } },
        body: { revision, point, tags },
      });
      if (!r.data) {
        const message = errorMessage(r, "the tags were not saved");
        if (r.response.status === 409) await load();
        return message;
      }
      await load();
      return "";
    },
    [projectId, revision, load],
  );

  /** Replace the project's tag file by a file's (YAML or JSON, as examples/vav-20-tags.yaml). */
  const loadFile = useCallback(
    async (file: File): Promise<string> => {
      // Based on the project as it is now: loading a file replaces the tag file on purpose.
      const now = await api.GET("/api/projects/{project_id}", { params: { path: { project_id: projectId } } });
      if (!now.data) return errorMessage(now, "the project could not be read");
      let tags: unknown;
      try {
        tags = parseYaml(await file.text());
      } catch (e) {
        return `${file.name} is not YAML or JSON: ${(e as Error).message}`;
      }
      const r = await api.PUT("/api/projects/{project_id}/tags", {
        params: { path: { project_id: projectId } },
        body: { revision: now.data.revision, tags: tags as never },
      });
      await load();
      return r.data ? "" : `${file.name}: ${errorMessage(r, "the tag file was not saved")}`;
    },
    [projectId, load],
  );

  return { projects, projectId, setProjectId, rules, device, error, save, loadFile };
}

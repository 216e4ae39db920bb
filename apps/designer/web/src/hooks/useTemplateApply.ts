/**
 * The template dialog's state: the draft, the equipment chosen, the server's preview of it, and
 * applying it. A preview belongs to the draft and selection it was made for; changing either
 * makes it stale, and only a current preview can be applied.
 */
import { useCallback, useEffect, useMemo, useState } from "react";
import { api, errorMessage } from "../api/client";
import type { DeviceInfo, EquipmentTemplate, Project, TemplatePreview } from "../api/types";
import { type TemplateDraft, compositeType, draftFor, templateOf } from "../lib/templates";

export interface TemplateApplyState {
  draft: TemplateDraft | null;
  setDraft: (d: TemplateDraft) => void;
  /** Start from a stored template (by name) or a composite type ("composite:NAME@V"). */
  pick: (key: string) => void;
  devices: DeviceInfo[] | null;
  allDevices: boolean;
  setAllDevices: (all: boolean) => void;
  chosen: Set<number>;
  toggleDevice: (instance: number) => void;
  preview: TemplatePreview | null;
  stale: boolean;
  busy: boolean;
  error: string;
  runPreview: () => Promise<void>;
  apply: () => Promise<Project | null>;
}

export function useTemplateApply(projectId: string, project: Project, flowId: string): TemplateApplyState {
  const stored: EquipmentTemplate[] = useMemo(() => project.content.templates ?? [], [project]);
  const composites = useMemo(() => project.content.graph?.composites ?? [], [project]);
  const [draft, setDraftState] = useState<TemplateDraft | null>(null);
  const [devices, setDevices] = useState<DeviceInfo[] | null>(null);
  const [allDevices, setAllDevices] = useState(true);
  const [chosen, setChosen] = useState<Set<number>>(new Set());
  const [preview, setPreview] = useState<TemplatePreview | null>(null);
  const [previewedFor, setPreviewedFor] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");

  const pick = useCallback(
    (key: string) => {
      const template = stored.find((t) => t.name === key);
      const type = template?.composite ?? key;
      // A stored template opens on the newest version of its composite: re-applying it is how
      // instances move to a changed composite (the preview's diff shows what changes).
      const [name] = type.replace(/^composite:/, "").split("@");
      const versions = composites.filter((d) => d.name === name).sort((a, b) => b.version - a.version);
      const definition = template ? versions[0] : composites.find((d) => compositeType(d) === type);
      setDraftState(definition ? draftFor(definition, flowId, template) : null);
      setPreview(null);
      setError(definition ? "" : `the project has no composite ${type}`);
    },
    [stored, composites, flowId],
  );

  // Open on the first stored template, else the first composite (also once an import brings one).
  const first = stored[0]?.name ?? (composites[0] ? compositeType(composites[0]) : null);
  useEffect(() => {
    if (first && draft === null) pick(first);
  }, [first, draft, pick]);

  useEffect(() => {
    api.GET("/api/iot/devices").then(
      (r) => (r.data ? setDevices(r.data) : setError(errorMessage(r, "The IoT service is not reachable."))),
      () => setError("The IoT service is not reachable."),
    );
  }, []);

  const request = useMemo(() => {
    if (!draft) return null;
    return { template: templateOf(draft), devices: allDevices ? [] : [...chosen].sort((a, b) => a - b) };
  }, [draft, allDevices, chosen]);
  const key = JSON.stringify(request);
  const stale = preview !== null && previewedFor !== key;

  const runPreview = useCallback(async () => {
    if (!request) return;
    setBusy(true);
    const r = await api.POST("/api/projects/{project_id}/templates/preview", {
      params: { path: { project_id: projectId } },
      body: request,
    });
    setBusy(false);
    setError(r.data ? "" : errorMessage(r, "the preview failed"));
    setPreview(r.data ?? null);
    setPreviewedFor(key);
  }, [projectId, request, key]);

  const apply = useCallback(async () => {
    if (!request || !preview || stale) return null;
    setBusy(true);
    const r = await api.POST("/api/projects/{project_id}/templates/apply", {
      params: { path: { project_id: projectId } },
      body: { ...request, revision: project.revision },
    });
    setBusy(false);
    if (!r.data) {
      setError(errorMessage(r, "applying the template failed"));
      return null;
    }
    setPreview(r.data.preview);
    return r.data.project;
  }, [projectId, project.revision, request, preview, stale]);

  return {
    draft,
    setDraft: (d) => setDraftState(d),
    pick,
    devices,
    allDevices,
    setAllDevices,
    chosen,
    toggleDevice: (instance) =>
      setChosen((s) => {
        const next = new Set(s);
        if (next.has(instance)) next.delete(instance);
        else next.add(instance);
        return next;
      }),
    preview,
    stale,
    busy,
    error,
    runPreview,
    apply,
  };
}

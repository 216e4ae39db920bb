/**
 * The project's point table: every commanded point with its limits, read from the server and
 * edited one point at a time. The server checks each save and answers every bad field in plain
 * words (`details.fields`), which is kept per point to show next to the field concerned.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, api, detail, failureOf } from "../api/client";
import type { LimitAction, LimitsDraft, PointConstraint, PointLimitsTable } from "../api/types";

/** Field (camelCase, as the server names it) -> problem in plain words. */
export type FieldErrors = Record<string, string>;

export interface LimitsSync {
  /** Saves the canvas first, so the table is of what is on screen, and returns the revision. */
  saveFirst: () => Promise<number | null>;
  /** The project changed on the server: its new revision and its limits, for the editor. */
  onSaved: (revision: number, constraints: PointConstraint[], limitAction: LimitAction) => void;
}

function constraintsOf(table: PointLimitsTable): PointConstraint[] {
  return table.points.flatMap((p) => (p.limits ? [p.limits] : []));
}

export function usePointLimits(projectId: string, sync: LimitsSync) {
  // The editor's callbacks change with every canvas change; the loaders below must not.
  const syncRef = useRef(sync);
  syncRef.current = sync;
  const saveFirst = useCallback(() => syncRef.current.saveFirst(), []);
  const onSaved = useCallback<LimitsSync["onSaved"]>((...args) => syncRef.current.onSaved(...args), []);
  const [table, setTable] = useState<PointLimitsTable | null>(null);
  /** 'panel:POINT' or 'table:POINT' -> that form's field errors. */
  const [errors, setErrors] = useState<Record<string, FieldErrors>>({});
  const [message, setMessage] = useState<string | null>(null);

  const load = useCallback(async () => {
    await saveFirst();
    const r = await api.GET("/api/projects/{project_id}/limits", { params: { path: { project_id: projectId } } });
    if (r.data) setTable(r.data);
    else setMessage(failureOf(r, "cannot read the point table")?.message ?? null);
  }, [projectId, saveFirst]);

  const accept = useCallback(
    (next: PointLimitsTable) => {
      setTable(next);
      onSaved(next.revision, constraintsOf(next), next.limitAction);
    },
    [onSaved],
  );

  /**
   * Set (or, with null, remove) one point's limits; false with the errors kept when refused.
   * The errors are kept per form (`where`: the block's panel, the table), each next to its own.
   */
  const save = useCallback(
    async (point: string, limits: LimitsDraft | null, where = "panel"): Promise<boolean> => {
      const key = `${where}:${point}`;
      const revision = await saveFirst();
      if (revision === null) return false;
      const r = await api.PUT("/api/projects/{project_id}/limits", {
        params: { path: { project_id: projectId } },
        body: { revision, point, limits },
      });
      const failure = failureOf(r);
      if (!failure && r.data) {
        setErrors((e) => ({ ...e, [key]: {} }));
        setMessage(null);
        accept(r.data);
        return true;
      }
      const fields = detail(failure, "fields");
      if (fields && typeof fields === "object") setErrors((e) => ({ ...e, [key]: fields as FieldErrors }));
      else setMessage(failure instanceof ApiError ? failure.message : "the limits were not saved");
      return false;
    },
    [projectId, saveFirst, accept],
  );

  const setAction = useCallback(
    async (limitAction: LimitAction) => {
      const revision = await saveFirst();
      if (revision === null) return;
      const r = await api.PUT("/api/projects/{project_id}/limit-action", {
        params: { path: { project_id: projectId } },
        body: { revision, limitAction },
      });
      if (r.data) accept(r.data);
      else setMessage(failureOf(r, "not saved")?.message ?? null);
    },
    [projectId, saveFirst, accept],
  );

  useEffect(() => setErrors({}), [projectId]);

  return { table, errors, message, load, save, setAction };
}

export type PointLimits = ReturnType<typeof usePointLimits>;

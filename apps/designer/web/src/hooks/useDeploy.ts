/**
 * Deploying: build a bundle, show what it changes (the server's diff against the engine's active
 * bundle; when the engine does not answer, the previous bundle by the same rules), then deploy,
 * roll back, and keep the project's deployment history in view.
 */
import { useCallback, useEffect, useState } from "react";
import { ApiError, api, errorMessage, unwrap } from "../api/client";
import type { BundleDiff, DeploymentEntry, Graph } from "../api/types";
import { type GraphDiff, graphDiff } from "../lib/diff";

export interface PendingDeploy {
  version: string;
  diff: BundleDiff | null;
  local: { from: string; diff: GraphDiff } | null;
  error: string | null;
}

export interface DeployDeps {
  projectId: string;
  /** Saves unsaved changes first, so that the bundle is built from what is on screen. */
  saveFirst: () => Promise<void>;
  refreshEngine: () => void;
  notify: (message: string) => void;
  onBuildFailed: () => void;
  onDeployed: () => void;
}

export function useDeploy({ projectId, saveFirst, refreshEngine, notify, onBuildFailed, onDeployed }: DeployDeps) {
  const [deployments, setDeployments] = useState<DeploymentEntry[]>([]);
  const [pending, setPending] = useState<PendingDeploy | null>(null);

  const refreshDeployments = useCallback(async () => {
    const r = await api.GET("/api/projects/{project_id}/deployments", { params: { path: { project_id: projectId } } });
    if (r.data) setDeployments(r.data.entries);
  }, [projectId]);
  useEffect(() => void refreshDeployments(), [refreshDeployments]);

  const previousBundleDiff = useCallback(
    async (version: string, document: unknown): Promise<PendingDeploy["local"]> => {
      const list = await api.GET("/api/projects/{project_id}/bundles", { params: { path: { project_id: projectId } } });
      const prev = list.data?.bundles.find((b) => b.version !== version);
      const prevDoc = prev
        ? (await api.GET("/api/projects/{project_id}/bundles/{version}", {
            params: { path: { project_id: projectId, version: prev.version } },
          })).data?.document
        : undefined;
      const doc = document as { graph?: Graph; defaults?: { writePriority?: number } };
      const before = prevDoc ? { graph: (prevDoc as { graph?: Graph }).graph } : null;
      return {
        from: prev ? `the previous bundle ${prev.version}` : "nothing (no earlier bundle)",
        diff: graphDiff(before as never, { graph: doc.graph } as never, { defaultPriority: doc.defaults?.writePriority }),
      };
    },
    [projectId],
  );

  const start = useCallback(async () => {
    await saveFirst();
    try {
      const bundle = unwrap(
        await api.POST("/api/projects/{project_id}/bundles", {
          params: { path: { project_id: projectId } },
          body: { bump: "patch" },
        }),
      );
      const version = bundle.version;
      const d = await api.GET("/api/projects/{project_id}/bundles/{version}/diff", {
        params: { path: { project_id: projectId, version } },
      });
      // The engine's active bundle is unknown: compare with the previous bundle, by the same rules.
      const local = d.data ? null : await previousBundleDiff(version, bundle.document);
      setPending({ version, diff: d.data ?? null, local, error: d.data ? null : errorMessage(d, "no diff") });
    } catch (e) {
      notify(e instanceof ApiError ? `Cannot build a bundle: ${e.message}` : String(e));
      onBuildFailed();
    }
  }, [projectId, saveFirst, previousBundleDiff, notify, onBuildFailed]);

  const confirm = useCallback(async () => {
    if (!pending) return;
    const r = await api.POST("/api/projects/{project_id}/deployments", {
      params: { path: { project_id: projectId } },
      body: { version: pending.version },
    });
    setPending(null);
    notify(r.data ? `Deploy of ${r.data.version}: ${r.data.outcome}` : errorMessage(r, "deploy failed"));
    await refreshDeployments();
    onDeployed();
    refreshEngine();
  }, [pending, projectId, refreshDeployments, refreshEngine, notify, onDeployed]);

  const rollback = useCallback(
    async (version: string) => {
      if (!window.confirm(`Roll back the engine to ${version}?`)) return;
      const r = await api.POST("/api/projects/{project_id}/rollback", {
        params: { path: { project_id: projectId } },
        body: { version },
      });
      notify(r.data ? `Rollback to ${r.data.version}: ${r.data.outcome}` : errorMessage(r, "rollback failed"));
      await refreshDeployments();
      refreshEngine();
    },
    [projectId, refreshDeployments, refreshEngine, notify],
  );

  return { deployments, pending, start, confirm, cancel: () => setPending(null), rollback };
}

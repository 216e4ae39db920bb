/**
 * Deploying: build a bundle, show what it changes (the server's diff against the engine's active
 * bundle, or the previous bundle when the engine does not answer), then deploy, roll back, and
 * keep the project's deployment history in view.
 */
import { useCallback, useEffect, useState } from "react";
import { ApiError, api, errorMessage, unwrap } from "../api/client";
import type { BundleDiff, DeploymentEntry, EngineStatus } from "../api/types";

export interface PendingDeploy {
  version: string;
  /** The server's diff: against the engine's active bundle, or the previous one when it is away. */
  diff: BundleDiff;
}

/** What the user confirmed in the deploy dialog, beyond the deploy itself. */
export interface DeployChoice {
  /** They typed the project's name to replace another project running on the engine. */
  allowOtherProject?: boolean;
  /** They confirmed going back to a lower version than the active one. */
  allowLowerVersion?: boolean;
  /** Why this deploy; shown in the history. */
  note?: string;
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
      const diff = unwrap(
        await api.GET("/api/projects/{project_id}/bundles/{version}/diff", {
          params: { path: { project_id: projectId, version } },
        }),
      );
      setPending({ version, diff });
    } catch (e) {
      notify(e instanceof ApiError ? `Cannot build or compare the bundle: ${e.message}` : String(e));
      onBuildFailed();
    }
  }, [projectId, saveFirst, notify, onBuildFailed]);

  const confirm = useCallback(async (choice: DeployChoice = {}) => {
    if (!pending) return;
    const r = await api.POST("/api/projects/{project_id}/deployments", {
      params: { path: { project_id: projectId } },
      body: {
        version: pending.version,
        allowOtherProject: choice.allowOtherProject ?? null,
        allowLowerVersion: choice.allowLowerVersion ?? null,
        note: choice.note || null,
      },
    });
    setPending(null);
    notify(r.data ? `Deploy of ${r.data.version}: ${r.data.outcome}` : errorMessage(r, "deploy failed"));
    await refreshDeployments();
    onDeployed();
    refreshEngine();
  }, [pending, projectId, refreshDeployments, refreshEngine, notify, onDeployed]);

  /**
   * Roll back to one of this project's versions. While another project runs on the engine the
   * confirmation names both, and only then is replacing it allowed (the engine refuses otherwise).
   */
  const rollback = useCallback(
    async (version: string, projectName: string, running: EngineStatus | null) => {
      const other = running?.projectId != null && running.projectId !== projectId;
      const question = other
        ? `The engine runs project "${running.projectName ?? running.projectId}" version ` +
          `${running.version ?? "?"}. Replace it with project "${projectName}" version ${version}?`
        : `Roll back the engine to ${version}?`;
      if (!window.confirm(question)) return;
      const r = await api.POST("/api/projects/{project_id}/rollback", {
        params: { path: { project_id: projectId } },
        body: { version, allowOtherProject: other ? true : null },
      });
      notify(r.data ? `Rollback to ${r.data.version}: ${r.data.outcome}` : errorMessage(r, "rollback failed"));
      await refreshDeployments();
      refreshEngine();
    },
    [projectId, refreshDeployments, refreshEngine, notify],
  );

  /** The user said no after seeing the diff: the bundle goes, so its version number is not used up. */
  const cancel = useCallback(async () => {
    if (!pending) return;
    setPending(null);
    const r = await api.DELETE("/api/projects/{project_id}/bundles/{version}", {
      params: { path: { project_id: projectId, version: pending.version } },
    });
    if (!r.response.ok) notify(errorMessage(r, `bundle ${pending.version} was kept`));
  }, [pending, projectId, notify]);

  return { deployments, pending, start, confirm, cancel, rollback };
}

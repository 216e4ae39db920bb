/**
 * Autosave with the revision check: a settled change is saved after AUTOSAVE_MS; a 409 (someone
 * else saved) stops autosaving and opens the conflict dialog, resolved by keeping theirs or mine.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { api, detail, errorMessage, failureOf } from "../api/client";
import type { Graph } from "../api/types";
import { canonicalGraph, newFlow } from "../lib/graph";
import { type FlowDocument, withGraph } from "./useFlowDocument";
import type { UndoHistory } from "./useUndoHistory";

const AUTOSAVE_MS = 700;

export type SaveState = "saved" | "dirty" | "saving" | "conflict" | "error";

/**
 * What a change of the graph makes of the save state: back at what the server holds (an undo
 * or a redo to the saved graph) is "saved" again, anything else is "dirty"; a save in flight
 * or a conflict stays as it is until it resolves.
 */
export function afterChange(current: SaveState, sig: string, savedSig: string): SaveState {
  if (current === "saving" || current === "conflict") return current;
  return sig === savedSig ? "saved" : "dirty";
}

export interface AutosaveDeps {
  projectId: string;
  doc: FlowDocument;
  history: UndoHistory;
  /** Called after every successful save (e.g. to validate again). */
  onSaved: () => void;
  notify: (message: string) => void;
}

export function useAutosave({ projectId, doc, history, onSaved, notify }: AutosaveDeps) {
  const [saveState, setSaveState] = useState<SaveState>("saved");
  const [conflict, setConflict] = useState<{ theirs: number } | null>(null);
  const savedSig = useRef<string>("");
  // Bumped with each save, so that a change made while the save was in flight is saved after it.
  const [saves, setSaves] = useState(0);
  const { graphNow, projectRef, setProject, showGraph, sig } = doc;

  /** The graph that is on the server now (after a load): nothing to save, nothing to undo. */
  const markSaved = useCallback(
    (graph: Graph) => {
      savedSig.current = JSON.stringify(canonicalGraph(graph));
      history.reset(savedSig.current);
    },
    [history],
  );

  // One save at a time: the autosave timer and an explicit save (e.g. before "Make composite")
  // would otherwise both PUT the same base revision, and the second would be a false conflict.
  const inFlight = useRef<Promise<void>>(Promise.resolve());

  /** `force`: a revision to save over (keep mine), or true to save content beside the graph (calendars) even if the graph is unchanged. */
  const saveOnce = useCallback(
    async (force?: number | true) => {
      const p = projectRef.current;
      const g = graphNow();
      if (!p || !g) return;
      const body = JSON.stringify(g);
      if (force === undefined && body === savedSig.current) return; // the previous save took it
      setSaveState("saving");
      const r = await api.PUT("/api/projects/{project_id}", {
        params: { path: { project_id: projectId } },
        body: { revision: typeof force === "number" ? force : p.revision, content: { ...p.content, graph: g } as never },
      });
      if (r.response.status === 409) {
        // StaleRevisionError: details {field: "revision", basedOn, currentRevision}.
        const theirs = detail(failureOf(r), "currentRevision");
        setConflict({ theirs: typeof theirs === "number" ? theirs : -1 });
        setSaveState("conflict");
        return;
      }
      if (!r.data) {
        setSaveState("error");
        notify(errorMessage(r, "save failed"));
        return;
      }
      savedSig.current = body;
      setSaves((n) => n + 1);
      const saved = withGraph(r.data, g);
      // The next queued save must see the new revision before React renders it.
      projectRef.current = saved;
      setProject(saved);
      setSaveState("saved");
      onSaved();
    },
    [graphNow, projectId, projectRef, setProject, onSaved, notify],
  );

  const save = useCallback(
    (force?: number | true): Promise<void> => {
      const next = inFlight.current.then(() => saveOnce(force));
      inFlight.current = next.catch(() => undefined);
      return next;
    },
    [saveOnce],
  );

  // The timer restarts only when the graph changes, not when live values re-render nodes.
  const saveRef = useRef(save);
  saveRef.current = save;
  const hasProject = doc.project !== null;
  // Before paint: the label never says "Saved" over a canvas that shows a change not yet saved.
  useLayoutEffect(() => {
    if (!sig || !hasProject || conflict) return;
    setSaveState((s) => afterChange(s, sig, savedSig.current));
  }, [sig, hasProject, conflict, saves]);
  useEffect(() => {
    if (!sig || !hasProject || conflict) return;
    if (sig === savedSig.current) return;
    const t = window.setTimeout(() => void saveRef.current(), AUTOSAVE_MS);
    return () => window.clearTimeout(t);
  }, [sig, hasProject, conflict, saves]);

  const resolveConflict = useCallback(
    async (keepMine: boolean) => {
      const r = await api.GET("/api/projects/{project_id}", { params: { path: { project_id: projectId } } });
      if (!r.data) return;
      setConflict(null);
      if (keepMine) {
        setProject((p) => (p ? { ...p, revision: r.data.revision } : p));
        projectRef.current = projectRef.current ? { ...projectRef.current, revision: r.data.revision } : null;
        await save(r.data.revision);
      } else {
        const g = r.data.content.graph ?? { nodes: [], edges: [], flows: [newFlow(new Set(), "Main")], layout: {} };
        markSaved(g);
        showGraph(r.data, g);
        setSaveState("saved");
      }
    },
    [projectId, save, projectRef, setProject, markSaved, showGraph],
  );

  return { saveState, conflict, save, resolveConflict, markSaved };
}

/** Undo and redo: one snapshot of the whole graph per settled change. */
import { useCallback, useEffect, useMemo, useRef } from "react";
import type { Graph } from "../api/types";
import { History } from "../lib/history";
import type { FlowDocument } from "./useFlowDocument";

const SETTLE_MS = 250;

export function useUndoHistory(doc: FlowDocument) {
  const history = useRef(new History());
  const { sig, applying, projectRef, showGraph } = doc;

  useEffect(() => {
    if (!sig) return;
    if (applying.current) {
      applying.current = false;
      return;
    }
    const t = window.setTimeout(() => history.current.push(sig), SETTLE_MS);
    return () => window.clearTimeout(t);
  }, [sig, applying]);

  const apply = useCallback(
    (snapshot: string | null) => {
      const p = projectRef.current;
      if (!snapshot || !p) return;
      showGraph(p, JSON.parse(snapshot) as Graph);
    },
    [projectRef, showGraph],
  );

  const undo = useCallback(() => apply(history.current.undo()), [apply]);
  const redo = useCallback(() => apply(history.current.redo()), [apply]);
  /** Start over from `snapshot` (after a load or a reload): nothing to undo. */
  const reset = useCallback((snapshot: string) => history.current.reset(snapshot), []);

  return useMemo(() => ({ undo, redo, reset }), [undo, redo, reset]);
}

export type UndoHistory = ReturnType<typeof useUndoHistory>;

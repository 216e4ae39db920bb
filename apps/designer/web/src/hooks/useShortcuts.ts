/**
 * The editor's keyboard shortcuts: undo/redo, copy/paste, select all, arrange (L) and fit (F).
 * Listened for on the document (after a delete the focus is on <body>, not inside the editor),
 * and ignored while typing in a field or a dialog.
 */
import { useCallback, useEffect, useRef } from "react";
import { type BlockNode, edgeId, newNodeId, type WireEdge } from "../lib/graph";
import type { FlowDocument } from "./useFlowDocument";
import type { UndoHistory } from "./useUndoHistory";

export interface ShortcutActions {
  arrange: () => void;
  fit: () => void;
}

const PASTE_OFFSET = 40;

/** ``enabled`` false while the canvas shows something else (the inside of a composite). */
export function useShortcuts(doc: FlowDocument, history: UndoHistory, actions: ShortcutActions, enabled = true) {
  const clipboard = useRef<{ nodes: BlockNode[]; edges: WireEdge[] } | null>(null);
  const { nodes, edges, setNodes, setEdges, projectRef } = doc;

  const paste = useCallback(() => {
    if (!clipboard.current) return;
    const taken = new Set([...(projectRef.current?.content.graph?.nodes ?? []).map((n) => n.id), ...nodes.map((n) => n.id)]);
    const rename = new Map<string, string>();
    const pasted = clipboard.current.nodes.map((n) => {
      const id = newNodeId(n.data.blockType, taken);
      taken.add(id);
      rename.set(n.id, id);
      const position = { x: n.position.x + PASTE_OFFSET, y: n.position.y + PASTE_OFFSET };
      return { ...n, id, selected: true, position, data: { ...n.data, issues: [], live: {} } };
    });
    const wires = clipboard.current.edges.map((x) => {
      const w = { source: rename.get(x.source)!, sourcePort: x.sourceHandle!, target: rename.get(x.target)!, targetPort: x.targetHandle! };
      return { id: edgeId(w), source: w.source, sourceHandle: w.sourcePort, target: w.target, targetHandle: w.targetPort };
    });
    setNodes((ns) => [...ns.map((n) => ({ ...n, selected: false })), ...pasted]);
    setEdges((es) => [...es, ...wires]);
  }, [nodes, projectRef, setNodes, setEdges]);

  const onKeyDown = useCallback(
    (e: globalThis.KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (!enabled) return;
      if (["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName) || target.closest("dialog")) return;
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && key === "z") {
        e.preventDefault();
        if (e.shiftKey) history.redo();
        else history.undo();
      } else if (mod && key === "y") {
        e.preventDefault();
        history.redo();
      } else if (mod && key === "c") {
        const sel = nodes.filter((n) => n.selected);
        const ids = new Set(sel.map((n) => n.id));
        clipboard.current = { nodes: sel, edges: edges.filter((x) => ids.has(x.source) && ids.has(x.target)) };
      } else if (mod && key === "v") {
        paste();
      } else if (mod && key === "a") {
        e.preventDefault();
        setNodes((ns) => ns.map((n) => ({ ...n, selected: true })));
      } else if (e.key === "l" && !mod) {
        actions.arrange();
      } else if (e.key === "f" && !mod) {
        actions.fit();
      }
    },
    [history, nodes, edges, paste, setNodes, actions, enabled],
  );

  const keyRef = useRef(onKeyDown);
  keyRef.current = onKeyDown;
  useEffect(() => {
    const on = (e: globalThis.KeyboardEvent) => keyRef.current(e);
    document.addEventListener("keydown", on);
    return () => document.removeEventListener("keydown", on);
  }, []);
}

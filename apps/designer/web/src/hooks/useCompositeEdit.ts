/**
 * "Edit definition" inside an opened composite instance: inner parameters, labels and
 * positions change the shared definition (so every instance), a logic change once per editing
 * session as a new version that every instance moves to (lib/compositeEdit.ts says why).
 */
import { useCallback, useEffect, useState } from "react";
import type { JsonValue } from "../api/types";
import { changeDefinition, instancesOf, nestedIn, withInnerNode, withInnerPosition } from "../lib/compositeEdit";
import type { Definition, Level } from "../lib/compositeInside";
import { type FlowDocument, withGraph } from "./useFlowDocument";

export interface CompositeEdit {
  editing: boolean;
  /** Why this definition cannot be edited from here, or null. */
  blocked: string | null;
  start: () => void;
  stop: () => void;
  setInner: (id: string, patch: { params?: { [key: string]: JsonValue }; label?: string | null }) => void;
  move: (id: string, position: { x: number; y: number }) => void;
}

export function useCompositeEdit(doc: FlowDocument, levels: Level[] | null, notify: (m: string) => void): CompositeEdit {
  const { graphNow, projectRef, setProject, setNodes } = doc;
  const [editing, setEditing] = useState(false);
  // The version this session made; changes amend it instead of making another.
  const [draft, setDraft] = useState<{ name: string; version: number } | null>(null);
  const def: Definition | undefined = levels?.[levels.length - 1]?.definition;
  const key = levels?.map((l) => l.id).join(">") ?? "";

  useEffect(() => {
    setEditing(false);
    setDraft(null);
  }, [key]);

  let blocked: string | null = null;
  const graph = projectRef.current?.content.graph;
  if (levels && levels.length > 1) blocked = "Open the outermost composite to edit a definition.";
  else if (def && graph && nestedIn(graph, def.name).length)
    blocked = `Composite ${def.name} is used inside ${nestedIn(graph, def.name).join(", ")}; edit it there.`;

  const change = useCallback(
    (edit: (d: Definition) => Definition, logic: boolean) => {
      const p = projectRef.current;
      const g = graphNow();
      if (!p || !g || !def) return;
      const bump = logic && !(draft && draft.name === def.name && draft.version === def.version);
      const { graph: next, version } = changeDefinition(g, def.name, def.version, edit, bump);
      setProject(withGraph(p, next));
      // The canvas holds the current flow's nodes: its instances move to the new version too.
      const types = new Map((next.nodes ?? []).map((n) => [n.id, n.type]));
      setNodes((ns) =>
        ns.map((n) => {
          const t = types.get(n.id);
          return t && t !== n.data.blockType ? { ...n, data: { ...n.data, blockType: t } } : n;
        }),
      );
      if (bump) {
        setDraft({ name: def.name, version });
        const count = instancesOf(next, def.name, version).length;
        notify(`Composite ${def.name} is now version ${version}; its ${count} instance${count === 1 ? "" : "s"} use${count === 1 ? "s" : ""} it.`);
      }
    },
    [projectRef, graphNow, def, draft, setProject, setNodes, notify],
  );

  const setInner = useCallback(
    (id: string, patch: { params?: { [key: string]: JsonValue }; label?: string | null }) => change((d) => withInnerNode(d, id, patch), true),
    [change],
  );
  const move = useCallback((id: string, position: { x: number; y: number }) => change((d) => withInnerPosition(d, id, position), false), [change]);
  const start = useCallback(() => setEditing(true), []);
  const stop = useCallback(() => setEditing(false), []);

  return { editing: editing && !blocked, blocked, start, stop, setInner, move };
}

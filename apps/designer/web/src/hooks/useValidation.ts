/** The server's validation of the saved project, and its marks on the blocks and wires it names. */
import { useCallback, useEffect, useState } from "react";
import { api } from "../api/client";
import type { ValidationIssue } from "../api/types";
import type { FlowDocument } from "./useFlowDocument";

export function useValidation(projectId: string, doc: FlowDocument) {
  const [issues, setIssues] = useState<ValidationIssue[] | null>(null);
  const { project, setNodes, setEdges, nodes, edges } = doc;

  const validate = useCallback(async () => {
    const r = await api.POST("/api/projects/{project_id}/validate", { params: { path: { project_id: projectId } } });
    if (r.data) setIssues(r.data.issues);
  }, [projectId]);

  useEffect(() => {
    if (project && issues === null) void validate();
  }, [project, issues, validate]);

  // Marks on nodes.
  useEffect(() => {
    const byNode = new Map<string, string[]>();
    for (const i of issues ?? []) {
      for (const id of new Set([...(i.node ? [i.node] : []), ...(i.nodes ?? [])])) {
        byNode.set(id, [...(byNode.get(id) ?? []), i.message]);
      }
    }
    setNodes((ns) => {
      let changed = false;
      const next = ns.map((n) => {
        const mine = byNode.get(n.id);
        const before = n.data.issues ?? [];
        if ((mine ?? []).join("\n") === before.join("\n")) return n;
        changed = true;
        return { ...n, data: { ...n.data, issues: mine ?? [] } };
      });
      return changed ? next : ns;
    });
  }, [issues, setNodes, nodes.length]);

  // ... and on the wires they name ('source.port->target.port').
  useEffect(() => {
    const bad = new Set((issues ?? []).map((i) => i.edge).filter((e): e is string => !!e));
    setEdges((es) => {
      let changed = false;
      const next = es.map((e) => {
        const cls = bad.has(e.id) ? "has-issues" : undefined;
        if (e.className === cls) return e;
        changed = true;
        return { ...e, className: cls };
      });
      return changed ? next : es;
    });
  }, [issues, setEdges, edges.length]);

  return { issues, validate };
}

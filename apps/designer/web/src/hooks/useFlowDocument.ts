/** The project being edited: its whole graph, the flow on the canvas, and the canvas's nodes and wires. */
import { useEdgesState, useNodesState } from "@xyflow/react";
import { useCallback, useMemo, useRef, useState } from "react";
import type { Graph, Project } from "../api/types";
import { type BlockNode, canonicalGraph, fromFlow, toFlow, type WireEdge } from "../lib/graph";

export function withGraph(project: Project, graph: Graph): Project {
  return { ...project, content: { ...project.content, graph } };
}

export function useFlowDocument() {
  const [project, setProject] = useState<Project | null>(null);
  const [flowId, setFlowId] = useState<string>("");
  const [nodes, setNodes, onNodesChange] = useNodesState<BlockNode>([]);
  const [edges, setEdges, onEdgesChange] = useEdgesState<WireEdge>([]);
  const projectRef = useRef<Project | null>(null);
  projectRef.current = project;
  /** Set while a graph is loaded onto the canvas, so that the load is not an undo step. */
  const applying = useRef(false);

  // The whole graph as it is now: other flows from the project, this one from the canvas.
  const graphNow = useCallback(
    (): Graph | null =>
      projectRef.current?.content.graph
        ? canonicalGraph(fromFlow(projectRef.current.content.graph, flowId, nodes, edges))
        : null,
    // `project` too: flows' names and schedules live there, not on the canvas.
    [flowId, nodes, edges, project],
  );
  const sig = useMemo(() => {
    const g = graphNow();
    return g ? JSON.stringify(g) : "";
  }, [graphNow]);

  const loadFlow = useCallback(
    (graph: Graph, id: string) => {
      const { nodes: n, edges: e } = toFlow(graph, id);
      applying.current = true;
      setNodes(n);
      setEdges(e);
      setFlowId(id);
    },
    [setNodes, setEdges],
  );

  /** Show `graph` as the project's, on the current flow when it still exists, else on its first. */
  const showGraph = useCallback(
    (base: Project, graph: Graph) => {
      setProject(withGraph(base, graph));
      const id = graph.flows?.some((f) => f.id === flowId) ? flowId : (graph.flows?.[0]?.id ?? flowId);
      loadFlow(graph, id);
    },
    [flowId, loadFlow],
  );

  /** Change the graph outside the canvas (flows' names, schedules), keeping the canvas as it is. */
  const editGraph = useCallback(
    (change: (g: Graph) => Graph) => {
      const p = projectRef.current;
      const g = graphNow();
      if (p && g) setProject(withGraph(p, change(g)));
    },
    [graphNow],
  );

  return {
    project,
    setProject,
    projectRef,
    flowId,
    setFlowId,
    nodes,
    setNodes,
    onNodesChange,
    edges,
    setEdges,
    onEdgesChange,
    applying,
    graphNow,
    sig,
    loadFlow,
    showGraph,
    editGraph,
  };
}

export type FlowDocument = ReturnType<typeof useFlowDocument>;

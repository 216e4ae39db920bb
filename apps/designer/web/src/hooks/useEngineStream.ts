/**
 * The engine's status and its live values, through the Designer: the status once (best effort),
 * then the engine's event stream (only when the engine answered) onto the canvas's blocks and wires.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "../api/client";
import type { BlockSpec, EngineEvent, EngineStatus } from "../api/types";
import type { NodeValues } from "../lib/compositeInside";
import { type LiveContext, paintEdges, paintNodes, unpainted } from "../lib/liveCanvas";
import type { FlowDocument } from "./useFlowDocument";
import { usePointUnits } from "./usePointUnits";

/** An event's payload, typed by its kind from the generated EngineStreamMessage. */
function payload<K extends "status" | "values" | "tick">(_kind: K, ev: Event): EngineEvent<K> {
  return JSON.parse((ev as MessageEvent<string>).data) as EngineEvent<K>;
}

export function useEngineStream(
  doc: Pick<FlowDocument, "nodes" | "edges" | "setNodes" | "setEdges" | "projectRef">,
  catalogue: ReadonlyMap<string, BlockSpec>,
) {
  // The stream's listener outlives renders: it reads the newest catalogue through a ref.
  const catalogueRef = useRef(catalogue);
  catalogueRef.current = catalogue;
  const [engine, setEngine] = useState<EngineStatus | null>(null);
  // The latest outputs of every flat node (all flows), for the inside of composite instances.
  const [values, setValues] = useState<NodeValues>({});
  const latest = useRef<NodeValues>({});
  const { nodes, edges, setNodes, setEdges, projectRef } = doc;
  // The stream's listener labels wires from the canvas's nodes as they were last drawn.
  const canvasNodes = useRef(nodes);
  canvasNodes.current = nodes;
  // Live values carry their unit: a point block's from its point, others from their parameters.
  const pointUnits = usePointUnits();
  const liveContext = useCallback(
    (): LiveContext => ({ graph: projectRef.current?.content.graph, catalogue: catalogueRef.current, pointUnits }),
    [projectRef, pointUnits],
  );

  const refreshEngine = useCallback(() => {
    api.GET("/api/engine/status").then((r) => r.data && setEngine(r.data), () => undefined);
  }, []);
  useEffect(refreshEngine, [refreshEngine]);

  const engineUp = engine !== null;
  useEffect(() => {
    if (!engineUp) return;
    const es = new EventSource("/api/engine/stream");
    es.addEventListener("status", (ev) => setEngine(payload("status", ev)));
    es.addEventListener("values", (ev) => {
      const data = payload("values", ev);
      // An event holds the nodes that changed (every node in a stream's first): merge them.
      latest.current = { ...latest.current, ...data.nodes };
      setValues(latest.current);
      const changed = new Set(Object.keys(data.nodes));
      const ctx = liveContext();
      setNodes((ns) => paintNodes(ns, latest.current, ctx, changed));
      setEdges((wires) => paintEdges(wires, canvasNodes.current, latest.current, ctx, changed));
    });
    es.addEventListener("tick", (ev) => {
      const t = payload("tick", ev);
      setEngine((e) =>
        e ? { ...e, flows: e.flows.map((f) => (f.id === t.flow ? { ...f, ticks: f.ticks + 1 } : f)) } : e,
      );
    });
    return () => es.close();
  }, [engineUp, setNodes, setEdges, liveContext]);

  // A flow loaded onto the canvas (a tab, an undo, a project that came after the stream's
  // first values) has no live text yet: paint it from the latest values at once.
  useEffect(() => {
    const ctx = liveContext();
    if (!unpainted(nodes, edges, latest.current, ctx)) return;
    setNodes((ns) => paintNodes(ns, latest.current, ctx));
    setEdges((wires) => paintEdges(wires, nodes, latest.current, ctx));
  }, [nodes, edges, setNodes, setEdges, liveContext]);

  return { engine, refreshEngine, values, pointUnits };
}

/**
 * The engine's status and its live values, through the Designer: the status once (best effort),
 * then the engine's event stream (only when the engine answered) onto the canvas's blocks and wires.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "../api/client";
import type { BlockSpec, EngineEvent, EngineStatus } from "../api/types";
import { type NodeValues, definitionOf, instanceValues, outputUnit } from "../lib/compositeInside";
import { type PointUnit, liveText, nodeUnit, outputPortUnit } from "../lib/liveUnits";
import type { FlowDocument } from "./useFlowDocument";
import { usePointUnits } from "./usePointUnits";

/** An event's payload, typed by its kind from the generated EngineStreamMessage. */
function payload<K extends "status" | "values" | "tick">(_kind: K, ev: Event): EngineEvent<K> {
  return JSON.parse((ev as MessageEvent<string>).data) as EngineEvent<K>;
}

export function useEngineStream(
  doc: Pick<FlowDocument, "setNodes" | "setEdges" | "projectRef">,
  catalogue: ReadonlyMap<string, BlockSpec>,
) {
  // The stream's listener outlives renders: it reads the newest catalogue through a ref.
  const catalogueRef = useRef(catalogue);
  catalogueRef.current = catalogue;
  const [engine, setEngine] = useState<EngineStatus | null>(null);
  // The latest outputs of every flat node (all flows), for the inside of composite instances.
  const [values, setValues] = useState<NodeValues>({});
  const latest = useRef<NodeValues>({});
  const { setNodes, setEdges, projectRef } = doc;
  // Live values carry their unit: a point block's from its point, others from their parameters.
  const pointUnits = usePointUnits();
  const units = useRef(new Map<string, PointUnit>());

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
      const graph = projectRef.current?.content.graph;
      // A composite instance runs as its flat inner nodes: its outputs are theirs.
      const instances = new Map<string, NodeValues[string]>();
      for (const n of graph?.nodes ?? []) {
        const def = definitionOf(graph, n.type);
        const ports = def ? instanceValues(graph, def, n.id, latest.current) : undefined;
        if (ports) instances.set(n.id, ports);
      }
      const portsOf = (id: string) => data.nodes[id] ?? instances.get(id);
      setNodes((ns) =>
        ns.map((n) => {
          const ports = portsOf(n.id);
          if (!ports) return n;
          const live: Record<string, string> = {};
          let status = "ok";
          const unit = nodeUnit(String(n.data.blockType), (n.data.params ?? {}) as Record<string, unknown>, pointUnits);
          const def = definitionOf(graph, n.data.blockType);
          for (const [port, [v, q]] of Object.entries(ports)) {
            const spec = catalogueRef.current.get(String(n.data.blockType));
            const u = def ? outputUnit(graph, def, port, pointUnits) : outputPortUnit(spec, port, unit);
            units.current.set(`${n.id}.${port}`, u);
            live[port] = liveText(v, q, u);
            if (q !== "ok" && status === "ok") status = q;
          }
          return { ...n, data: { ...n.data, live, status } };
        }),
      );
      // Wires carry the value of the output that drives them.
      setEdges((es) =>
        es.map((e) => {
          const v = e.sourceHandle ? portsOf(e.source)?.[e.sourceHandle] : undefined;
          return v ? { ...e, label: liveText(v[0], v[1], units.current.get(`${e.source}.${e.sourceHandle}`)) } : e;
        }),
      );
    });
    es.addEventListener("tick", (ev) => {
      const t = payload("tick", ev);
      setEngine((e) =>
        e ? { ...e, flows: e.flows.map((f) => (f.id === t.flow ? { ...f, ticks: f.ticks + 1 } : f)) } : e,
      );
    });
    return () => es.close();
  }, [engineUp, setNodes, setEdges, pointUnits, projectRef]);

  return { engine, refreshEngine, values, pointUnits };
}

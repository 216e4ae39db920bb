/**
 * The engine's status and its live values, through the Designer: the status once (best effort),
 * then the engine's event stream (only when the engine answered) onto the canvas's blocks and wires.
 */
import { useCallback, useEffect, useState } from "react";
import { api } from "../api/client";
import type { EngineEvent, EngineStatus, JsonValue } from "../api/types";
import type { FlowDocument } from "./useFlowDocument";

function valueText(v: JsonValue | undefined, quality: string): string {
  return `${typeof v === "number" ? Number(v.toFixed(2)) : String(v)}${quality !== "ok" ? ` (${quality})` : ""}`;
}

export function useEngineStream(doc: Pick<FlowDocument, "setNodes" | "setEdges">) {
  const [engine, setEngine] = useState<EngineStatus | null>(null);
  const { setNodes, setEdges } = doc;

  const refreshEngine = useCallback(() => {
    api.GET("/api/engine/status").then((r) => r.data && setEngine(r.data), () => undefined);
  }, []);
  useEffect(refreshEngine, [refreshEngine]);

  const engineUp = engine !== null;
  useEffect(() => {
    if (!engineUp) return;
    const es = new EventSource("/api/engine/stream");
    const data = <K extends "status" | "values" | "tick">(_kind: K, ev: Event) =>
      JSON.parse((ev as MessageEvent<string>).data) as EngineEvent<K>;
    es.addEventListener("status", (ev) => setEngine(data("status", ev)));
    es.addEventListener("values", (ev) => {
      const values = data("values", ev);
      setNodes((ns) =>
        ns.map((n) => {
          const ports = values.nodes[n.id];
          if (!ports) return n;
          const live: Record<string, string> = {};
          let status = "ok";
          for (const [port, [v, q]] of Object.entries(ports)) {
            live[port] = valueText(v, q);
            if (q !== "ok" && status === "ok") status = q;
          }
          return { ...n, data: { ...n.data, live, status } };
        }),
      );
      // Wires carry the value of the output that drives them.
      setEdges((es) =>
        es.map((e) => {
          const v = e.sourceHandle ? values.nodes[e.source]?.[e.sourceHandle] : undefined;
          return v ? { ...e, label: valueText(v[0], v[1]) } : e;
        }),
      );
    });
    es.addEventListener("tick", (ev) => {
      const t = data("tick", ev);
      setEngine((e) =>
        e ? { ...e, flows: e.flows.map((f) => (f.id === t.flow ? { ...f, ticks: f.ticks + 1 } : f)) } : e,
      );
    });
    return () => es.close();
  }, [engineUp, setNodes, setEdges]);

  return { engine, refreshEngine };
}

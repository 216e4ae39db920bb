/** Simulate the current flow on the virtual clock: ramp or constant inputs, output traces plotted. */
import { useMemo, useState } from "react";
import { api, errorMessage } from "../api/client";
import type { BlockSpec, JsonValue, SimulationResult } from "../api/types";
import { outputsOf } from "../lib/connection";
import type { BlockNode } from "../lib/graph";
import { simulationSeries } from "../lib/simulation";
import { Chart } from "./Chart";

function Plot({ result, nodes }: { result: SimulationResult; nodes: BlockNode[] }) {
  const data = useMemo(() => simulationSeries(result, nodes), [result, nodes]);
  return <Chart testId="plot" x={data.x} series={data.series} height={220} xLabel="" elapsed />;
}

export function Simulation({
  projectId,
  flowId,
  nodes,
  catalogue,
}: {
  projectId: string;
  flowId: string;
  nodes: BlockNode[];
  catalogue: ReadonlyMap<string, BlockSpec>;
}) {
  const inputs = nodes.filter((n) => catalogue.get(n.data.blockType)?.role === "point-input");
  const [ramps, setRamps] = useState<Record<string, [number, number]>>({});
  const [duration, setDuration] = useState(600);
  const [result, setResult] = useState<SimulationResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const watch = useMemo(
    () =>
      nodes
        .filter((n) => catalogue.get(n.data.blockType)?.role === "logic")
        .flatMap((n) => {
          const spec = catalogue.get(n.data.blockType);
          return spec ? outputsOf(spec, n.data.params).slice(0, 1).map((p) => `${n.id}.${p.name}`) : [];
        })
        .slice(0, 6),
    [nodes, catalogue],
  );

  async function run() {
    setError(null);
    const signals = inputs
      .map((n) => ({ n, point: n.data.params["point"] as JsonValue }))
      .filter((x): x is { n: BlockNode; point: string } => typeof x.point === "string" && x.point !== "")
      .map(({ n, point }) => {
        const [start, end] = ramps[n.id] ?? [20, 25];
        return { kind: "ramp" as const, point, start, end, startS: 0, durationS: duration, sampleS: 10 };
      });
    const r = await api.POST("/api/projects/{project_id}/simulate", {
      params: { path: { project_id: projectId } },
      body: { durationS: duration, flow: flowId, inputs: signals as never, watch },
    });
    if (r.data) setResult(r.data);
    else setError(errorMessage(r, "simulation failed"));
  }

  return (
    <section className="simulation" aria-label="Simulation">
      <p className="hint">Runs this flow on the virtual clock; each point input follows a ramp.</p>
      {inputs.map((n) => {
        const [a, b] = ramps[n.id] ?? [20, 25];
        return (
          <div key={n.id} className="row">
            <span>{n.id}</span>
            <input aria-label={`${n.id} from`} type="number" value={a} onChange={(e) => setRamps({ ...ramps, [n.id]: [Number(e.target.value), b] })} />
            →
            <input aria-label={`${n.id} to`} type="number" value={b} onChange={(e) => setRamps({ ...ramps, [n.id]: [a, Number(e.target.value)] })} />
          </div>
        );
      })}
      <label>
        Duration (s) <input type="number" min={1} value={duration} onChange={(e) => setDuration(Number(e.target.value))} />
      </label>
      <button type="button" onClick={() => void run()}>
        Run simulation
      </button>
      {error && <p className="error" role="alert">{error}</p>}
      {result && <Plot result={result} nodes={nodes} />}
    </section>
  );
}

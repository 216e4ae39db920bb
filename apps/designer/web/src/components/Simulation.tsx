/** Simulate the current flow on the virtual clock: ramp or constant inputs, output traces plotted. */
import { useMemo, useState } from "react";
import { api, errorMessage } from "../api/client";
import type { BlockSpec, JsonValue, SimulationResult } from "../api/types";
import { outputsOf } from "../lib/connection";
import type { BlockNode } from "../lib/graph";

const COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2"];

function Plot({ result }: { result: SimulationResult }) {
  const W = 320;
  const H = 180;
  const series = result.columns
    .map((name, i) => ({ name, i }))
    .filter(({ i, name }) => i > 0 && result.rows.some((r) => typeof r[i] === "number" || typeof r[i] === "boolean") && name !== "time_s");
  const t = result.rows.map((r) => Number(r[0]));
  const vals = (i: number) => result.rows.map((r) => (typeof r[i] === "boolean" ? (r[i] ? 1 : 0) : Number(r[i])));
  const all = series.flatMap(({ i }) => vals(i)).filter(Number.isFinite);
  const lo = Math.min(...all, 0);
  const hi = Math.max(...all, 1);
  const t0 = t[0] ?? 0;
  const t1 = t[t.length - 1] ?? 1;
  const x = (v: number) => ((v - t0) / (t1 - t0 || 1)) * (W - 40) + 35;
  const y = (v: number) => H - 20 - ((v - lo) / (hi - lo || 1)) * (H - 30);
  return (
    <figure className="plot" data-testid="plot">
      <svg width={W} height={H} role="img" aria-label="Simulated traces">
        <line x1={35} y1={H - 20} x2={W - 5} y2={H - 20} stroke="#888" />
        <line x1={35} y1={10} x2={35} y2={H - 20} stroke="#888" />
        <text x={2} y={14} fontSize={10}>{hi.toFixed(1)}</text>
        <text x={2} y={H - 22} fontSize={10}>{lo.toFixed(1)}</text>
        <text x={W - 40} y={H - 5} fontSize={10}>{t1.toFixed(0)} s</text>
        {series.map(({ i }, k) => (
          <polyline
            key={i}
            fill="none"
            stroke={COLOURS[k % COLOURS.length]}
            strokeWidth={1.5}
            points={vals(i).map((v, j) => `${x(t[j] ?? 0).toFixed(1)},${y(Number.isFinite(v) ? v : lo).toFixed(1)}`).join(" ")}
          />
        ))}
      </svg>
      <figcaption>
        {series.map(({ name }, k) => (
          <span key={name} style={{ color: COLOURS[k % COLOURS.length] }}>
            ■ {name}{" "}
          </span>
        ))}
      </figcaption>
    </figure>
  );
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
      {result && <Plot result={result} />}
    </section>
  );
}

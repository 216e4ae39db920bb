/**
 * Trends: pick points by device, name or unit; a range preset or a dragged zoom; every point on
 * one chart with an axis per unit (booleans as steps); the buckets as CSV.
 */
import { useEffect, useMemo, useState } from "react";
import { Chart } from "../components/Chart";
import { type Range, useHistory } from "../hooks/useHistory";
import { matchesSearch, usePointCatalog } from "../hooks/usePointCatalog";
import { historyCsv, historySeries } from "../lib/trends";
import { formatTime } from "../lib/units";

const PRESETS: [string, number][] = [
  ["5 min", 5 * 60_000],
  ["15 min", 15 * 60_000],
  ["1 h", 3_600_000],
  ["8 h", 8 * 3_600_000],
  ["24 h", 24 * 3_600_000],
];
const MAX_POINTS = 8;
const BUCKETS = 300;

/** The chart's height: what fits under the picker and the range bar in the window, 260-420 px. */
const chartHeight = (windowHeight: number) => Math.max(260, Math.min(420, windowHeight - 440));

function useChartHeight(): number {
  const [height, setHeight] = useState(() => chartHeight(window.innerHeight));
  useEffect(() => {
    const on = () => setHeight(chartHeight(window.innerHeight));
    window.addEventListener("resize", on);
    return () => window.removeEventListener("resize", on);
  }, []);
  return height;
}

function pointsFromHash(): string[] {
  const q = window.location.hash.split("?")[1] ?? "";
  return new URLSearchParams(q).getAll("point").slice(0, MAX_POINTS);
}

function download(name: string, text: string): void {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  a.download = name;
  a.click();
  URL.revokeObjectURL(a.href);
}

export function Trends() {
  const height = useChartHeight();
  const { points: catalog, error: catalogError } = usePointCatalog();
  const [selected, setSelected] = useState<string[]>(pointsFromHash);
  const [search, setSearch] = useState("");
  const [range, setRange] = useState<Range>(() => ({ start: Date.now() - 15 * 60_000, end: Date.now(), live: true }));
  const { history, error, loading } = useHistory(selected, range, BUCKETS);
  const data = useMemo(() => (history ? historySeries(history) : null), [history]);

  const found = useMemo(
    () => (catalog ?? []).filter((p) => !selected.includes(p.key) && (!search || matchesSearch(p, search))).slice(0, 50),
    [catalog, search, selected],
  );
  const toggle = (key: string) =>
    setSelected((s) => (s.includes(key) ? s.filter((k) => k !== key) : s.length < MAX_POINTS ? [...s, key] : s));
  const span = range.end - range.start;

  return (
    <section className="console trends">
      <h1>Trends</h1>
      <div className="trends-layout">
        <aside className="point-picker" aria-label="Points">
          <input
            type="search"
            placeholder="Search points by name, device or unit"
            aria-label="Search points"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
          {catalogError && <p className="error">{catalogError}</p>}
          {catalog === null && !catalogError && <p className="muted">Loading points…</p>}
          {selected.length > 0 && (
            <ul className="picked" aria-label="Plotted points">
              {selected.map((key) => {
                const p = catalog?.find((c) => c.key === key);
                return (
                  <li key={key}>
                    <label>
                      <input type="checkbox" checked onChange={() => toggle(key)} /> {p ? `${p.device.name ?? p.device.instance}: ${p.info.name}` : key}
                      {p?.info.unitSymbol ? ` [${p.info.unitSymbol}]` : ""}
                    </label>
                  </li>
                );
              })}
            </ul>
          )}
          <ul className="found" aria-label="Matching points">
            {found.map((p) => (
              <li key={p.key}>
                <label>
                  <input type="checkbox" checked={false} disabled={selected.length >= MAX_POINTS} onChange={() => toggle(p.key)} />{" "}
                  {p.device.name ?? p.device.instance}: {p.info.name}
                  {p.info.unitSymbol ? ` [${p.info.unitSymbol}]` : ""}
                  <span className="muted"> {p.info.objectType}</span>
                </label>
              </li>
            ))}
          </ul>
          {catalog && search && found.length === 0 && <p className="empty">No point matches “{search}”.</p>}
        </aside>
        <div className="trend-main">
          <div className="toolbar" role="group" aria-label="Time range">
            {PRESETS.map(([label, ms]) => (
              <button
                key={label}
                type="button"
                aria-pressed={range.live && span === ms}
                onClick={() => setRange({ start: Date.now() - ms, end: Date.now(), live: true })}
              >
                Last {label}
              </button>
            ))}
            {!range.live && (
              <button type="button" onClick={() => setRange({ start: Date.now() - 15 * 60_000, end: Date.now(), live: true })}>
                Back to live
              </button>
            )}
            <span className="muted" data-testid="trend-range">
              {range.live ? "live · " : ""}
              {formatTime(new Date(range.live ? Date.now() - span : range.start))} – {range.live ? "now" : formatTime(new Date(range.end))}
            </span>
            <span className="spacer" />
            <button type="button" disabled={!history} onClick={() => history && download("trend.csv", historyCsv(history))}>
              Export CSV
            </button>
          </div>
          {error && <p className="error">{error}</p>}
          {selected.length === 0 && <p className="empty">Pick points to plot them (search by name, device or unit). Drag on the chart to zoom in, double-click to zoom out.</p>}
          {data && selected.length > 0 && (
            <Chart
              testId="trend-chart"
              x={data.x}
              series={data.series}
              height={height}
              onZoom={(z) =>
                setRange(z ? { start: z.min * 1000, end: z.max * 1000, live: false } : { start: Date.now() - 15 * 60_000, end: Date.now(), live: true })
              }
            />
          )}
          {loading && <p className="muted">Loading…</p>}
        </div>
      </div>
    </section>
  );
}

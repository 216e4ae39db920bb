/**
 * A time-series chart on uPlot: one axis per unit (left, right, then alternating), booleans as
 * steps with on/off ticks, a faint min/max band behind each averaged line, drag to zoom,
 * double-click to zoom out, sized to its container. Its legend is ours: each series' colour,
 * name, unit, and a clear mark when the series had no data.
 */
import { useEffect, useMemo, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { type ChartSeries, axisValue, hasData, timeAxisLabels, unitsOf } from "../lib/trends";
import { formatTime, formatValue } from "../lib/units";

export const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"];

export interface ChartProps {
  /** Times in epoch seconds (shown in the browser's zone). */
  x: number[];
  series: ChartSeries[];
  height?: number;
  /** Called with the zoomed range (epoch seconds) after a drag, or null when zoomed out. */
  onZoom?: (range: { min: number; max: number } | null) => void;
  testId?: string;
  /** Label of the time axis; "" hides it. */
  xLabel?: string;
  /** x holds seconds from the start (a simulation), not epoch seconds. */
  elapsed?: boolean;
}

function options(props: ChartProps, width: number): uPlot.Options {
  const units = unitsOf(props.series);
  const scaleOf = (unit: string) => `u${units.indexOf(unit)}`;
  const series: uPlot.Series[] = [
    { label: "time", value: (_u, v) => (v == null ? "" : props.elapsed ? `${v} s` : formatTime(v)) },
  ];
  const bands: uPlot.Band[] = [];
  props.series.forEach((s, i) => {
    const stroke = PALETTE[i % PALETTE.length] as string;
    const stepped = s.kind === "bool" || Boolean(s.stateTexts?.length);
    series.push({
      label: s.label,
      scale: scaleOf(s.unit),
      stroke,
      width: 2,
      spanGaps: false,
      paths: stepped ? uPlot.paths.stepped?.({ align: 1 }) : undefined,
      value: (_u, v) => formatValue(v, { unit: s.unit === "on/off" ? "" : s.unit, stateTexts: s.stateTexts }),
    });
    if (s.lo && s.hi) {
      const hiIdx = series.length;
      series.push({ label: `${s.label} max`, scale: scaleOf(s.unit), stroke: "transparent", width: 0, points: { show: false } });
      series.push({ label: `${s.label} min`, scale: scaleOf(s.unit), stroke: "transparent", width: 0, points: { show: false } });
      bands.push({ series: [hiIdx, hiIdx + 1], fill: `${stroke}22` });
    }
  });
  const scales: uPlot.Scales = { x: { time: !props.elapsed } };
  const axes: uPlot.Axis[] = [
    {
      label: props.xLabel ?? "",
      labelSize: props.xLabel ? 20 : 0,
      // uPlot's default 50 px between ticks let "10:42:30 AM" labels run into each other at 1024 px
      space: props.elapsed ? 60 : 100,
      values: props.elapsed
        ? (_u, ticks) => ticks.map((t) => `${t} s`)
        : (_u, ticks, _axis, _space, incr) => timeAxisLabels(ticks, incr),
    },
  ];
  units.forEach((unit, i) => {
    const key = scaleOf(unit);
    scales[key] = unit === "on/off" ? { range: [-0.1, 1.1] } : { auto: true };
    axes.push({
      scale: key,
      side: i % 2 === 0 ? 3 : 1,
      label: unit || "(no unit)",
      labelSize: 18,
      size: 56,
      grid: { show: i === 0 },
      splits: unit === "on/off" ? () => [0, 1] : undefined,
      values: (_u, ticks, _axis, _space, step) => ticks.map((t) => axisValue(unit, t, step)),
    });
  });
  return {
    width,
    height: props.height ?? 300,
    series,
    bands,
    scales,
    axes,
    legend: { show: false },
    cursor: { drag: { x: true, y: false } },
    hooks: {
      setSelect: [
        (u) => {
          if (u.select.width < 4) return;
          const min = u.posToVal(u.select.left, "x");
          const max = u.posToVal(u.select.left + u.select.width, "x");
          props.onZoom?.({ min, max });
        },
      ],
    },
  };
}

function aligned(x: number[], series: ChartSeries[]): uPlot.AlignedData {
  const cols: (number | null)[][] = [];
  for (const s of series) {
    cols.push(s.y);
    if (s.lo && s.hi) cols.push(s.hi, s.lo);
  }
  return [x, ...cols] as uPlot.AlignedData;
}

export function Chart(props: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  // The chart is rebuilt when the set of series or units changes; new data alone is just set.
  const shape = props.series.map((s) => `${s.key}|${s.unit}|${s.kind}|${Boolean(s.lo)}`).join(";");
  const data = useMemo(() => aligned(props.x, props.series), [props.x, props.series]);
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const u = new uPlot(options(latest.current, el.clientWidth || 600), data, el);
    plot.current = u;
    const onDbl = () => latest.current.onZoom?.(null);
    u.over.addEventListener("dblclick", onDbl);
    const ro = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height: latest.current.height ?? 300 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.over.removeEventListener("dblclick", onDbl);
      u.destroy();
      plot.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- rebuilt on shape, data and height set below
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  // A new height (the window resized) resizes the plot in place: no rebuild, the zoom is kept.
  useEffect(() => {
    const el = box.current;
    if (el) plot.current?.setSize({ width: el.clientWidth, height: props.height ?? 300 });
  }, [props.height]);

  return (
    <figure className="chart" data-testid={props.testId}>
      <div ref={box} className="chart-plot" />
      <figcaption className="chart-legend">
        {props.series.map((s, i) => (
          <span key={s.key} className={hasData(s) ? "legend-item" : "legend-item no-data"} data-testid={`legend-${s.key}`}>
            <span className="swatch" style={{ background: PALETTE[i % PALETTE.length] }} />
            {s.label}
            {s.unit && s.unit !== "on/off" ? ` [${s.unit}]` : s.unit === "on/off" ? " [on/off]" : ""}
            {!hasData(s) && <em className="no-data-mark"> — no data</em>}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

/** A simulation's table as chart series: readable names, units, booleans as steps, empty columns marked. */
import type { SimulationResult } from "../api/types";
import type { BlockNode } from "./graph";
import { canonicalPoint, nodeUnit } from "./liveUnits";
import type { ChartData, ChartSeries } from "./trends";

function nameOf(column: string, nodes: BlockNode[]): { label: string; node?: BlockNode } {
  const byPoint = nodes.find((n) => n.data.params?.point !== undefined && canonicalPoint(n.data.params.point) === canonicalPoint(column));
  if (byPoint) return { label: String(byPoint.data.label || byPoint.id), node: byPoint };
  const dot = column.lastIndexOf(".");
  const node = dot > 0 ? nodes.find((n) => n.id === column.slice(0, dot)) : undefined;
  if (node) {
    const port = column.slice(dot + 1);
    return { label: `${node.data.label || node.id}${port === "out" || port === "value" ? "" : ` · ${port}`}`, node };
  }
  return { label: column };
}

export function simulationSeries(result: SimulationResult, nodes: BlockNode[]): ChartData {
  const x = result.rows.map((r) => Number(r[0]));
  const series: ChartSeries[] = [];
  result.columns.forEach((column, i) => {
    if (i === 0) return;
    const raw = result.rows.map((r) => r[i]);
    const bool = raw.some((v) => typeof v === "boolean");
    const numeric = raw.some((v) => typeof v === "number");
    const { label, node } = nameOf(column, nodes);
    const unit = bool ? "on/off" : node ? nodeUnit(String(node.data.blockType), (node.data.params ?? {}) as Record<string, unknown>, new Map()).unit : "";
    series.push({
      key: column,
      label,
      unit,
      kind: bool ? "bool" : numeric ? "number" : "empty",
      y: raw.map((v) => (typeof v === "boolean" ? (v ? 1 : 0) : typeof v === "number" ? v : null)),
    });
  });
  return { x, series };
}

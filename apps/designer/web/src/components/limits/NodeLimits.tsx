/** The limits of the point a point output block commands, under its parameters. */
import { useEffect } from "react";
import type { PointLimits } from "../../hooks/usePointLimits";
import { LimitsEditor } from "./LimitsEditor";

export function NodeLimits({ nodeId, point, limits }: { nodeId: string; point: string; limits: PointLimits }) {
  const { table, errors, load, save } = limits;
  // The point (or the block) changed: what the project commands is the server's answer.
  useEffect(() => void load(), [nodeId, point, load]);
  const row = table?.points.find((p) => p.nodes.includes(nodeId));
  if (!table) return <p className="hint">Reading the limits…</p>;
  if (!row) {
    return (
      <p className="hint" data-testid="no-limits">
        Limits can be set once this block is bound to a point and the project validates
        {table.problems.length ? ` (${table.problems[0]})` : ""}.
      </p>
    );
  }
  return (
    <LimitsEditor key={row.point} row={row} limitAction={table.limitAction} errors={errors[`panel:${row.point}`] ?? {}} onSave={(l) => save(row.point, l, "panel")} />
  );
}

/** Which unit a block's live outputs carry, so canvas values and wires read "21.5 °C", "45 %", "on". */
import type { BlockSpec } from "../api/types";
import { formatValue, unitSymbol } from "./units";

export interface PointUnit {
  unit: string;
  stateTexts?: readonly string[] | null;
}

/** "2001/analog-value,1" and "2001/analog-value,1/present-value" name the same point. */
export function canonicalPoint(ref: unknown): string {
  const text = String(ref ?? "").trim();
  return /^\d+\/[\w-]+,\d+$/.test(text) ? `${text}/present-value` : text;
}

/** Blocks whose output is a percentage whatever their inputs are. */
const PERCENT_OUT = new Set(["control.pid", "control.split-range", "control.ramp-percent"]);

export function nodeUnit(blockType: string, params: Record<string, unknown>, points: Map<string, PointUnit>): PointUnit {
  if (blockType === "io.point-input" || blockType === "io.point-output") {
    return points.get(canonicalPoint(params.point)) ?? { unit: "" };
  }
  // an alarm's unit is its watched value's; its own outputs are flags and a state number
  if (blockType.startsWith("alarm.")) return { unit: "" };
  if (typeof params.unit === "string" && params.unit) return { unit: unitSymbol(params.unit) };
  if (PERCENT_OUT.has(blockType)) return { unit: "%" };
  return { unit: "" };
}

/**
 * The unit of one output: the one its block type declares for that port (a schedule's next change
 * is a moment, "unix-time"), else the block's (`nodeUnit`).
 */
export function outputPortUnit(spec: BlockSpec | undefined, port: string, blockUnit: PointUnit): PointUnit {
  const declared = spec?.outputs.find((p) => p.name === port)?.type?.unit;
  return declared ? { unit: declared } : blockUnit;
}

/** A live value with its unit, and its quality when it is not ok. */
export function liveText(v: unknown, quality: string, unit: PointUnit = { unit: "" }): string {
  const text = formatValue(v, { unit: unit.unit, stateTexts: unit.stateTexts });
  return quality !== "ok" ? `${text} (${quality})` : text;
}

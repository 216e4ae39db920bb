/** The text of a limits form and the draft sent to the server (which checks it). */
import type { LimitsDraft, PointConstraint } from "../../api/types";

export type DraftText = {
  min: string;
  max: string;
  maxRatePerS: string;
  minPriority: string;
  maxPriority: string;
  degraded: "hold" | "fallback" | "relinquish";
  fallback: string;
};

const text = (v: unknown): string => (v === null || v === undefined ? "" : String(v));

export function draftText(limits: PointConstraint | null | undefined): DraftText {
  return {
    min: text(limits?.min),
    max: text(limits?.max),
    maxRatePerS: text(limits?.maxRatePerS),
    minPriority: text(limits?.minPriority ?? 1),
    maxPriority: text(limits?.maxPriority ?? 16),
    degraded: limits?.degraded ?? "hold",
    fallback: text(limits?.fallback),
  };
}

const number = (t: string): number | null => (t.trim() === "" ? null : Number(t));

/** What the form holds, as the server takes it: empty is unset, numbers as numbers. */
export function toDraft(t: DraftText): LimitsDraft {
  const fallback = t.fallback.trim();
  return {
    min: number(t.min),
    max: number(t.max),
    maxRatePerS: number(t.maxRatePerS),
    minPriority: number(t.minPriority) ?? 1,
    maxPriority: number(t.maxPriority) ?? 16,
    degraded: t.degraded,
    fallback: fallback === "" ? null : Number.isNaN(Number(fallback)) ? fallback : Number(fallback),
  };
}

/** The fields of the form, in order, with the server's name, a label and the unit they take. */
export const LIMIT_FIELDS: { key: Exclude<keyof DraftText, "degraded">; label: string; unit: (u: string) => string }[] = [
  { key: "min", label: "Minimum", unit: (u) => u },
  { key: "max", label: "Maximum", unit: (u) => u },
  { key: "maxRatePerS", label: "Max rate", unit: (u) => (u ? `${u}/s` : "/s") },
  { key: "minPriority", label: "Highest priority", unit: () => "" },
  { key: "maxPriority", label: "Lowest priority", unit: () => "" },
];

export const POLICIES: { value: DraftText["degraded"]; label: string }[] = [
  { value: "hold", label: "Hold the last value" },
  { value: "fallback", label: "Write a fallback value" },
  { value: "relinquish", label: "Relinquish (hand back control)" },
];

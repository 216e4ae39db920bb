/**
 * Which points an operator holds now, by point key: the IoT service's active overrides grouped
 * per point, for marking them wherever points appear (device list, canvas).
 */
import { useEffect, useMemo } from "react";
import type { Override } from "../api/types";
import { pointKey } from "../lib/pointRefs";
import { useOverrides } from "./useOverrides";

export type OverriddenPoints = ReadonlyMap<string, readonly Override[]>;

export function groupByPoint(overrides: readonly Override[] | null): OverriddenPoints {
  const byPoint = new Map<string, Override[]>();
  for (const o of overrides ?? []) {
    const key = pointKey(String(o.point));
    byPoint.set(key, [...(byPoint.get(key) ?? []), o].sort((a, b) => a.priority - b.priority));
  }
  return byPoint;
}

/** `refreshKey`: reload at once when it changes (e.g. after a write from this page). */
export function useOverriddenPoints(refreshKey?: unknown, refreshMs = 5000) {
  const { overrides, reload } = useOverrides(refreshMs);
  useEffect(() => {
    if (refreshKey !== undefined) void reload();
  }, [refreshKey, reload]);
  return useMemo(() => groupByPoint(overrides), [overrides]);
}

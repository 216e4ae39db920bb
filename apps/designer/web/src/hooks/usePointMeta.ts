/** Device and object names, units and state texts of every point the IoT service knows. */
import { useMemo } from "react";
import { type PointMeta, pointKey } from "../lib/pointRefs";
import { usePointCatalog } from "./usePointCatalog";

export function usePointMeta(): ReadonlyMap<string, PointMeta> {
  const { points } = usePointCatalog();
  return useMemo(() => {
    const meta = new Map<string, PointMeta>();
    for (const p of points ?? []) {
      meta.set(pointKey(p.key), {
        device: p.device.name || String(p.device.instance),
        name: p.info.name,
        unit: p.info.unitSymbol ?? p.info.units,
        stateTexts: p.info.stateTexts,
      });
    }
    return meta;
  }, [points]);
}

/** The unit symbol and state texts of every point the IoT service knows (best effort: none when down). */
import { useEffect, useState } from "react";
import { api } from "../api/client";
import type { PointUnit } from "../lib/liveUnits";

const MAX_DEVICES = 50;

export function usePointUnits(): Map<string, PointUnit> {
  const [units, setUnits] = useState<Map<string, PointUnit>>(() => new Map());
  useEffect(() => {
    let live = true;
    (async () => {
      const r = await api.GET("/api/iot/devices");
      const all = new Map<string, PointUnit>();
      for (const d of (r.data ?? []).slice(0, MAX_DEVICES)) {
        const pr = await api.GET("/api/iot/devices/{instance}/points", { params: { path: { instance: d.instance } } });
        for (const p of pr.data ?? []) all.set(String(p.point), { unit: p.unitSymbol ?? "", stateTexts: p.stateTexts });
      }
      if (live) setUnits(all);
    })().catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  return units;
}

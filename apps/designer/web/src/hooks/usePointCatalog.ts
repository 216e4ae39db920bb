/** Every point of every device the IoT service knows, with its device, for searching and picking. */
import { useEffect, useState } from "react";
import { api, errorMessage } from "../api/client";
import type { DeviceInfo, PointInfo } from "../api/types";

const MAX_DEVICES = 200;

export interface CatalogPoint {
  device: DeviceInfo;
  info: PointInfo;
  key: string;
}

/** Whether a point matches every word of a search, by point name, device name or number, unit, type. */
export function matchesSearch(p: CatalogPoint, search: string): boolean {
  const hay = [p.info.name, p.info.description ?? "", p.device.name ?? "", String(p.device.instance), p.info.unitSymbol ?? "",
    p.info.units ?? "", p.info.objectType, p.key].join(" ").toLowerCase();
  return search.toLowerCase().split(/\s+/).filter(Boolean).every((w) => hay.includes(w));
}

export function usePointCatalog() {
  const [points, setPoints] = useState<CatalogPoint[] | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    let live = true;
    (async () => {
      const r = await api.GET("/api/iot/devices");
      if (!r.data) {
        if (live) setError(errorMessage(r, "The IoT service is not reachable."));
        return;
      }
      const all: CatalogPoint[] = [];
      for (const d of r.data.slice(0, MAX_DEVICES)) {
        const pr = await api.GET("/api/iot/devices/{instance}/points", { params: { path: { instance: d.instance } } });
        for (const p of pr.data ?? []) all.push({ device: d, info: p, key: String(p.point) });
      }
      if (live) setPoints(all);
    })().catch(() => live && setError("The IoT service is not reachable."));
    return () => {
      live = false;
    };
  }, []);
  return { points, error };
}

/** The points the IoT service knows, as choices for point blocks (best effort: none when it is down). */
import { useEffect, useState } from "react";
import { api } from "../api/client";
import type { PointOption } from "../components/ParamPanel";

const MAX_DEVICES = 50;

export function usePointOptions(): PointOption[] {
  const [points, setPoints] = useState<PointOption[]>([]);
  useEffect(() => {
    api.GET("/api/iot/devices").then(
      async (r) => {
        if (!r.data) return;
        const all: PointOption[] = [];
        for (const d of r.data.slice(0, MAX_DEVICES)) {
          const pr = await api.GET("/api/iot/devices/{instance}/points", { params: { path: { instance: d.instance } } });
          for (const p of pr.data ?? []) {
            all.push({ point: String(p.point), label: `${d.name ?? d.instance}: ${p.name}${p.unitSymbol ? ` [${p.unitSymbol}]` : ""}` });
          }
        }
        setPoints(all);
      },
      () => undefined,
    );
  }, []);
  return points;
}

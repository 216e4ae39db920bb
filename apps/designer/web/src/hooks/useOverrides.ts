/** The IoT service's active operator overrides, refreshed every few seconds, and releasing one. */
import { useCallback, useEffect, useState } from "react";
import { api, errorMessage } from "../api/client";
import type { Override } from "../api/types";

export function useOverrides(refreshMs = 5000) {
  const [overrides, setOverrides] = useState<Override[] | null>(null);
  const [error, setError] = useState("");

  const load = useCallback(async () => {
    const r = await api.GET("/api/iot/overrides");
    if (r.data) {
      setOverrides(r.data.overrides);
      setError("");
    } else setError(errorMessage(r, "could not load the overrides"));
  }, []);

  useEffect(() => {
    void load();
    const timer = window.setInterval(() => void load(), refreshMs);
    return () => window.clearInterval(timer);
  }, [load, refreshMs]);

  const release = useCallback(
    async (o: Override, reason: string): Promise<string> => {
      const r = await api.POST("/api/iot/points/release", {
        body: { point: String(o.point), priority: o.priority, reason },
      });
      if (!r.data) return errorMessage(r, "the release failed");
      await load();
      return "";
    },
    [load],
  );

  return { overrides, error, release, reload: load };
}

/** "1 h 05 min", "4 min 10 s", "12 s": the time left of an override. */
export function formatRemaining(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "until released";
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${s} s`;
}

/** Value history of a few points over a range, downsampled by the IoT service; refreshed while live. */
import { useCallback, useEffect, useState } from "react";
import { api, errorMessage } from "../api/client";
import type { HistoryResponse } from "../api/types";

export interface Range {
  /** Epoch milliseconds; when `live`, the range ends now and slides. */
  start: number;
  end: number;
  live: boolean;
}

const REFRESH_MS = 10_000;

export function useHistory(points: string[], range: Range, buckets: number) {
  const [history, setHistory] = useState<HistoryResponse | null>(null);
  const [error, setError] = useState("");
  const [loading, setLoading] = useState(false);
  const key = JSON.stringify(points); // point references hold commas: no join(",")

  const load = useCallback(async () => {
    const refs = JSON.parse(key) as string[];
    if (!refs.length) {
      setHistory(null);
      return;
    }
    const span = range.end - range.start;
    const end = range.live ? Date.now() : range.end;
    const start = range.live ? end - span : range.start;
    setLoading(true);
    const r = await api.GET("/api/iot/points/history", {
      params: { query: { point: refs, start: new Date(start).toISOString(), end: new Date(end).toISOString(), buckets } },
    });
    setLoading(false);
    if (r.data) {
      setHistory(r.data);
      setError("");
    } else setError(errorMessage(r, "The IoT service is not reachable."));
  }, [key, range.start, range.end, range.live, buckets]);

  useEffect(() => {
    load().catch(() => setError("The IoT service is not reachable."));
    if (!range.live) return;
    const t = setInterval(() => load().catch(() => undefined), REFRESH_MS);
    return () => clearInterval(t);
  }, [load, range.live]);

  return { history, error, loading, reload: load };
}

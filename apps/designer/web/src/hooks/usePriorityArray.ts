/** A commandable point's priority array with its holders, read when asked and again on `refreshKey`. */
import { useCallback, useEffect, useState } from "react";
import { api, errorMessage } from "../api/client";
import type { PriorityArray } from "../api/types";

export function usePriorityArray(point: string, open: boolean, refreshKey?: unknown) {
  const [array, setArray] = useState<PriorityArray | null>(null);
  const [error, setError] = useState("");

  const load = useCallback(async () => {
    const r = await api.GET("/api/iot/points/priority-array", { params: { query: { point } } });
    if (r.data) {
      setArray(r.data);
      setError("");
    } else setError(errorMessage(r, "could not read the priority array"));
  }, [point]);

  useEffect(() => {
    if (open) void load();
  }, [open, load, refreshKey]);

  return { array, error, reload: load };
}

/** Who a holder is, in the operator's words: the engine, an operator (override), another client. */
export function holderKind(holder: string | null | undefined): "engine" | "operator" | "other" | null {
  if (!holder) return null;
  if (holder === "engine" || holder.startsWith("engine")) return "engine";
  if (holder.startsWith("designer:")) return "operator";
  return "other";
}

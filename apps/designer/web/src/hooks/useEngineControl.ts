/** The engine's run state, polled, and its start / stop / reload commands (as the signed-in user). */
import { useCallback, useEffect, useState } from "react";
import { api, errorMessage } from "../api/client";
import type { EngineStatus } from "../api/types";

export type EngineCommand = "start" | "stop" | "reload";
const POLL_MS = 5_000;

export function useEngineControl() {
  const [status, setStatus] = useState<EngineStatus | null>(null);
  const [error, setError] = useState("");

  const refresh = useCallback(async () => {
    const r = await api.GET("/api/engine/status");
    if (r.data) {
      setStatus(r.data);
      setError("");
    } else {
      setStatus(null);
      setError(errorMessage(r, "The engine is not reachable."));
    }
  }, []);

  useEffect(() => {
    refresh().catch(() => setError("The engine is not reachable."));
    const t = setInterval(() => refresh().catch(() => undefined), POLL_MS);
    // deploys, starts and stops (by anyone) show at once: the engine announces them as events
    const es = new EventSource("/api/engine/stream?kinds=event");
    es.addEventListener("event", () => void refresh().catch(() => undefined));
    return () => {
      clearInterval(t);
      es.close();
    };
  }, [refresh]);

  const run = useCallback(
    async (command: EngineCommand): Promise<string> => {
      const r =
        command === "start"
          ? await api.POST("/api/engine/start")
          : command === "stop"
            ? await api.POST("/api/engine/stop")
            : await api.POST("/api/engine/reload");
      const failed = r.data ? "" : errorMessage(r, `The engine did not ${command}.`);
      await refresh();
      return failed;
    },
    [refresh],
  );

  return { status, error, run };
}

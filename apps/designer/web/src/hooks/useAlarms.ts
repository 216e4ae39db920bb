/**
 * The engine's alarm records through the Designer: fetched with a filter, fetched again on
 * every `alarm` event of the engine's stream (so the list is live), acknowledged with a note.
 */
import { useCallback, useEffect, useState } from "react";
import { api, errorMessage } from "../api/client";
import type { AlarmList, AlarmRecord, AlarmState } from "../api/types";

export type AlarmView = "open" | "history" | "all";

export interface AlarmFilter {
  view: AlarmView;
  maxPriority: number | null;
  text: string;
}

export function useAlarms(filter: AlarmFilter) {
  const [list, setList] = useState<AlarmList | null>(null);
  const [error, setError] = useState("");
  const [changes, setChanges] = useState(0);

  const load = useCallback(async () => {
    const query = {
      limit: 500,
      open: filter.view === "open",
      state: filter.view === "history" ? (["normal"] as AlarmState[]) : undefined,
      maxPriority: filter.maxPriority ?? undefined,
      q: filter.text.trim() || undefined,
    };
    const r = await api.GET("/api/engine/alarms", { params: { query } });
    if (r.data) {
      setList(r.data);
      setError("");
    } else setError(errorMessage(r, "The engine is not reachable."));
  }, [filter.view, filter.maxPriority, filter.text]);

  useEffect(() => {
    load().catch(() => setError("The engine is not reachable."));
  }, [load, changes]);

  useEffect(() => {
    const es = new EventSource("/api/engine/stream?kinds=alarm");
    es.addEventListener("alarm", () => setChanges((n) => n + 1));
    return () => es.close();
  }, []);

  const ack = useCallback(
    async (alarm: AlarmRecord, note: string): Promise<string> => {
      const r = await api.POST("/api/engine/alarms/{alarm_id}/ack", {
        params: { path: { alarm_id: alarm.id } },
        body: { note },
      });
      if (!r.data) return errorMessage(r, "The acknowledgement was not recorded.");
      await load();
      return "";
    },
    [load],
  );

  return { list, error, ack, reload: load };
}

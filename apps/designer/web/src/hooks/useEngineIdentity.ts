/** Which program the engine runs now ("1.0.3 of Zone alarms"), once, best effort: null when unknown. */
import { useEffect, useState } from "react";
import { api } from "../api/client";

export function useEngineIdentity(enabled = true): string | null {
  const [identity, setIdentity] = useState<string | null>(null);
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    api.GET("/api/engine/status").then(
      (r) => {
        const s = r.data;
        if (live && s?.version) setIdentity(`v${s.version}${s.projectName ? ` of ${s.projectName}` : ""}`);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [enabled]);
  return identity;
}

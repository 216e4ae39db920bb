/** The engine's state, version, flows' ticks and overruns, and its IoT link, at the foot of the editor. */
import type { EngineStatus } from "../../api/types";

export function EngineStatusBar({ engine }: { engine: EngineStatus | null }) {
  return (
    <footer className="statusbar" aria-label="Engine status" data-testid="engine-status">
      {engine ? (
        <>
          Engine {engine.state} · version {engine.version ?? "none"} ·{" "}
          {engine.flows.map((f) => `${f.name}: ${f.ticks} ticks, ${f.overruns} overruns`).join(" · ")} · IoT link{" "}
          {engine.iot.connected ? "up" : "down"}
        </>
      ) : (
        "Engine not reachable"
      )}
    </footer>
  );
}

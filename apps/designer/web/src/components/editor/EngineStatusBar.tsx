/**
 * The engine's state, version, flows' ticks and overruns, its IoT link and its commands, at the
 * foot of the editor; when its health is degraded, why (the engine's own reasons, verbatim); at
 * its right end the engine's start, stop and reload (each confirmed first).
 */
import type { EngineStatus } from "../../api/types";
import { engineProgram } from "../../lib/engineProgram";
import { EngineControls } from "../EngineControls";

export function EngineStatusBar({ engine, onCommand }: { engine: EngineStatus | null; onCommand?: () => void }) {
  const reasons = engine?.degradedReasons ?? [];
  const commands = engine?.commands;
  return (
    <footer className="statusbar" aria-label="Engine status" data-testid="engine-status">
      <span className="statusbar-details">
        {engine ? (
          <>
            Engine {engine.state} · {engineProgram(engine)}
            {engine.fallbackFrom ? ` (fallback: ${engine.fallbackFrom} failed to load)` : ""} ·{" "}
            {engine.flows.map((f) => `${f.name}: ${f.ticks} ticks, ${f.overruns} overruns`).join(" · ")} · IoT link{" "}
            {engine.iot.connected ? "up" : "down"}
            {commands && commands.held > 0 ? ` · commands ${commands.confirmed}/${commands.held} confirmed` : ""}
            {reasons.length > 0 && (
              <span className="degraded" role="status" data-testid="engine-degraded" title={reasons.join("\n")}>
                {" "}
                · Degraded: {reasons.join("; ")}
              </span>
            )}
          </>
        ) : (
          "Engine not reachable"
        )}
      </span>
      <EngineControls compact onDone={onCommand} />
    </footer>
  );
}

/**
 * The engine's state with start, stop and reload, each confirmed first, in the status bar at the
 * foot of every page. `compact` leaves out the state, for the editor's status bar, which says it
 * already; `onDone` runs after each command (the editor reads the engine's status again).
 */
import { useState } from "react";
import { type EngineCommand, useEngineControl } from "../hooks/useEngineControl";
import { engineProgram } from "../lib/engineProgram";
import { Dialog } from "./Dialog";

const CONFIRM: Record<EngineCommand, { title: string; text: string }> = {
  stop: {
    title: "Stop the engine?",
    text: "Every flow stops; the points it commands are relinquished, so the devices fall back to their own control.",
  },
  start: { title: "Start the engine?", text: "The active bundle runs again and commands its points." },
  reload: {
    title: "Reload the engine?",
    text: "The active bundle is loaded again from the engine's disk; block state is kept.",
  },
};

export function EngineControls({ compact = false, onDone }: { compact?: boolean; onDone?: () => void }) {
  const { status, error, run } = useEngineControl();
  const [asking, setAsking] = useState<EngineCommand | null>(null);
  const [failed, setFailed] = useState("");
  const state = status?.state ?? "unreachable";
  return (
    <span className="engine-controls" data-testid="engine-controls">
      {!compact && (
        <span className={`engine-state state-${state}`} title={error || undefined}>
          Engine {state}
          {status?.version ? ` · ${engineProgram(status)}` : ""}
        </span>
      )}
      {status && status.state === "running" && (
        <button type="button" onClick={() => setAsking("stop")}>
          Stop
        </button>
      )}
      {status && status.state === "stopped" && (
        <button type="button" onClick={() => setAsking("start")}>
          Start
        </button>
      )}
      {status && status.state !== "idle" && (
        <button type="button" onClick={() => setAsking("reload")}>
          Reload
        </button>
      )}
      {failed && <span className="error-chip" role="alert">{failed}</span>}
      {asking && (
        <Dialog
          title={CONFIRM[asking].title}
          role="alertdialog"
          onClose={() => setAsking(null)}
          actions={
            <>
              <button type="button" onClick={() => setAsking(null)}>
                Cancel
              </button>
              <button
                type="button"
                className={asking === "stop" ? "danger" : "primary"}
                onClick={async () => {
                  const command = asking;
                  setAsking(null);
                  setFailed(await run(command));
                  onDone?.();
                }}
              >
                {asking === "stop" ? "Stop engine" : asking === "start" ? "Start engine" : "Reload engine"}
              </button>
            </>
          }
        >
          <p>{CONFIRM[asking].text}</p>
        </Dialog>
      )}
    </span>
  );
}

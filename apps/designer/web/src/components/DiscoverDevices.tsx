/** "Discover devices": asks the IoT service to run Who-Is and describe what answers, with progress. */
import { useEffect, useState } from "react";
import { api, errorMessage } from "../api/client";
import type { DeviceInfo } from "../api/types";

export function DiscoverDevices({ onFound }: { onFound: (devices: DeviceInfo[]) => void }) {
  const [startedAt, setStartedAt] = useState<number | null>(null);
  const [elapsed, setElapsed] = useState(0);
  const [result, setResult] = useState("");

  useEffect(() => {
    if (startedAt === null) return;
    const t = setInterval(() => setElapsed((Date.now() - startedAt) / 1000), 250);
    return () => clearInterval(t);
  }, [startedAt]);

  async function discover() {
    setStartedAt(Date.now());
    setElapsed(0);
    setResult("");
    const r = await api.POST("/api/iot/discover", { body: { describe: true } });
    setStartedAt(null);
    if (r.data) {
      setResult(`Found ${r.data.devices.length} device${r.data.devices.length === 1 ? "" : "s"} in ${(r.data.durationMs / 1000).toFixed(1)} s`);
      const all = await api.GET("/api/iot/devices");
      onFound(all.data ?? [...r.data.devices]);
    } else setResult(errorMessage(r, "Discovery failed: the IoT service is not reachable."));
  }

  const running = startedAt !== null;
  return (
    <span className="discover" data-testid="discover">
      <button type="button" onClick={() => void discover()} disabled={running}>
        {running ? "Discovering…" : "Discover devices"}
      </button>
      {running && (
        <span role="status" className="muted">
          <progress aria-label="Discovery" /> asking the network (Who-Is) and reading each device · {elapsed.toFixed(0)} s
        </span>
      )}
      {!running && result && (
        <span role="status" className="muted">
          {result}
        </span>
      )}
    </span>
  );
}

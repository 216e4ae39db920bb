/** Devices and points with live values; manual write at a priority with a reason, and release. */
import { type FormEvent, useEffect, useState } from "react";
import { api, errorMessage } from "../api/client";
import type { DeviceInfo, PointInfo } from "../api/types";
import { PriorityArrayView } from "../components/devices/PriorityArrayView";
import { DiscoverDevices } from "../components/DiscoverDevices";
import { OverrideMark } from "../components/overrides/OverrideMark";
import { PointTagEditor } from "../components/tags/PointTagEditor";
import { useOverriddenPoints } from "../hooks/useOverriddenPoints";
import { pointKey } from "../lib/pointRefs";
import { formatValue } from "../lib/units";

type Live = Record<string, { value: unknown; quality: string; units?: string | null }>;

function ManualWrite({ point, onDone }: { point: PointInfo; onDone: (msg: string) => void }) {
  const [value, setValue] = useState("");
  const [priority, setPriority] = useState(8);
  const [reason, setReason] = useState("");
  const [minutes, setMinutes] = useState("");
  const [error, setError] = useState("");
  const parse = (v: string): boolean | number | string =>
    v === "true" ? true : v === "false" ? false : v.trim() !== "" && !Number.isNaN(Number(v)) ? Number(v) : v;
  async function write(e: FormEvent) {
    e.preventDefault();
    const r = await api.POST("/api/iot/points/write", {
      body: {
        point: String(point.point), value: parse(value), priority, reason,
        durationS: minutes ? Number(minutes) * 60 : null,
      },
    });
    // A refusal (a device limit, an interlock) belongs next to the value that caused it.
    setError(r.data ? "" : errorMessage(r, "write failed").replace(/^the IoT service answered \d+: /, ""));
    const unit = point.unitSymbol ? ` ${point.unitSymbol}` : "";
    if (r.data) onDone(`Wrote ${value}${unit} to ${point.name} at priority ${priority} ${minutes ? `for ${minutes} min` : "until released"}`);
  }
  async function release() {
    const r = await api.POST("/api/iot/points/release", { body: { point: String(point.point), priority, reason } });
    onDone(r.data ? `Released priority ${priority} of ${point.name}` : errorMessage(r, "release failed"));
  }
  return (
    <form className="manual" onSubmit={write} aria-label={`Manual write to ${point.name}`}>
      <input aria-label="Value" placeholder="value" value={value} onChange={(e) => setValue(e.target.value)} required size={6}
        aria-invalid={error ? true : undefined} aria-describedby={error ? `write-error-${point.name}` : undefined} />
      <label>
        Priority
        <input type="number" min={1} max={16} value={priority} onChange={(e) => setPriority(Number(e.target.value))} />
      </label>
      <input aria-label="Reason" placeholder="reason" value={reason} onChange={(e) => setReason(e.target.value)} required minLength={1} />
      <input aria-label="Duration in minutes" placeholder="minutes (until released)" type="number" min={1}
        value={minutes} onChange={(e) => setMinutes(e.target.value)} />
      <button type="submit">Write</button>
      <button type="button" onClick={() => void release()} disabled={!reason}>
        Release
      </button>
      {error && (
        <span className="field-error" role="alert" id={`write-error-${point.name}`}>
          {error}
        </span>
      )}
    </form>
  );
}

export function Devices() {
  const [devices, setDevices] = useState<DeviceInfo[] | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [points, setPoints] = useState<PointInfo[]>([]);
  const [live, setLive] = useState<Live>({});
  const [message, setMessage] = useState<string | null>(null);
  const overridden = useOverriddenPoints(message);

  useEffect(() => {
    api.GET("/api/iot/devices").then(
      (r) => {
        if (r.data) setDevices(r.data);
        else setMessage(errorMessage(r, "The IoT service is not reachable."));
      },
      () => setMessage("The IoT service is not reachable."),
    );
  }, []);

  // A device's points: read once now, then watched through a subscription on the stream.
  useEffect(() => {
    if (open === null) return;
    let es: EventSource | null = null;
    let live = true;
    (async () => {
      const r = await api.GET("/api/iot/devices/{instance}/points", { params: { path: { instance: open } } });
      const list = r.data ?? [];
      if (!live) return;
      setPoints(list);
      const refs = list.map((p) => String(p.point));
      if (!refs.length) return;
      const read = await api.POST("/api/iot/points/read", { body: { points: refs } });
      if (!live) return;
      const now: Live = {};
      for (const res of read.data?.results ?? []) now[String(res.point)] = res.value;
      setLive((l) => ({ ...l, ...now }));
      // Ends with this page's stream; a page left between this request and its stream never
      // connects, so the subscription idles out in seconds rather than the service's default.
      const sub = await api.POST("/api/iot/subscriptions", {
        body: { points: refs, endWithStream: true, idleTimeoutS: 5 },
      });
      if (!live || !sub.data) return;
      es = new EventSource(`/api/iot/stream?subscription=${encodeURIComponent(sub.data.id)}`);
      es.addEventListener("value", (ev) => {
        const d = JSON.parse((ev as MessageEvent).data) as { point: string; value: Live[string] };
        setLive((l) => ({ ...l, [String(d.point)]: d.value }));
      });
    })();
    return () => {
      live = false;
      es?.close();
    };
  }, [open]);

  const valueOf = (p: PointInfo) => live[String(p.point)] ?? live[`${p.point}/present-value`];

  return (
    <section className="devices">
      <h1>Devices</h1>
      <DiscoverDevices onFound={setDevices} />
      {message && <p role="status">{message}</p>}
      {devices && (
        <table className="list">
          <thead>
            <tr>
              <th>Instance</th>
              <th>Name</th>
              <th>Address</th>
              <th>Status</th>
              <th>Points</th>
            </tr>
          </thead>
          <tbody>
            {devices.map((d) => (
              <tr key={d.instance} className={open === d.instance ? "selected" : ""}>
                <td>
                  <button type="button" className="link" onClick={() => setOpen(d.instance)}>
                    {d.instance}
                  </button>
                </td>
                <td>{d.name}</td>
                <td>{d.address}</td>
                <td>{String(d.status)}</td>
                <td>{d.pointCount}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open !== null && (
        <>
          <h2>Points of device {open}</h2>
          <table className="list points">
            <thead>
              <tr>
                <th>Name</th>
                <th>Point</th>
                <th>Value</th>
                <th>Manual</th>
              </tr>
            </thead>
            <tbody>
              {points.map((p) => {
                const v = valueOf(p);
                return (
                  <tr key={String(p.point)}>
                    <td title={p.description ?? ""}>
                      {p.name} <OverrideMark overrides={overridden.get(pointKey(String(p.point)))} meta={{ device: "", name: p.name, unit: p.unitSymbol ?? p.units, stateTexts: p.stateTexts }} />
                    </td>
                    <td>
                      <code>{String(p.point)}</code>{" "}
                      <a href={`#/trends?point=${encodeURIComponent(String(p.point))}`}>trend</a>
                    </td>
                    <td data-testid={`value-${p.point}`} className={v ? `q-${v.quality}` : ""}>
                      {v ? formatValue(v.value, { unit: p.unitSymbol ?? v.units, stateTexts: p.stateTexts }) : "—"}
                      {v && v.quality !== "ok" ? ` (${v.quality})` : ""}
                    </td>
                    <td>
                      {p.commandable ? <ManualWrite point={p} onDone={setMessage} /> : <small>read-only</small>}
                      {p.commandable && <PriorityArrayView point={String(p.point)} meta={{ device: "", name: p.name, unit: p.unitSymbol ?? p.units, stateTexts: p.stateTexts }} refreshKey={message} />}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <PointTagEditor instance={open} />
        </>
      )}
    </section>
  );
}

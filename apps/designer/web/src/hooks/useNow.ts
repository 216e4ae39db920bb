/** The current time, ticking every `everyMs` while mounted (for counting down). */
import { useEffect, useState } from "react";

export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), everyMs);
    return () => window.clearInterval(t);
  }, [everyMs]);
  return now;
}

/** Seconds left until `until` (ISO) at `now` (ms), or null when it has no end. */
export function secondsLeft(until: string | null | undefined, now: number): number | null {
  if (!until) return null;
  const end = Date.parse(until);
  return Number.isNaN(end) ? null : Math.max(0, (end - now) / 1000);
}

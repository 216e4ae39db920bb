/** A clear mark on an overridden point, saying who holds it, at which value and until when. */
import type { Override } from "../../api/types";
import type { PointMeta } from "../../lib/pointRefs";
import { formatTime, formatValue } from "../../lib/units";

/** One line per override: "19.5 °C at priority 8 by designer:admin until 14:33 (comfort complaint)". */
export function describeOverrides(overrides: readonly Override[], meta?: PointMeta): string {
  return overrides
    .map((o) => {
      const value = formatValue(o.value, { unit: meta?.unit, stateTexts: meta?.stateTexts });
      const until = o.until ? `until ${formatTime(o.until)}` : "until released";
      return `${value} at priority ${o.priority} by ${o.caller} ${until}${o.reason ? ` (${o.reason})` : ""}`;
    })
    .join("\n");
}

export function OverrideMark({ overrides, meta, compact = false }: { overrides: readonly Override[] | undefined; meta?: PointMeta; compact?: boolean }) {
  if (!overrides?.length) return null;
  const text = describeOverrides(overrides, meta);
  return (
    <span className={`override-mark${compact ? " compact" : ""}`} title={`Overridden: ${text}`} aria-label={`Overridden: ${text}`} data-testid="override-mark">
      {compact ? "override" : "overridden"} · P{overrides[0]?.priority}
    </span>
  );
}

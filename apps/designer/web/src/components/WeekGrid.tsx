/** A weekly on/off grid (7 days x 48 half-hours) for the schedule.weekly block's ``week``. */
import { useMemo, useState } from "react";
import { DAYS, type Week, gridToWeek, weekToGrid } from "../lib/week";

export function WeekGrid({ week, onChange }: { week: Week; onChange: (w: Week) => void }) {
  const grid = useMemo(() => weekToGrid(week), [week]);
  const [paint, setPaint] = useState<boolean | null>(null);
  const set = (d: number, i: number, on: boolean) => {
    if (grid[d]?.[i] === on) return;
    const next = grid.map((row) => [...row]);
    next[d]![i] = on;
    onChange(gridToWeek(next));
  };
  return (
    <div className="week-grid" role="grid" aria-label="Weekly schedule (on/off per half hour)" onMouseLeave={() => setPaint(null)} onMouseUp={() => setPaint(null)}>
      <div className="week-hours" aria-hidden="true">
        {[0, 6, 12, 18].map((h) => (
          <span key={h} style={{ left: `${(h / 24) * 100}%` }}>
            {h}
          </span>
        ))}
      </div>
      {DAYS.map((day, d) => (
        <div key={day} role="row" className="week-row">
          <span role="rowheader" className="week-day">
            {day.slice(0, 3)}
          </span>
          {grid[d]!.map((on, i) => (
            <button
              key={i}
              type="button"
              role="gridcell"
              tabIndex={i === 0 ? 0 : -1}
              aria-pressed={on}
              aria-label={`${day} ${String(Math.floor(i / 2)).padStart(2, "0")}:${i % 2 ? "30" : "00"} ${on ? "on" : "off"}`}
              className={on ? "on" : ""}
              onMouseDown={() => {
                setPaint(!on);
                set(d, i, !on);
              }}
              onMouseEnter={() => paint !== null && set(d, i, paint)}
              onKeyDown={(e) => {
                const moves: Record<string, [number, number]> = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
                const m = moves[e.key];
                if (m) {
                  e.preventDefault();
                  const row = (e.currentTarget.parentElement?.parentElement?.querySelectorAll('[role="row"]') ?? [])[d + m[0]];
                  const cell = row?.querySelectorAll("button")[i + m[1]] as HTMLButtonElement | undefined;
                  cell?.focus();
                } else if (e.key === " " || e.key === "Enter") {
                  e.preventDefault();
                  set(d, i, !on);
                }
              }}
            />
          ))}
        </div>
      ))}
    </div>
  );
}

/** The project's flows as tabs, with "+ Flow" and the current flow's scan period. */
import type { Flow } from "../../api/types";

export interface FlowTabsProps {
  flows: Flow[];
  current: string;
  onSwitch: (id: string) => void;
  onRename: (id: string, name: string) => void;
  onAdd: () => void;
  onPeriod: (ms: number) => void;
}

export function FlowTabs({ flows, current, onSwitch, onRename, onAdd, onPeriod }: FlowTabsProps) {
  const currentFlow = flows.find((f) => f.id === current);
  return (
    <div className="tabs" role="tablist" aria-label="Flows">
      {flows.map((f) => (
        <button
          key={f.id}
          type="button"
          role="tab"
          aria-selected={f.id === current}
          className={f.id === current ? "active" : ""}
          onClick={() => onSwitch(f.id)}
          onDoubleClick={() => onRename(f.id, f.name)}
          title="Double-click to rename"
        >
          {f.name}
        </button>
      ))}
      <button type="button" onClick={onAdd} aria-label="Add a flow">
        + Flow
      </button>
      {currentFlow && (
        <label className="period">
          Scan every
          <input
            type="number"
            min={100}
            step={100}
            key={`${current}-${currentFlow.schedule.periodMs}`}
            defaultValue={currentFlow.schedule.periodMs}
            onBlur={(e) => onPeriod(Number(e.target.value))}
          />
          ms
        </label>
      )}
    </div>
  );
}

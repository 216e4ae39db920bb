/** The tabs of the editor's side panel. */
export type SidePanel = "params" | "validation" | "simulate" | "deployments" | "calendars";

const ORDER: SidePanel[] = ["params", "validation", "simulate", "deployments", "calendars"];

export function SideTabs({ panel, problems, onPick }: { panel: SidePanel; problems: number | null; onPick: (p: SidePanel) => void }) {
  const title = (p: SidePanel) =>
    p === "params" ? "Parameters" : p === "validation" ? `Problems (${problems ?? "…"})` : p === "simulate" ? "Simulate" : p === "calendars" ? "Calendars" : "Deployments";
  return (
    <div className="side-tabs" role="tablist">
      {ORDER.map((p) => (
        <button key={p} type="button" role="tab" aria-selected={panel === p} className={panel === p ? "active" : ""} onClick={() => onPick(p)}>
          {title(p)}
        </button>
      ))}
    </div>
  );
}

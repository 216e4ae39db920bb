/** The side panel's left edge: drag to resize (or arrow keys when focused), button to collapse. */
import type { PointerEvent as ReactPointerEvent } from "react";

export function SidePanelHandle({
  width,
  collapsed,
  onWidth,
  onToggle,
}: {
  width: number;
  collapsed: boolean;
  onWidth: (w: number) => void;
  onToggle: () => void;
}) {
  function drag(e: ReactPointerEvent<HTMLDivElement>) {
    const startX = e.clientX;
    const startW = width;
    const move = (ev: PointerEvent) => onWidth(startW + (startX - ev.clientX));
    const up = () => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
    e.preventDefault();
  }
  return (
    <>
      {!collapsed && (
        <div
          className="side-resize"
          role="separator"
          aria-orientation="vertical"
          aria-label="Resize the side panel"
          aria-valuenow={width}
          tabIndex={0}
          onPointerDown={drag}
          onKeyDown={(e) => {
            if (e.key === "ArrowLeft") onWidth(width + 20);
            if (e.key === "ArrowRight") onWidth(width - 20);
          }}
        />
      )}
      <button
        type="button"
        className="side-toggle"
        aria-expanded={!collapsed}
        aria-label={collapsed ? "Show the side panel" : "Hide the side panel"}
        title={collapsed ? "Show the side panel" : "Hide the side panel"}
        onClick={onToggle}
      >
        {collapsed ? "‹" : "›"}
      </button>
    </>
  );
}

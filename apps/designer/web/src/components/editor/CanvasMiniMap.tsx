/**
 * The canvas's map, shown only while part of the flow is out of view: over a flow that
 * fits the canvas it would only cover blocks (a corner of the flow at 1440x900).
 */
import { MiniMap, type ReactFlowState, useStore } from "@xyflow/react";

/** Whether some block is (partly) outside the canvas as it is drawn now. */
export function partOutOfView(s: ReactFlowState): boolean {
  const [tx, ty, zoom] = s.transform;
  for (const node of s.nodeLookup.values()) {
    const { x, y } = node.internals.positionAbsolute;
    const left = x * zoom + tx;
    const top = y * zoom + ty;
    const right = left + (node.measured.width ?? 0) * zoom;
    const bottom = top + (node.measured.height ?? 0) * zoom;
    if (left < 0 || top < 0 || right > s.width || bottom > s.height) return true;
  }
  return false;
}

export function CanvasMiniMap() {
  const needed = useStore(partOutOfView);
  return needed ? <MiniMap pannable zoomable /> : null;
}

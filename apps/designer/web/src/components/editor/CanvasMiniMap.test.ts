import type { ReactFlowState } from "@xyflow/react";
import { describe, expect, it } from "vitest";
import { partOutOfView } from "./CanvasMiniMap";

/** The part of React Flow's store the check reads: a 900x700 canvas and 150x60 blocks. */
function state(transform: [number, number, number], ...at: [number, number][]): ReactFlowState {
  const nodeLookup = new Map(
    at.map(([x, y], i) => [
      `n${i}`,
      { internals: { positionAbsolute: { x, y } }, measured: { width: 150, height: 60 } },
    ]),
  );
  return { transform, width: 900, height: 700, nodeLookup } as unknown as ReactFlowState;
}

describe("the canvas's map", () => {
  it("is not needed while every block is in view", () => {
    expect(partOutOfView(state([0, 0, 1], [20, 20], [730, 620]))).toBe(false);
  });
  it("is needed once a block reaches past an edge, at the zoom drawn", () => {
    expect(partOutOfView(state([0, 0, 1], [20, 20], [760, 620]))).toBe(true);
    expect(partOutOfView(state([-30, 0, 1], [20, 20]))).toBe(true);
    expect(partOutOfView(state([0, 0, 2], [20, 20], [400, 300]))).toBe(true);
    expect(partOutOfView(state([0, 0, 0.5], [20, 20], [1400, 1200]))).toBe(false);
  });
});

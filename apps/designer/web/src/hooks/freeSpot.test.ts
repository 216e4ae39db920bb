import { describe, expect, it } from "vitest";
import { freeSpot } from "./useCanvasEditing";

describe("freeSpot", () => {
  it("keeps a free spot and moves below blocks that cover it", () => {
    expect(freeSpot({ x: 0, y: 0 }, [])).toEqual({ x: 0, y: 0 });
    const nodes = [{ position: { x: 10, y: 5 }, measured: { width: 180, height: 250 } }, { position: { x: 0, y: 275 } }];
    // below the tall first block (5 + 250 + 20 = 275), then below the second (275 + 120 + 20)
    expect(freeSpot({ x: 0, y: 0 }, nodes)).toEqual({ x: 0, y: 415 });
    expect(freeSpot({ x: 500, y: 0 }, nodes)).toEqual({ x: 500, y: 0 });
  });
});

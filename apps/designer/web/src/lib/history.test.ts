import { describe, expect, it } from "vitest";
import { History } from "./history";

describe("History", () => {
  it("undoes, redoes, and drops the redo tail on a new snapshot", () => {
    const h = new History();
    h.reset("a");
    h.push("b");
    h.push("b");
    h.push("c");
    expect(h.undo()).toBe("b");
    expect(h.undo()).toBe("a");
    expect(h.undo()).toBeNull();
    expect(h.redo()).toBe("b");
    h.push("d");
    expect(h.canRedo).toBe(false);
    expect(h.undo()).toBe("b");
  });
  it("keeps at most its limit", () => {
    const h = new History(3);
    for (const s of ["1", "2", "3", "4"]) h.push(s);
    expect(h.undo()).toBe("3");
    expect(h.undo()).toBe("2");
    expect(h.undo()).toBeNull();
  });
});

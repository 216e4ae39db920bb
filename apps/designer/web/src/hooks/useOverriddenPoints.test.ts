import { describe, expect, it } from "vitest";
import type { Override } from "../api/types";
import { groupByPoint } from "./useOverriddenPoints";

const o = (point: string, priority: number): Override => ({
  point, priority, value: 1, caller: "designer:admin", reason: "test", since: "2026-01-01T00:00:00Z",
  until: null, remainingS: null,
}) as Override;

describe("groupByPoint", () => {
  it("keys overrides by point whatever the property suffix, highest precedence first", () => {
    const m = groupByPoint([o("2001/analog-output,1/present-value", 9), o("2001/analog-output,1", 8), o("2002/binary-output,1", 8)]);
    expect([...m.keys()].sort()).toEqual(["2001/analog-output,1", "2002/binary-output,1"]);
    expect(m.get("2001/analog-output,1")?.map((x) => x.priority)).toEqual([8, 9]);
  });

  it("is empty before the first answer", () => {
    expect(groupByPoint(null).size).toBe(0);
  });
});

import { describe, expect, it } from "vitest";
import { formatRemaining } from "./useOverrides";

describe("formatRemaining", () => {
  it("says how long an override still holds", () => {
    expect(formatRemaining(null)).toBe("until released");
    expect(formatRemaining(12.4)).toBe("12 s");
    expect(formatRemaining(250)).toBe("4 min 10 s");
    expect(formatRemaining(3900)).toBe("1 h 05 min");
    expect(formatRemaining(-3)).toBe("0 s");
  });
});

import { describe, expect, it } from "vitest";
import { holderKind } from "./usePriorityArray";

describe("holderKind", () => {
  it("tells the engine, an operator and another BACnet client apart", () => {
    expect(holderKind("engine")).toBe("engine");
    expect(holderKind("designer:admin")).toBe("operator");
    expect(holderKind("another BACnet client")).toBe("other");
    expect(holderKind(null)).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import type { Override } from "../../api/types";
import { secondsLeft } from "../../hooks/useNow";
import { describeOverrides } from "./OverrideMark";

describe("an override mark's text", () => {
  it("says the value with its unit, the priority, who, until when and why", () => {
    const o = { point: "2001/analog-value,1", value: 20.5, priority: 8, caller: "designer:admin", reason: "too cold",
      since: "2026-01-01T10:00:00Z", until: null, remainingS: null } as Override;
    expect(describeOverrides([o], { device: "zone-1", name: "ZN-T", unit: "°C" })).toBe(
      "20.5 °C at priority 8 by designer:admin until released (too cold)",
    );
    expect(describeOverrides([{ ...o, value: true, reason: null }])).toBe("on at priority 8 by designer:admin until released");
  });
});

describe("secondsLeft", () => {
  it("counts down to the end, never below zero, and is null without an end", () => {
    const now = Date.parse("2026-01-01T10:00:00Z");
    expect(secondsLeft("2026-01-01T10:02:00Z", now)).toBe(120);
    expect(secondsLeft("2026-01-01T09:59:00Z", now)).toBe(0);
    expect(secondsLeft(null, now)).toBeNull();
  });
});

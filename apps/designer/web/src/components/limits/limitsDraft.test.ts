import { describe, expect, it } from "vitest";
import { draftText, toDraft } from "./limitsDraft";

describe("the limits form's text and the draft the server checks", () => {
  it("shows stored limits, with the default priorities and policy where none are stored", () => {
    expect(draftText(null)).toEqual({ min: "", max: "", maxRatePerS: "", minPriority: "1", maxPriority: "16", degraded: "hold", fallback: "" });
    const t = draftText({ point: "1/analog-output,1/present-value", min: 0, max: 80, degraded: "fallback", fallback: 20, minPriority: 8, maxPriority: 16 });
    expect([t.min, t.max, t.minPriority, t.degraded, t.fallback]).toEqual(["0", "80", "8", "fallback", "20"]);
  });

  it("sends empty fields as unset and numbers as numbers; a text fallback stays text", () => {
    const base = draftText(null);
    expect(toDraft({ ...base, max: "80", maxRatePerS: " ", fallback: "20" })).toEqual({
      min: null, max: 80, maxRatePerS: null, minPriority: 1, maxPriority: 16, degraded: "hold", fallback: 20,
    });
    expect(toDraft({ ...base, degraded: "fallback", fallback: "auto" }).fallback).toBe("auto");
    expect(toDraft({ ...base, minPriority: "" }).minPriority).toBe(1);
  });
});

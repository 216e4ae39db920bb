import { describe, expect, it } from "vitest";
import { deviceOf, pointKey, pointLabel } from "./pointRefs";

describe("point references", () => {
  it("are one key with or without the present-value property", () => {
    expect(pointKey("2001/analog-output,1/present-value")).toBe("2001/analog-output,1");
    expect(pointKey("2001/analog-output,1")).toBe("2001/analog-output,1");
    expect(pointKey("2001/analog-output,1/relinquish-default")).toBe("2001/analog-output,1/relinquish-default");
  });

  it("read as device and object name when known, else as the reference", () => {
    const meta = new Map([["2001/analog-output,1", { device: "AHU-1", name: "DMPR", unit: "%" }]]);
    expect(pointLabel("2001/analog-output,1/present-value", meta)).toBe("AHU-1 · DMPR");
    expect(pointLabel("2002/analog-value,3/present-value", meta)).toBe("2002/analog-value,3");
  });

  it("name their device", () => {
    expect(deviceOf("2001/analog-output,1/present-value")).toBe(2001);
    expect(deviceOf("modbus:9001/holding-register,3")).toBe(9001);
    expect(deviceOf("nonsense")).toBeNull();
  });
});

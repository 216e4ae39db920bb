import { describe, expect, it } from "vitest";
import { fieldProblem, formFields, parseInput } from "./forms";

const PID = {
  $defs: { PidAction: { enum: ["reverse", "direct"], type: "string" } },
  properties: {
    kp: { anyOf: [{ exclusiveMinimum: 0, maximum: 1e6, type: "number" }, { type: "null" }], default: null },
    tiS: { default: 300, maximum: 86400, minimum: 0, type: "number", description: "Integral time", unit: "s" },
    action: { $ref: "#/$defs/PidAction", default: "reverse" },
    latch: { type: "boolean", default: false },
    point: { type: "string", pattern: "^\\d+/" },
    inputs: { type: "integer", minimum: 2, maximum: 16, default: 2 },
    thresholds: { type: "array", items: { type: "number" }, minItems: 1 },
    points: { type: "array", items: { type: "array", prefixItems: [{ type: "number" }, { type: "number" }] } },
    level: { type: "number", unit: "Pa" },
    delayS: { anyOf: [{ type: "number" }, { type: "null" }], default: null, unit: "s" },
    holdS: { type: "number" },
  },
  required: ["point"],
};

describe("formFields", () => {
  const fields = Object.fromEntries(formFields(PID).map((f) => [f.name, f]));
  it("gives numbers their limits, nullability and a unit", () => {
    expect(fields.kp).toMatchObject({ kind: "number", nullable: true, exclusiveMinimum: 0, maximum: 1e6 });
    expect(fields.tiS).toMatchObject({ kind: "number", minimum: 0, maximum: 86400, unit: "s", default: 300 });
    expect(fields.tiS?.description).toBe("Integral time");
    expect(fields.level?.unit).toBe("Pa");
    expect(fields.inputs).toMatchObject({ kind: "integer", minimum: 2, maximum: 16 });
  });
  it("resolves $ref enums into selects", () => {
    expect(fields.action).toMatchObject({ kind: "enum", options: ["reverse", "direct"], default: "reverse" });
  });
  it("draws booleans, strings with patterns, arrays of scalars, and JSON for the rest", () => {
    expect(fields.latch?.kind).toBe("boolean");
    expect(fields.point).toMatchObject({ kind: "string", required: true, pattern: "^\\d+/" });
    expect(fields.thresholds).toMatchObject({ kind: "array", minItems: 1 });
    expect(fields.thresholds?.items?.kind).toBe("number");
    expect(fields.points?.kind).toBe("json");
  });
  it("takes units only from the schema, never from a name", () => {
    expect(fields.delayS).toMatchObject({ nullable: true, unit: "s" });
    expect(fields.holdS?.unit).toBeUndefined();
  });
  it("labels fields from their names", () => {
    expect(fields.tiS?.label).toBe("Ti s");
  });
});

describe("fieldProblem and parseInput", () => {
  const [kp, tiS, action, , point, inputs] = formFields(PID);
  it("checks limits", () => {
    expect(fieldProblem(tiS!, -1)).toBe("at least 0");
    expect(fieldProblem(kp!, 0)).toBe("more than 0");
    expect(fieldProblem(inputs!, 2.5)).toBe("a whole number");
    expect(fieldProblem(action!, "sideways")).toMatch(/one of/);
    expect(fieldProblem(point!, undefined)).toBe("required");
    expect(fieldProblem(point!, "1001/analog-value,1")).toBeNull();
    expect(fieldProblem(kp!, null)).toBeNull();
  });
  it("parses inputs", () => {
    expect(parseInput(tiS!, "12.5")).toBe(12.5);
    expect(parseInput(kp!, "")).toBeNull();
    expect(parseInput(tiS!, "")).toBeUndefined();
  });
});

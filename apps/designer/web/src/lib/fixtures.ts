/** Small block specs for the unit tests, shaped like GET /api/blocks. */
import type { BlockSpec, PortSpec, PortType } from "../api/types";

const t = (type: PortType["type"], extra: Partial<PortType> = {}): PortType => ({
  type,
  unit: null,
  labels: null,
  ...extra,
});

type PortIn = Partial<PortSpec> & { name: string };
const port = (p: PortIn): PortSpec => ({ doc: "", required: true, ...p });

export function block(
  partial: Omit<Partial<BlockSpec>, "inputs" | "outputs"> & { type: string; inputs?: PortIn[]; outputs?: PortIn[] },
): BlockSpec {
  const { inputs, outputs, ...rest } = partial;
  return {
    version: 1,
    category: partial.type.split(".")[0] ?? "misc",
    title: partial.type,
    doc: "",
    paramsSchema: { properties: {} },
    state: "stateless" as BlockSpec["state"],
    role: "logic",
    ...rest,
    inputs: (inputs ?? []).map(port),
    outputs: (outputs ?? []).map(port),
  };
}

export const ADD = block({
  type: "math.add",
  inputs: [{ name: "in", type: t("number"), repeatParam: "inputs" }],
  outputs: [{ name: "out", type: t("number") }],
  paramsSchema: { properties: { inputs: { type: "integer", default: 2, minimum: 2, maximum: 16 } } },
});
export const NOT = block({
  type: "logic.not",
  inputs: [{ name: "in", type: t("bool") }],
  outputs: [{ name: "out", type: t("bool") }],
});
export const COUNTER = block({
  type: "timer.counter",
  outputs: [{ name: "count", type: t("integer") }],
});
export const TEMP_C = block({ type: "x.tempc", outputs: [{ name: "t", type: t("number", { unit: "degC" }) }] });
export const TEMP_F_IN = block({ type: "x.tempf", inputs: [{ name: "t", type: t("number", { unit: "degF" }) }] });
export const MODE = block({
  type: "x.mode",
  outputs: [{ name: "m", type: t("enum", { labels: ["off", "on"] }) }],
  inputs: [{ name: "m", type: t("enum", { labels: ["off", "on", "auto"] }) }],
});
export const CONST = block({
  type: "io.constant",
  outputs: [{ name: "value", type: null, typeParam: "valueType" }],
  paramsSchema: {
    $defs: { ValueType: { enum: ["bool", "number", "integer", "enum", "string"], type: "string" } },
    properties: { valueType: { $ref: "#/$defs/ValueType", default: "number" }, value: {} },
  },
});
export const POINT_OUT = block({
  type: "io.point-output",
  role: "point-output",
  inputs: [
    { name: "value", type: null, typeParam: "valueType" },
    { name: "enable", type: t("bool"), required: false },
  ],
  outputs: [{ name: "command", type: null, typeParam: "valueType" }],
  paramsSchema: {
    properties: {
      valueType: { default: "number" },
      point: { type: "string" },
      priority: { anyOf: [{ type: "integer", minimum: 1, maximum: 16 }, { type: "null" }], default: null },
    },
  },
});

export const BLOCKS = new Map(
  [ADD, NOT, COUNTER, TEMP_C, TEMP_F_IN, MODE, CONST, POINT_OUT].map((b) => [b.type, b]),
);

import { describe, expect, it } from "vitest";
import { accepts, connectionProblem, inputsOf, isValidConnection, type NodeLike } from "./connection";
import { ADD, BLOCKS, CONST } from "./fixtures";

const nodes = (...list: NodeLike[]) => new Map(list.map((n) => [n.id, n]));
const wire = (source: string, sourceHandle: string, target: string, targetHandle: string) => ({
  source,
  sourceHandle,
  target,
  targetHandle,
});

describe("accepts (PortType.accepts)", () => {
  it("takes the same type and integer into number, not the reverse", () => {
    expect(accepts({ type: "number" }, { type: "number" })).toBe(true);
    expect(accepts({ type: "number" }, { type: "integer" })).toBe(true);
    expect(accepts({ type: "integer" }, { type: "number" })).toBe(false);
    expect(accepts({ type: "bool" }, { type: "number" })).toBe(false);
  });
  it("needs units and labels to agree only when both sides declare them", () => {
    expect(accepts({ type: "number", unit: "degC" }, { type: "number", unit: "degF" })).toBe(false);
    expect(accepts({ type: "number", unit: "degC" }, { type: "number" })).toBe(true);
    expect(accepts({ type: "number" }, { type: "number", unit: "degF" })).toBe(true);
    expect(accepts({ type: "enum", labels: ["a", "b"] }, { type: "enum", labels: ["a", "b"] })).toBe(true);
    expect(accepts({ type: "enum", labels: ["a", "b"] }, { type: "enum", labels: ["b", "a"] })).toBe(false);
    expect(accepts({ type: "enum", labels: ["a"] }, { type: "enum", labels: null })).toBe(true);
  });
});

describe("resolved ports", () => {
  it("repeats a port N times from its parameter, or its schema default", () => {
    expect(inputsOf(ADD, {}).map((p) => p.name)).toEqual(["in1", "in2"]);
    expect(inputsOf(ADD, { inputs: 4 }).map((p) => p.name)).toEqual(["in1", "in2", "in3", "in4"]);
  });
});

describe("isValidConnection", () => {
  const graph = nodes(
    { id: "a", type: "math.add", params: {} },
    { id: "n", type: "logic.not", params: {} },
    { id: "c", type: "timer.counter", params: {} },
    { id: "k", type: "io.constant", params: {} },
    { id: "kb", type: "io.constant", params: { valueType: "bool" } },
    { id: "tc", type: "x.tempc", params: {} },
    { id: "tf", type: "x.tempf", params: {} },
    { id: "m", type: "x.mode", params: {} },
    { id: "m2", type: "x.mode", params: {} },
  );
  it("allows number to number and integer to number", () => {
    expect(isValidConnection(wire("k", "value", "a", "in1"), graph, BLOCKS)).toBe(true);
    expect(isValidConnection(wire("c", "count", "a", "in2"), graph, BLOCKS)).toBe(true);
  });
  it("refuses number into bool, naming the types", () => {
    expect(connectionProblem(wire("a", "out", "n", "in"), graph, BLOCKS)).toBe(
      "number cannot drive bool",
    );
  });
  it("resolves a typeParam port from the node's params", () => {
    expect(isValidConnection(wire("kb", "value", "n", "in"), graph, BLOCKS)).toBe(true);
    expect(isValidConnection(wire("kb", "value", "a", "in1"), graph, BLOCKS)).toBe(false);
    expect(CONST.outputs[0]?.typeParam).toBe("valueType");
  });
  it("refuses degC into degF and enums with other labels", () => {
    expect(isValidConnection(wire("tc", "t", "tf", "t"), graph, BLOCKS)).toBe(false);
    expect(isValidConnection(wire("m", "m", "m2", "m"), graph, BLOCKS)).toBe(false);
  });
  it("refuses a port beyond the repeat count, a self loop and a second wire into an input", () => {
    expect(isValidConnection(wire("k", "value", "a", "in3"), graph, BLOCKS)).toBe(false);
    expect(isValidConnection(wire("a", "out", "a", "in1"), graph, BLOCKS)).toBe(false);
    const edges = [wire("c", "count", "a", "in1")];
    expect(connectionProblem(wire("k", "value", "a", "in1"), graph, BLOCKS, edges)).toMatch(
      /already wired/,
    );
  });
});

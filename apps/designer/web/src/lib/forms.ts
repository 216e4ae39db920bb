/**
 * Form fields from a block's parameter JSON Schema (Pydantic's, camelCase names).
 *
 * Numbers carry their limits and the unit the block declares (its schema's ``unit`` keyword;
 * never guessed from the parameter's name); enums become
 * selects; ``$ref`` and ``anyOf`` (including ``X | null``) are resolved; anything the
 * form cannot draw (objects, unions of objects, tuples) is a JSON field.
 */
import type { JsonValue } from "../api/types";

export type Schema = { [key: string]: unknown };

export type FieldKind = "number" | "integer" | "boolean" | "enum" | "string" | "array" | "json";

export interface FieldDesc {
  name: string;
  label: string;
  kind: FieldKind;
  description: string;
  required: boolean;
  nullable: boolean;
  default: JsonValue | undefined;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  unit?: string;
  options?: string[];
  pattern?: string;
  /** For arrays: the field of one item. */
  items?: FieldDesc;
  minItems?: number;
  maxItems?: number;
}

/** Follow a local ``$ref`` (#/$defs/X or #/definitions/X) against the root schema. */
export function deref(schema: Schema, root: Schema, depth = 0): Schema {
  const ref = schema["$ref"];
  if (typeof ref !== "string" || depth > 16) return schema;
  const parts = ref.replace(/^#\//, "").split("/");
  let target: unknown = root;
  for (const p of parts) target = (target as Schema | undefined)?.[p];
  if (!target || typeof target !== "object") return schema;
  const { $ref: _ignored, ...rest } = schema;
  return deref({ ...(target as Schema), ...rest }, root, depth + 1);
}

function num(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}

function humanise(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/[_-]/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
}

/** One field from one property schema. */
export function describeField(
  name: string,
  propSchema: Schema,
  root: Schema,
  required = false,
): FieldDesc {
  let s = deref(propSchema, root);
  let nullable = false;
  const variants = (s["anyOf"] ?? s["oneOf"]) as Schema[] | undefined;
  if (Array.isArray(variants)) {
    const resolved = variants.map((v) => deref(v, root));
    const nonNull = resolved.filter((v) => v["type"] !== "null");
    nullable = nonNull.length < resolved.length;
    if (nonNull.length === 1) {
      const { anyOf: _a, oneOf: _o, ...outer } = s;
      s = { ...(nonNull[0] as Schema), ...outer };
    }
  }
  const field: FieldDesc = {
    name,
    label: humanise(name),
    kind: "json",
    description: typeof s["description"] === "string" ? s["description"] : "",
    required,
    nullable,
    default: s["default"] as JsonValue | undefined,
  };
  const unit = s["unit"] ?? s["x-unit"];
  const type = s["type"];
  if (Array.isArray(s["enum"])) {
    field.kind = "enum";
    field.options = (s["enum"] as unknown[]).map(String);
  } else if (typeof s["const"] === "string") {
    field.kind = "enum";
    field.options = [s["const"]];
  } else if (type === "number" || type === "integer") {
    field.kind = type;
    field.minimum = num(s["minimum"]);
    field.maximum = num(s["maximum"]);
    field.exclusiveMinimum = num(s["exclusiveMinimum"]);
    field.exclusiveMaximum = num(s["exclusiveMaximum"]);
    if (typeof unit === "string") field.unit = unit;
  } else if (type === "boolean") {
    field.kind = "boolean";
  } else if (type === "string") {
    field.kind = "string";
    if (typeof s["pattern"] === "string") field.pattern = s["pattern"];
  } else if (type === "array" && s["items"] && !s["prefixItems"]) {
    const item = describeField(`${name}[]`, s["items"] as Schema, root);
    if (item.kind !== "json" && item.kind !== "array") {
      field.kind = "array";
      field.items = item;
      field.minItems = num(s["minItems"]);
      field.maxItems = num(s["maxItems"]);
    }
  }
  return field;
}

/** Every field of a block's parameters, in the schema's order. */
export function formFields(schema: Schema): FieldDesc[] {
  const props = (schema["properties"] ?? {}) as Record<string, Schema>;
  const required = new Set((schema["required"] as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, prop]) =>
    describeField(name, prop, schema, required.has(name)),
  );
}

/** A message when ``value`` breaks the field's limits, or null. */
export function fieldProblem(field: FieldDesc, value: JsonValue | undefined): string | null {
  if (value === undefined || value === null) {
    return field.required && !field.nullable && field.default === undefined ? "required" : null;
  }
  if (field.kind === "number" || field.kind === "integer") {
    if (typeof value !== "number" || Number.isNaN(value)) return "a number";
    if (field.kind === "integer" && !Number.isInteger(value)) return "a whole number";
    if (field.minimum !== undefined && value < field.minimum) return `at least ${field.minimum}`;
    if (field.maximum !== undefined && value > field.maximum) return `at most ${field.maximum}`;
    if (field.exclusiveMinimum !== undefined && value <= field.exclusiveMinimum) {
      return `more than ${field.exclusiveMinimum}`;
    }
    if (field.exclusiveMaximum !== undefined && value >= field.exclusiveMaximum) {
      return `less than ${field.exclusiveMaximum}`;
    }
  }
  if (field.kind === "enum" && !field.options?.includes(String(value))) {
    return `one of ${field.options?.join(", ")}`;
  }
  if (field.kind === "string" && field.pattern && typeof value === "string") {
    if (!new RegExp(field.pattern).test(value)) return "not in the expected form";
  }
  return null;
}

/** Parse the text of an input into the field's value (undefined = unset). */
export function parseInput(field: FieldDesc, text: string): JsonValue | undefined {
  if (text === "") return field.nullable ? null : undefined;
  switch (field.kind) {
    case "number":
    case "integer":
      return Number(text);
    case "boolean":
      return text === "true";
    case "json":
      return JSON.parse(text) as JsonValue;
    case "array":
      return text.split(",").map((part) => {
        const item = field.items;
        return item && (item.kind === "number" || item.kind === "integer") ? Number(part) : part.trim();
      });
    default:
      return text;
  }
}

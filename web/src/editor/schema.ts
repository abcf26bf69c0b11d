import flowSchemaJSON from "../../../docs/flow.schema.json";

// The JSON Schemas the editor builds forms from: the flow document's own
// schema (docs/flow.schema.json, generated from the Go types and read here
// at build time, so the forms and the server cannot disagree) and the
// connectors' schemas that the API serves.

/** The part of JSON Schema that Bistro's generated schemas use. */
export interface Schema {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: (string | number)[];
  default?: unknown;
  examples?: unknown[];
  anyOf?: Schema[];
  $ref?: string;
  $defs?: Record<string, Schema>;
  minimum?: number;
  maximum?: number;
  writeOnly?: boolean;
  title?: string;
  pattern?: string;
}

/** The flow document's schema. */
export const flowSchema = flowSchemaJSON as unknown as Schema & { $defs: Record<string, Schema> };

/** Follows a $ref into the flow schema's definitions (other schemas have none). */
export function resolve(s: Schema | undefined): Schema {
  if (!s) return {};
  if (s.$ref?.startsWith("#/$defs/")) {
    const def = flowSchema.$defs[s.$ref.slice("#/$defs/".length)] ?? {};
    return { ...def, description: s.description ?? def.description };
  }
  return s;
}

/** The schema of one step kind's settings, e.g. stepSchema("if"). */
export function stepSchema(kind: string): Schema {
  return resolve(flowSchema.$defs.Step.properties?.[kind]);
}

/** The schema of one trigger kind's settings. */
export function triggerSchema(kind: string): Schema {
  return resolve(flowSchema.$defs.Trigger.properties?.[kind]);
}

/** Whether a schema describes a list of steps (shown on the canvas, not in forms). */
export function isStepList(s: Schema): boolean {
  return s.type === "array" && s.items?.$ref === "#/$defs/Step";
}

/** How a text setting is read: a bare expression, a template with {{ }}, or plain text. */
export type TextKind = "expression" | "template" | "text";

/** Tells from a setting's description whether it is an expression or a template. */
export function textKind(s: Schema): TextKind {
  const d = (s.description ?? "").toLowerCase();
  if (d.includes("template")) return "template";
  if (d.includes("expression") || d.includes("condition")) return "expression";
  return "text";
}

/** A starting value that satisfies a schema's required settings. */
export function starter(s0: Schema): unknown {
  const s = resolve(s0);
  if (s.default !== undefined) return s.default;
  if (s.anyOf) return starter(s.anyOf[0]);
  if (s.enum) return s.enum[0];
  switch (s.type) {
    case "string": return "";
    case "integer": case "number": return s.minimum ?? 0;
    case "boolean": return false;
    case "array": return [];
    case "object": {
      const out: Record<string, unknown> = {};
      for (const k of s.required ?? []) out[k] = starter(s.properties?.[k] ?? {});
      return out;
    }
  }
  return "";
}

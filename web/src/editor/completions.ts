import expressionsDoc from "../../../docs/expressions.md?raw";
import { getAt, stepKind, triggerKind, type Path, type StepData } from "./document";

// What an expression at a step can read, for autocomplete: the record's
// fields as the trigger's example and the steps above shape them, the
// trigger's own data, the flow's vars, earlier steps by id, and the
// functions of the expression language (read from its generated docs).

/** One suggestion. */
export interface Suggestion {
  label: string;
  detail: string;
  kind: "field" | "variable" | "function";
}

/** The record's fields at a step: those of the trigger's example and those set by the steps before it. */
export function recordFields(data: Record<string, unknown>, at: Path | "trigger"): string[] {
  const fields = new Set<string>(exampleFields(data));
  if (at === "trigger") return [...fields];
  for (const step of stepsBefore(data, at)) apply(fields, step);
  return [...fields];
}

function exampleFields(data: Record<string, unknown>): string[] {
  const t = (data.trigger ?? {}) as Record<string, { example?: unknown } | undefined>;
  let ex = t[triggerKind(data)]?.example;
  if (Array.isArray(ex)) ex = ex[0];
  return ex && typeof ex === "object" ? Object.keys(ex) : [];
}

// stepsBefore lists the steps a record passed before reaching the step at
// path: its earlier siblings, and the same for each enclosing list.
function stepsBefore(data: Record<string, unknown>, path: Path): StepData[] {
  const out: StepData[] = [];
  for (let i = 1; i < path.length; i++) {
    const k = path[i];
    if (typeof k !== "number" || !Array.isArray(getAt(data, path.slice(0, i)))) continue;
    const list = getAt(data, path.slice(0, i)) as unknown[];
    // The siblings before the step, or before the step that encloses it.
    for (let j = 0; j < k; j++) {
      const s = list[j];
      if (s && typeof s === "object") out.push(s as StepData);
    }
  }
  return out;
}

// apply changes the set of fields the way a step changes the record.
function apply(fields: Set<string>, s: StepData) {
  const kind = stepKind(s);
  const v = kind ? s[kind] : undefined;
  const obj = v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  switch (kind) {
    case "set":
      Object.keys(obj).forEach((f) => fields.add(f));
      break;
    case "rename":
      Object.entries(obj).forEach(([from, to]) => {
        fields.delete(from);
        fields.add(String(to));
      });
      break;
    case "remove":
      (Array.isArray(v) ? v : []).forEach((f) => fields.delete(String(f)));
      break;
    case "keep": {
      const keep = new Set((Array.isArray(v) ? v : []).map(String));
      [...fields].forEach((f) => keep.has(f) || fields.delete(f));
      break;
    }
    case "group":
      fields.clear();
      Object.keys((obj.by ?? {}) as object).forEach((f) => fields.add(f));
      Object.keys((obj.fields ?? {}) as object).forEach((f) => fields.add(f));
      break;
    case "split": case "for_each": case "call": case "http": case "join":
      if (typeof obj.into === "string" && obj.into) fields.add(obj.into);
      if (kind === "split" && typeof obj.as === "string" && obj.as) fields.add(obj.as);
      break;
    case "action": {
      const into = (s.with as Record<string, unknown> | undefined)?.into;
      if (typeof into === "string" && into) fields.add(into);
      break;
    }
  }
  // set, rename, remove and keep may share a step; keep applies last.
  if (kind !== "keep" && Array.isArray(s.keep)) apply(fields, { keep: s.keep });
}

/** Functions of the expression language, from docs/expressions.md. */
export const functions: Suggestion[] = parseFunctions(expressionsDoc);

/** Reads the function tables of the expressions reference. */
export function parseFunctions(md: string): Suggestion[] {
  const out: Suggestion[] = [];
  const seen = new Set<string>();
  for (const line of md.split("\n")) {
    const m = /^\| `([a-z_A-Z0-9]+)\(([^`]*)\)[^|]*\| ([^|]+)\|/.exec(line);
    if (!m || seen.has(m[1])) continue;
    seen.add(m[1]);
    out.push({ label: m[1] + "(", detail: `${m[1]}(${m[2]}): ${m[3].trim()}`, kind: "function" });
  }
  return out;
}

/** Every suggestion for an expression in the step at path (or in the trigger). */
export function suggestions(data: Record<string, unknown>, at: Path | "trigger"): Suggestion[] {
  const out: Suggestion[] = recordFields(data, at).map((f) => ({ label: `record.${f}`, detail: "a field of the record", kind: "field" }));
  const tk = triggerKind(data);
  if (tk === "webhook") {
    exampleFields(data).forEach((f) => out.push({ label: `trigger.body.${f}`, detail: "a field of the webhook's body", kind: "field" }));
    for (const v of ["trigger.body", "trigger.headers", "trigger.query", "trigger.method"]) out.push({ label: v, detail: "what the webhook call carried", kind: "variable" });
  } else if (tk === "manual") {
    out.push({ label: "trigger.input", detail: "the input, when it was one value", kind: "variable" });
  } else if (tk === "schedule") {
    out.push({ label: "trigger.scheduled_at", detail: "when the run was due", kind: "variable" });
  }
  Object.keys((data.vars ?? {}) as object).forEach((v) => out.push({ label: `vars.${v}`, detail: "a variable of the flow", kind: "variable" }));
  if (at !== "trigger") {
    stepsBefore(data, at).forEach((s) => typeof s.id === "string" && s.id && out.push({ label: `steps.${s.id}`, detail: "the record as it left that step", kind: "variable" }));
  }
  for (const v of ["run.id", "run.flow", "run.started_at"]) out.push({ label: v, detail: "about this run", kind: "variable" });
  return [...out, ...functions];
}

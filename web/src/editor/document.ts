import { isMap, isScalar, isSeq, parseDocument, Scalar, visit, type Document, type Node, type YAMLMap, type YAMLSeq } from "yaml";
import { editYaml } from "./yamlEdit";

// The flow document the editor changes. The text is the truth: every
// operation takes the text and returns the new text, so undo is a list of
// texts, the YAML view is the text itself, and what is saved is exactly
// what the CLI would read. YAML keeps its comments and layout (see
// yamlEdit); JSON documents stay JSON.

/** Where a value is in the document: keys and list indexes, e.g. ["steps", 2, "set", "email"]. */
export type Path = (string | number)[];

/** A step as plain data. */
export type StepData = Record<string, unknown>;

/** The document's text and how it is written. */
export type Format = "yaml" | "json";

/** The kinds of trigger a flow can have. */
export const triggerKinds = ["manual", "webhook", "schedule", "event"] as const;

/** One of triggerKinds. */
export type TriggerKind = (typeof triggerKinds)[number];

/** Every step kind key, in the order the reference lists them. */
export const stepKinds = [
  "set", "rename", "remove", "keep", "filter", "if", "switch", "for_each", "join", "sort", "dedupe", "group",
  "limit", "split", "call", "stop", "respond", "fail", "log", "http", "action",
] as const;

/** One of stepKinds. */
export type StepKind = (typeof stepKinds)[number];

/** Settings every step may have besides its kind. */
export const commonStepKeys = ["id", "title", "when", "retry", "on_error"];

/** Returns the document's data, or throws with the parser's message. */
export function read(text: string): Record<string, unknown> {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(doc.errors[0].message);
  const v = doc.toJS() as unknown;
  if (v === null || v === undefined) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw new Error("the document is not a flow: it should start with settings such as 'name:'");
  return v as Record<string, unknown>;
}

/** Tells a JSON document from a YAML one by its first character. */
export function formatOf(text: string): Format {
  return text.trimStart().startsWith("{") ? "json" : "yaml";
}

/** Applies a change to the parsed document and returns the new text in the same format. */
export function edit(text: string, change: (doc: Document) => void): string {
  if (formatOf(text) === "json") {
    const doc = parseDocument(text);
    if (doc.errors.length > 0) throw new Error(doc.errors[0].message);
    change(doc);
    return JSON.stringify(doc.toJS(), null, 2) + "\n";
  }
  return editYaml(text, change);
}

/** Sets the value at path (creating what is missing); undefined removes it. */
export function setAt(text: string, path: Path, value: unknown): string {
  return edit(text, (doc) => {
    if (value === undefined) {
      doc.deleteIn(path);
      return;
    }
    const cur = doc.getIn(path, true);
    if (isScalar(cur) && (value === null || typeof value !== "object")) {
      // Keep single quotes, which people choose; double quotes are also
      // what the printer adds by itself (to "Ann " while it is typed), so
      // they go when no longer needed, as does a block for one line.
      if (typeof value === "string" && (cur.type === Scalar.QUOTE_DOUBLE || (!value.includes("\n") && (cur.type === Scalar.BLOCK_FOLDED || cur.type === Scalar.BLOCK_LITERAL)))) cur.type = undefined;
      cur.value = value;
      quoteTemplates(cur);
      return;
    }
    doc.setIn(path, quoteTemplates(doc.createNode(value)));
  });
}

// quoteTemplates writes texts with {{ }} in double quotes, as the docs do,
// unless they are in single quotes already.
function quoteTemplates<T>(node: T): T {
  visit(node as Node, {
    Scalar(_, s) {
      if (typeof s.value === "string" && s.value.includes("{{") && s.type !== Scalar.QUOTE_SINGLE && !s.value.includes("\n")) s.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return node;
}

/** Renames a key of the map at path, keeping its place and value. */
export function renameKey(text: string, path: Path, from: string, to: string): string {
  if (from === to) return text;
  return edit(text, (doc) => {
    const m = doc.getIn(path, true);
    if (!isMap(m)) return;
    const pair = m.items.find((p) => keyName(p.key) === from);
    if (!pair || m.items.some((p) => keyName(p.key) === to)) return;
    pair.key = doc.createNode(to);
  });
}

function keyName(k: unknown): string {
  return isScalar(k) ? String(k.value) : String(k);
}

/** Inserts a step into the list at listPath, at index (the end when past it). */
export function addStep(text: string, listPath: Path, index: number, step: StepData): string {
  return edit(text, (doc) => {
    const list = doc.getIn(listPath, true);
    const node = quoteTemplates(doc.createNode(step));
    if (!isSeq(list)) {
      doc.setIn(listPath, quoteTemplates(doc.createNode([step])));
      return;
    }
    list.items.splice(Math.max(0, Math.min(index, list.items.length)), 0, node);
  });
}

/** Removes the step at path. */
export function removeStep(text: string, path: Path): string {
  return edit(text, (doc) => {
    doc.deleteIn(path);
  });
}

/** Moves the step at path up (-1) or down (+1) in its list; returns the text and the step's new path. */
export function moveStep(text: string, path: Path, delta: number): { text: string; path: Path } {
  const listPath = path.slice(0, -1);
  const i = path[path.length - 1] as number;
  const j = i + delta;
  let moved = false;
  const out = edit(text, (doc) => {
    const list = doc.getIn(listPath, true) as YAMLSeq | undefined;
    if (!isSeq(list) || j < 0 || j >= list.items.length) return;
    const [item] = list.items.splice(i, 1);
    list.items.splice(j, 0, item);
    moved = true;
  });
  return moved ? { text: out, path: [...listPath, j] } : { text, path };
}

/** Replaces the trigger with one of another kind, with its settings. */
export function setTrigger(text: string, kind: TriggerKind, settings: Record<string, unknown>): string {
  return edit(text, (doc) => {
    const cur = doc.getIn(["trigger"], true);
    if (isMap(cur)) {
      (cur as YAMLMap).items = [];
      cur.set(kind, doc.createNode(settings));
      return;
    }
    doc.setIn(["trigger"], doc.createNode({ [kind]: settings }));
  });
}

/** The kind of the flow's trigger; manual when it has none. */
export function triggerKind(data: Record<string, unknown>): TriggerKind {
  const t = (data.trigger ?? {}) as Record<string, unknown>;
  return triggerKinds.find((k) => t[k] !== undefined) ?? "manual";
}

/** The kind of a step: the first kind key it has. */
export function stepKind(step: StepData): StepKind | undefined {
  return stepKinds.find((k) => step[k] !== undefined);
}

/** Returns the value at path in plain data. */
export function getAt(data: unknown, path: Path): unknown {
  let cur = data;
  for (const k of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

// The settings whose value is a list of steps, and where they are.
const nestedLists: [StepKind, Path][] = [
  ["if", ["then"]], ["if", ["else"]], ["for_each", ["steps"]], ["join", ["steps"]], ["switch", ["default"]],
];

/** One step of the document with where it is. */
export interface StepRef {
  path: Path;
  step: StepData;
}

/** Every step of the document, nested ones included, in reading order. */
export function allSteps(data: Record<string, unknown>): StepRef[] {
  const out: StepRef[] = [];
  const walk = (list: unknown, at: Path) => {
    if (!Array.isArray(list)) return;
    list.forEach((s, i) => {
      if (!s || typeof s !== "object") return;
      const step = s as StepData;
      const path = [...at, i];
      out.push({ path, step });
      for (const [kind, sub] of nestedLists) {
        if (step[kind] !== undefined) walk(getAt(step[kind], sub), [...path, kind, ...sub]);
      }
      const cases = (step.switch as { cases?: unknown[] } | undefined)?.cases;
      if (Array.isArray(cases)) cases.forEach((_, c) => walk(getAt(cases[c], ["steps"]), [...path, "switch", "cases", c, "steps"]));
      const onError = step.on_error as { steps?: unknown } | undefined;
      if (onError && typeof onError === "object") walk(onError.steps, [...path, "on_error", "steps"]);
    });
  };
  walk(data.steps, ["steps"]);
  return out;
}

/** A step id based on base that no step of the document has yet. */
export function uniqueStepId(data: Record<string, unknown>, base: string): string {
  const taken = new Set(allSteps(data).map((s) => String(s.step.id ?? "")));
  const clean = base.toLowerCase().replace(/[^a-z0-9_]+/g, "_").replace(/^[^a-z]+/, "").replace(/_+$/, "") || "step";
  if (!taken.has(clean)) return clean;
  for (let n = 2; ; n++) if (!taken.has(`${clean}_${n}`)) return `${clean}_${n}`;
}

const segment = /^(?:\.?([A-Za-z0-9_-]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\])/;

/** Parses a problem's path such as steps[2].set["first name"] into a Path. */
export function parsePath(s: string): Path {
  const out: Path = [];
  let rest = s;
  while (rest) {
    const m = segment.exec(rest);
    if (!m) break;
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3]) as string);
    rest = rest.slice(m[0].length);
  }
  return out;
}

/** Writes a Path the way problems do, e.g. steps[2].set.email. */
export function formatPath(p: Path): string {
  return p.map((k, i) => (typeof k === "number" ? `[${k}]` : /^[A-Za-z0-9_-]+$/.test(k) ? (i ? "." : "") + k : `[${JSON.stringify(k)}]`)).join("");
}

/** The key of a step (or "trigger", or "") for grouping problems: the step's path as text. */
export function ownerOf(path: Path, steps: StepRef[]): string {
  if (path[0] === "trigger") return "trigger";
  let best = "";
  let bestLen = -1;
  for (const s of steps) {
    if (s.path.length > bestLen && s.path.length <= path.length && s.path.every((k, i) => path[i] === k)) {
      best = formatPath(s.path);
      bestLen = s.path.length;
    }
  }
  return best;
}

import { parse } from "yaml";

// The flow document → a graph of the trigger and its steps, for the
// read-only canvas. Branching steps (if, switch) fan out and join again at
// the next step; nested step lists (for_each, join, on_error) hang off
// their step and do not continue, because their results flow back into it.

/** What a box on the canvas stands for. */
export type NodeKind = "trigger" | "step" | "branch" | "loop" | "error";

/** One box on the canvas. */
export interface GraphNode {
  id: string;
  kind: NodeKind;
  /** What the step does, in a word or two ("Filter", "HTTP request"). */
  type: string;
  label: string;
  detail?: string;
  /** Where the step is in the document, e.g. steps[2].if.then[0]; "trigger" for the trigger. */
  path: string;
}

/** One arrow on the canvas. */
export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  label?: string;
  /** Dashed: a side path (loop body, error handling), not the main line. */
  dashed?: boolean;
}

/** The whole picture of a flow. */
export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

type Doc = Record<string, unknown>;
type StepDoc = Record<string, unknown>;

// Where the next step attaches: a node, and the label its arrow carries.
interface Tail {
  id: string;
  label?: string;
}

const kinds: [string, string][] = [
  ["set", "Set fields"], ["rename", "Rename fields"], ["remove", "Remove fields"], ["keep", "Keep fields"],
  ["filter", "Filter"], ["if", "If"], ["switch", "Switch"], ["for_each", "For each"], ["join", "Join"],
  ["sort", "Sort"], ["dedupe", "Remove duplicates"], ["group", "Group"], ["limit", "Limit"], ["split", "Split"],
  ["call", "Call a flow"], ["stop", "Stop"], ["respond", "Respond"], ["fail", "Fail"], ["log", "Log"],
  ["http", "HTTP request"], ["action", "Action"],
];

/** Parses a YAML or JSON flow document; throws with the parser's message. */
export function parseDocument(text: string): Doc {
  const v = parse(text) as unknown;
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error("the document is not a flow");
  return v as Doc;
}

/** Options of buildGraph. */
export interface GraphOptions {
  /** Name the boxes by their place in the document, not by step id: ids may be missing or repeated while a flow is edited. */
  byPath?: boolean;
}

/** Builds the canvas graph of a flow document. */
export function buildGraph(doc: Doc, opts: GraphOptions = {}): Graph {
  const g: Graph = { nodes: [], edges: [] };
  g.nodes.push(triggerNode(doc.trigger));
  chain(g, asSteps(doc.steps), [{ id: "trigger" }], "steps", !!opts.byPath);
  return g;
}

function triggerNode(t: unknown): GraphNode {
  const tr = (t ?? {}) as Record<string, Record<string, unknown> | undefined>;
  if (tr.webhook) {
    const w = tr.webhook;
    return { id: "trigger", path: "trigger", kind: "trigger", type: "Webhook", label: "When a webhook is called", detail: [w.method ?? "POST", w.mode ?? "async"].join(" · ") };
  }
  if (tr.schedule) {
    const s = tr.schedule;
    return { id: "trigger", path: "trigger", kind: "trigger", type: "Schedule", label: "On a schedule", detail: String(s.cron ?? (s.every ? `every ${s.every}` : "")) };
  }
  if (tr.event) {
    return { id: "trigger", path: "trigger", kind: "trigger", type: "Event", label: "When something arrives", detail: str(tr.event.source) };
  }
  return { id: "trigger", path: "trigger", kind: "trigger", type: "Manual", label: "When run by hand" };
}

// chain lays out a list of steps one after the other, starting from tails,
// and returns where the next step attaches.
// path is where the list is in the document, e.g. steps or steps[1].if.then.
function chain(g: Graph, steps: StepDoc[], tails: Tail[], path: string, byPath: boolean): Tail[] {
  let cur = tails;
  steps.forEach((s, i) => {
    cur = step(g, s, cur, `${path}[${i}]`, byPath);
  });
  return cur;
}

function step(g: Graph, s: StepDoc, tails: Tail[], path: string, byPath: boolean): Tail[] {
  const stepId = typeof s.id === "string" && s.id ? s.id : "";
  const id = byPath || !stepId ? path : stepId;
  const [key, type] = kinds.find(([k]) => s[k] !== undefined) ?? ["", "Step"];
  const node: GraphNode = { id, path, kind: "step", type, label: str(s.title) || stepId || "(no id)", detail: detail(key, s[key]) };
  g.nodes.push(node);
  tails.forEach((t) => edge(g, t.id, id, t.label));
  let out: Tail[] = [{ id }];
  if (key === "if") {
    node.kind = "branch";
    const b = (s.if ?? {}) as Record<string, unknown>;
    out = branch(g, id, asSteps(b.then), "yes", `${path}.if.then`, byPath);
    out = out.concat(branch(g, id, asSteps(b.else), "no", `${path}.if.else`, byPath));
  } else if (key === "switch") {
    node.kind = "branch";
    const sw = (s.switch ?? {}) as Record<string, unknown>;
    out = [];
    asList(sw.cases).forEach((c, i) => {
      const cs = (c ?? {}) as Record<string, unknown>;
      out = out.concat(branch(g, id, asSteps(cs.steps), str(cs.when) || `case ${i + 1}`, `${path}.switch.cases[${i}].steps`, byPath));
    });
    out = out.concat(branch(g, id, asSteps(sw.default), "otherwise", `${path}.switch.default`, byPath));
  } else if (key === "for_each" || key === "join") {
    node.kind = "loop";
    const inner = asSteps(((s[key] ?? {}) as Record<string, unknown>).steps);
    side(g, id, inner, key === "for_each" ? "for each item" : "look up", `${path}.${key}.steps`, "loop", byPath);
  }
  // on_error is either a word ("skip") or { action, steps }.
  const onError = (typeof s.on_error === "string" ? { action: s.on_error } : s.on_error) as Record<string, unknown> | undefined;
  if (onError) {
    const handlers = asSteps(onError.steps);
    if (onError.action) node.detail = [node.detail, `on error: ${str(onError.action)}`].filter(Boolean).join(" · ");
    side(g, id, handlers, "on error", `${path}.on_error.steps`, "error", byPath);
  }
  return out;
}

// branch lays out one arm of an if or switch; an empty arm passes straight
// on to the next step with its label.
function branch(g: Graph, from: string, steps: StepDoc[], label: string, path: string, byPath: boolean): Tail[] {
  if (steps.length === 0) return [{ id: from, label }];
  return chain(g, steps, [{ id: from, label }], path, byPath);
}

// side lays out a nested list that returns into its step, drawn dashed.
function side(g: Graph, from: string, steps: StepDoc[], label: string, path: string, kind: NodeKind, byPath: boolean) {
  if (steps.length === 0) return;
  const first = g.nodes.length;
  chain(g, steps, [{ id: from, label }], path, byPath);
  for (let i = first; i < g.nodes.length; i++) {
    if (g.nodes[i].kind === "step") g.nodes[i].kind = kind;
  }
  g.edges.filter((e) => e.source === from && e.label === label).forEach((e) => (e.dashed = true));
}

function edge(g: Graph, source: string, target: string, label?: string) {
  g.edges.push({ id: `${source}->${target}${label ? `:${label}` : ""}`, source, target, label });
}

// detail is the one-line summary under a step's title.
function detail(key: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  switch (key) {
    case "filter": case "stop": case "fail": case "log": case "action":
      return short(str(v));
    case "if":
      return short(str((v as Record<string, unknown>).condition));
    case "for_each": case "split":
      return short(str((v as Record<string, unknown>).items));
    case "http": {
      const h = v as Record<string, unknown>;
      return short(`${str(h.method) || "GET"} ${str(h.url)}`);
    }
    case "call":
      return short(str((v as Record<string, unknown>).flow));
    case "limit":
      return `first ${v}`;
    case "set": case "rename": case "group":
      return short(Object.keys(v as object).join(", "));
    case "remove": case "keep":
      return short(asList(v).join(", "));
    case "respond":
      return `status ${str((v as Record<string, unknown>).status) || "200"}`;
    default:
      return undefined;
  }
}

function short(s: string): string {
  return s.length > 60 ? s.slice(0, 59) + "…" : s;
}

function str(v: unknown): string {
  return v === undefined || v === null ? "" : String(v);
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function asSteps(v: unknown): StepDoc[] {
  return asList(v).filter((s): s is StepDoc => !!s && typeof s === "object");
}

import type { components } from "../api/schema.gen";
import type { StepData, StepKind } from "./document";
import { flowSchema, starter, stepSchema } from "./schema";

/** A connector as the API describes it. */
export type ConnectorInfo = components["schemas"]["ConnectorInfo"];

/** Something that can be added as a step. */
export interface CatalogueItem {
  /** Unique: the step kind, or the action's id. */
  key: string;
  kind: StepKind;
  title: string;
  description: string;
  category: string;
  /** For connector actions: the connector's name and the action's id. */
  connector?: string;
  action?: string;
  /** The settings a new step of this kind starts with (its id is added later). */
  starter: StepData;
  /** What IT's catalogue says about the connector the step uses (an action's, or a built-in one's such as http). */
  access?: ConnectorInfo["access"];
  /** The words for that connector, e.g. "Team chat", for asking IT for it. */
  connectorTitle?: string;
}

/** The categories, in the order the catalogue shows them. */
export const categories = ["Change records", "Decide", "Lists and groups", "Talk to other systems", "Finish"] as const;

// Built-in step kinds: their words and the category they go in.
const builtIns: [StepKind, string, (typeof categories)[number]][] = [
  ["set", "Set fields", "Change records"],
  ["rename", "Rename fields", "Change records"],
  ["remove", "Remove fields", "Change records"],
  ["keep", "Keep only some fields", "Change records"],
  ["filter", "Filter", "Decide"],
  ["if", "If / else", "Decide"],
  ["switch", "Switch", "Decide"],
  ["split", "Split a list", "Lists and groups"],
  ["for_each", "For each item", "Lists and groups"],
  ["join", "Join", "Lists and groups"],
  ["sort", "Sort", "Lists and groups"],
  ["dedupe", "Remove duplicates", "Lists and groups"],
  ["group", "Group and total", "Lists and groups"],
  ["limit", "Limit", "Lists and groups"],
  ["http", "HTTP request", "Talk to other systems"],
  ["call", "Call another flow", "Talk to other systems"],
  ["respond", "Respond to the webhook", "Finish"],
  ["log", "Log a message", "Finish"],
  ["stop", "Stop", "Finish"],
  ["fail", "Fail", "Finish"],
];

/** The words for a step kind, e.g. "Set fields". */
export function kindTitle(kind: string): string {
  return builtIns.find(([k]) => k === kind)?.[1] ?? (kind === "action" ? "Connector action" : kind);
}

// Starting settings that say more than the schema's bare minimum.
const starters: Partial<Record<StepKind, unknown>> = {
  set: { new_field: "" },
  rename: { old_name: "new_name" },
  limit: 10,
  respond: { status: 200, body: { ok: true } },
  log: "",
  if: { condition: "", then: [] },
  for_each: { items: "", steps: [] },
  switch: { cases: [{ when: "", steps: [] }] },
  join: { on: { left: "", right: "" }, steps: [] },
};

/** The built-in step kinds and every connector action a step can run. */
export function catalogue(connectors: ConnectorInfo[]): CatalogueItem[] {
  const stepProps = flowSchema.$defs.Step.properties ?? {};
  // A built-in connector is its own step kind (the http step).
  const builtIn = new Map(connectors.filter((c) => c.built_in).map((c) => [c.name, c]));
  const items: CatalogueItem[] = builtIns.map(([kind, title, category]) => ({
    key: kind, kind, title, category,
    description: stepProps[kind]?.description ?? "",
    starter: { [kind]: kind in starters ? starters[kind] : starter(stepSchema(kind)) },
    ...(builtIn.has(kind) ? { access: builtIn.get(kind)!.access, connectorTitle: builtIn.get(kind)!.title } : {}),
  }));
  for (const c of connectors) {
    for (const a of c.actions ?? []) {
      if (!a.step) continue;
      items.push({
        key: a.id, kind: "action", title: `${c.title}: ${a.title}`, category: "Talk to other systems",
        description: a.description, connector: c.name, action: a.id, access: c.access, connectorTitle: c.title,
        starter: { action: a.id, connection: "", with: starter(a.input_schema as object) },
      });
    }
  }
  return items;
}

/** The items matching every word of the query (in title, description, kind or category). */
export function search(items: CatalogueItem[], query: string): CatalogueItem[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return items;
  return items.filter((it) => {
    const hay = `${it.title} ${it.description} ${it.key} ${it.category} ${it.connector ?? ""}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

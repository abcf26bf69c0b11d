import type { Connection, ConnectorInfo } from "../api/client";
import { ApiError } from "../api/problem";
import type { Path } from "../editor/document";
import type { Schema } from "../editor/schema";

// What the connection pages compute: which connectors can have a
// connection, the order of a form's settings, the request body made from
// a form (secrets left empty keep their stored value), and the server's
// answers placed under the settings they are about.

/** A connection's settings while they are being edited; a secret is a new value, null (clear it) or absent (keep it). */
export type Settings = Record<string, unknown>;

/** The schema of a connector's connection settings. */
export function configSchema(c: ConnectorInfo): Schema {
  return (c.config_schema ?? {}) as Schema;
}

/** Whether a connection of the connector has anything to set. */
export function hasSettings(c: ConnectorInfo): boolean {
  return Object.keys(configSchema(c).properties ?? {}).length > 0;
}

const categoryNames: Record<string, string> = {
  database: "Databases", messaging: "Messages and chat", files: "Files", web: "Web APIs",
};

/** A connector category in words, e.g. "Databases". */
export function categoryWords(category: string): string {
  return categoryNames[category] ?? (category ? category.charAt(0).toUpperCase() + category.slice(1) : "Other");
}

/** The connectors that take a connection, matching every word of the query and the category ("" for all). */
export function pickable(list: ConnectorInfo[], query: string, category: string): ConnectorInfo[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return list
    .filter(hasSettings)
    .filter((c) => !category || c.category === category)
    .filter((c) => {
      const hay = `${c.name} ${c.title} ${c.description} ${categoryWords(c.category)}`.toLowerCase();
      return words.every((w) => hay.includes(w));
    })
    .sort((a, b) => a.title.localeCompare(b.title));
}

/** The paths (joined with dots, as the API names them) of every secret setting. */
export function secretPaths(s: Schema, prefix: string[] = []): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(s.properties ?? {})) {
    if (v.writeOnly) out.push([...prefix, k].join("."));
    else if (v.type === "object" && v.properties) out.push(...secretPaths(v, [...prefix, k]));
  }
  return out;
}

/**
 * The order a form shows a connection's settings in: what must be given,
 * then secrets, then the rest; the settings that have a default fold away
 * under "More settings".
 */
export function fieldOrder(s: Schema): { main: string[]; more: string[] } {
  const props = s.properties ?? {};
  const required = (s.required ?? []).filter((k) => k in props);
  const rest = Object.keys(props).filter((k) => !required.includes(k)).sort();
  const secrets = rest.filter((k) => props[k].writeOnly);
  const plain = rest.filter((k) => !props[k].writeOnly && props[k].default === undefined);
  const more = rest.filter((k) => !props[k].writeOnly && props[k].default !== undefined);
  return { main: [...required, ...secrets, ...plain], more };
}

/** The value at path, or undefined. */
export function getIn(v: unknown, path: Path): unknown {
  return path.reduce<unknown>((cur, k) => (cur && typeof cur === "object" ? (cur as Record<string | number, unknown>)[k] : undefined), v);
}

/** A copy of obj with value at path (creating the objects on the way); undefined removes it. */
export function setIn(obj: Settings, path: Path, value: unknown): Settings {
  if (path.length === 0) return obj;
  const [k, ...rest] = path;
  const out: Settings = { ...obj };
  if (rest.length === 0) {
    if (value === undefined) delete out[String(k)];
    else out[String(k)] = value;
    return out;
  }
  const inner = out[String(k)];
  out[String(k)] = setIn(inner && typeof inner === "object" && !Array.isArray(inner) ? (inner as Settings) : {}, rest, value);
  return out;
}

/**
 * The config to send. A secret left empty is left out, which keeps the
 * stored value; one cleared is sent as null when updating (a new
 * connection has nothing to clear). Groups left empty are dropped.
 */
export function requestConfig(settings: Settings, secrets: string[], updating: boolean): Settings {
  let out = settings;
  for (const p of secrets) {
    const path = p.split(".");
    const v = getIn(out, path);
    if (v === "" || (v === null && !updating)) out = setIn(out, path, undefined);
  }
  return prune(out) ?? {};
}

// prune drops objects left empty (the form makes them when a setting in a
// group is typed and then erased).
function prune(v: Settings): Settings | undefined {
  const out: Settings = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined) continue;
    if (x && typeof x === "object" && !Array.isArray(x)) {
      const inner = prune(x as Settings);
      if (inner) out[k] = inner;
    } else out[k] = x;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The stored settings of a connection as a form starts from, and which secrets are set. */
export function fromConnection(c?: Connection): { settings: Settings; stored: Map<string, boolean> } {
  const stored = new Map<string, boolean>();
  Object.entries(c?.secrets ?? {}).forEach(([k, v]) => v.set && stored.set(k, true));
  return { settings: structuredClone(c?.config ?? {}) as Settings, stored };
}

/** Where a problem of the form goes: under a setting (its path), the name, the labels, or above the form. */
export interface Placed {
  /** Messages by the setting's path as the form writes it (host, auth.basic.password), plus "@name" and "@labels". */
  fields: Map<string, string[]>;
  /** What to show above the form: the error without the problems shown under fields (null for none). */
  rest: unknown;
}

/** Places a refused save's problems (422, or a name in use) under the fields they are about. */
export function placeErrors(err: unknown): Placed {
  const fields = new Map<string, string[]>();
  if (err instanceof ApiError && err.status === 409 && err.problem?.code === "exists") {
    fields.set("@name", ["There is already a connection with this name: choose another one."]);
    return { fields, rest: null };
  }
  if (!(err instanceof ApiError) || err.status !== 422 || !err.problem?.errors?.length) return { fields, rest: err ?? null };
  const left = [];
  for (const e of err.problem.errors) {
    const loc = e.location ?? "";
    const key = loc.startsWith("body.config.") ? loc.slice("body.config.".length) : loc === "body.name" ? "@name" : loc.startsWith("body.labels") ? "@labels" : "";
    if (!key) {
      left.push(e);
      continue;
    }
    fields.set(key, [...(fields.get(key) ?? []), e.message]);
  }
  return { fields, rest: new ApiError(err.status, { ...err.problem, errors: left }) };
}

/** The flows named by a refused delete (409 in_use); null for any other error. */
export function usedBy(err: unknown): string[] | null {
  if (!(err instanceof ApiError) || err.status !== 409 || err.problem?.code !== "in_use") return null;
  const names = (err.problem.errors ?? [])
    .map((e) => /'([^']+)'/.exec(e.message)?.[1])
    .filter((n): n is string => !!n);
  return names;
}

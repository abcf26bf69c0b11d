import { describe, expect, it } from "vitest";
import { catalogue, categories, search, type ConnectorInfo } from "./catalogue";
import { functions, parseFunctions, recordFields, suggestions } from "./completions";
import { diffLines } from "./diff";
import { read } from "./document";
import { starter, stepSchema, textKind, triggerSchema } from "./schema";
import { blankManual, blankWebhook, templates } from "./templates";
import { buildGraph } from "../graph/model";

const redis: ConnectorInfo = {
  name: "redis", title: "Redis", version: "1", category: "database", description: "A key-value store.", built_in: false, access: "approved",
  config_schema: {}, triggers: [],
  actions: [
    { id: "redis.set", name: "set", title: "Write a key", description: "Writes a value.", output: "", side_effects: true, idempotent: true, batch: false, step: true,
      input_schema: { type: "object", properties: { key: { type: "string" }, value: {} }, required: ["key"] } },
    { id: "redis.hidden", name: "hidden", title: "Not a step", description: "", output: "", side_effects: false, idempotent: false, batch: false, step: false, input_schema: {} },
  ],
};

describe("catalogue", () => {
  const items = catalogue([redis]);

  it("has every built-in kind in a category, and the connectors' step actions", () => {
    for (const it of items) expect(categories).toContain(it.category);
    expect(items.map((i) => i.key)).toEqual(expect.arrayContaining(["set", "filter", "if", "http", "respond", "log", "redis.set"]));
    expect(items.find((i) => i.key === "redis.hidden")).toBeUndefined();
  });

  it("starts new steps with their required settings", () => {
    expect(items.find((i) => i.key === "redis.set")?.starter).toEqual({ action: "redis.set", connection: "", with: { key: "" } });
    expect(items.find((i) => i.key === "http")?.starter).toEqual({ http: { url: "" } });
    expect(items.find((i) => i.key === "sort")?.starter).toEqual({ sort: { by: "" } });
  });

  it("carries what IT's catalogue says about the connector a step uses", () => {
    const http: ConnectorInfo = { ...redis, name: "http", title: "HTTP", built_in: true, access: "blocked", actions: [] };
    const withAccess = catalogue([{ ...redis, access: "review" }, http]);
    expect(withAccess.find((i) => i.key === "redis.set")).toMatchObject({ access: "review", connectorTitle: "Redis" });
    expect(withAccess.find((i) => i.key === "http")).toMatchObject({ access: "blocked", connectorTitle: "HTTP" });
    expect(withAccess.find((i) => i.key === "set")?.access).toBeUndefined();
  });

  it("finds steps by any of their words", () => {
    expect(search(items, "redis key").map((i) => i.key)).toEqual(["redis.set"]);
    expect(search(items, "webhook").map((i) => i.key)).toContain("respond");
    expect(search(items, "  ")).toHaveLength(items.length);
    expect(search(items, "nothing-like-this")).toEqual([]);
  });
});

describe("schemas", () => {
  it("reads the flow schema's step and trigger settings", () => {
    expect(stepSchema("if").required).toEqual(["condition", "then"]);
    expect(triggerSchema("webhook").properties?.mode?.enum).toEqual(["sync", "async"]);
    expect(starter(stepSchema("call"))).toEqual({ flow: "" });
  });

  it("tells expressions from templates by their description", () => {
    expect(textKind(stepSchema("filter"))).toBe("expression");
    expect(textKind(stepSchema("log"))).toBe("template");
    expect(textKind({ type: "string", description: "Names a field." })).toBe("text");
  });
});

describe("autocomplete", () => {
  const doc = read(`bistro: 1
name: t
trigger: { webhook: { example: { email: a@b.c, name: Ann } } }
vars: { limit: 3 }
steps:
  - id: clean
    set: { email: "{{ lower(record.email) }}", domain: "x" }
  - id: tidy
    rename: { name: full_name }
  - id: check
    if:
      condition: record.domain != ""
      then:
        - { id: flag, set: { flagged: true } }
        - { id: inner, log: "x" }
  - id: last
    keep: [email, flagged]
  - id: after
    log: done
`);

  it("knows the fields the trigger's example and the steps above give the record", () => {
    expect(recordFields(doc, "trigger")).toEqual(["email", "name"]);
    expect(recordFields(doc, ["steps", 0])).toEqual(["email", "name"]);
    expect(recordFields(doc, ["steps", 2])).toEqual(["email", "domain", "full_name"]);
    expect(recordFields(doc, ["steps", 2, "if", "then", 1])).toEqual(["email", "domain", "full_name", "flagged"]);
    expect(recordFields(doc, ["steps", 4])).toEqual(["email"]);
  });

  it("offers the webhook's data, vars, earlier steps and functions", () => {
    const labels = suggestions(doc, ["steps", 2]).map((s) => s.label);
    expect(labels).toEqual(expect.arrayContaining(["record.full_name", "trigger.body.email", "trigger.headers", "vars.limit", "steps.clean", "steps.tidy", "lower("]));
    expect(labels).not.toContain("steps.check");
  });

  it("reads the functions from the expressions reference", () => {
    expect(parseFunctions("| `lower(text)` | Turns text into lower case. | `lower(\"A\")` | `\"a\"` |")).toEqual([
      { label: "lower(", detail: "lower(text): Turns text into lower case.", kind: "function" },
    ]);
    expect(functions.length).toBeGreaterThan(40);
  });
});

describe("templates", () => {
  it("offers the blank flows first, then every example", () => {
    const all = templates();
    expect(all.slice(0, 2).map((t) => t.title)).toEqual(["Blank: webhook", "Blank: manual"]);
    expect(all.map((t) => t.title)).toContain("Clean a web-form lead");
    for (const t of all) expect(read(t.text).name).toBeTruthy();
    expect(read(blankWebhook).trigger).toHaveProperty("webhook");
    expect(read(blankManual).trigger).toHaveProperty("manual");
  });
});

describe("diffLines", () => {
  it("marks what was removed and added, keeping the common lines", () => {
    expect(diffLines("a\nb\nc\n", "a\nx\nc\nd\n")).toEqual([
      { kind: "same", text: "a" }, { kind: "removed", text: "b" }, { kind: "added", text: "x" }, { kind: "same", text: "c" }, { kind: "added", text: "d" },
    ]);
    expect(diffLines("", "")).toEqual([]);
  });
});

describe("the editor's graph", () => {
  it("names boxes by their place in the document", () => {
    const g = buildGraph(read("trigger: { manual: {} }\nsteps:\n  - { id: a, if: { condition: x, then: [{ id: a, log: dup }] } }\n  - { log: no_id }\n"), { byPath: true });
    expect(g.nodes.map((n) => n.id)).toEqual(["trigger", "steps[0]", "steps[0].if.then[0]", "steps[1]"]);
    expect(g.nodes.map((n) => n.path)).toEqual(["trigger", "steps[0]", "steps[0].if.then[0]", "steps[1]"]);
    expect(g.nodes[3].label).toBe("(no id)");
  });
});

import { describe, expect, it } from "vitest";
import { buildGraph, parseDocument, type Graph } from "./model";

// edges lists a graph's arrows as "from -> to [label]" for readable diffs.
function edges(g: Graph): string[] {
  return g.edges.map((e) => `${e.source} -> ${e.target}${e.label ? ` [${e.label}]` : ""}${e.dashed ? " dashed" : ""}`);
}

function graph(yaml: string): Graph {
  return buildGraph(parseDocument(yaml));
}

describe("buildGraph", () => {
  const cases: { name: string; doc: string; edges: string[]; kinds?: Record<string, string>; types?: Record<string, string> }[] = [
    {
      name: "straight line of simple steps",
      doc: `
bistro: 1
name: t
trigger: { webhook: { method: POST } }
steps:
  - { id: a, set: { x: 1 } }
  - { id: b, filter: "record.x > 0" }
  - { id: c, respond: { status: 201 } }
`,
      edges: ["trigger -> a", "a -> b", "b -> c"],
      types: { trigger: "Webhook", a: "Set fields", b: "Filter", c: "Respond" },
    },
    {
      name: "if with then and else joins at the next step",
      doc: `
trigger: { manual: {} }
steps:
  - id: check
    if:
      condition: record.vip
      then: [{ id: vip, set: { tier: gold } }]
      else: [{ id: normal, log: "normal" }, { id: normal2, limit: 1 }]
  - { id: done, log: end }
`,
      edges: ["trigger -> check", "check -> vip [yes]", "check -> normal [no]", "normal -> normal2", "vip -> done", "normal2 -> done"],
      kinds: { check: "branch", vip: "step" },
    },
    {
      name: "if without else passes on with a 'no' arrow",
      doc: `
trigger: { manual: {} }
steps:
  - { id: check, if: { condition: "true", then: [{ id: yes_step, stop: "done" }] } }
  - { id: after, log: x }
`,
      edges: ["trigger -> check", "check -> yes_step [yes]", "yes_step -> after", "check -> after [no]"],
    },
    {
      name: "switch cases and default",
      doc: `
trigger: { schedule: { cron: "0 9 * * *" } }
steps:
  - id: route
    switch:
      cases:
        - { when: "record.a", steps: [{ id: one, set: { n: 1 } }] }
        - { when: "record.b", steps: [{ id: two, set: { n: 2 } }] }
      default: [{ id: other, fail: "no case" }]
  - { id: end, log: x }
`,
      edges: ["trigger -> route", "route -> one [record.a]", "route -> two [record.b]", "route -> other [otherwise]", "one -> end", "two -> end", "other -> end"],
      types: { trigger: "Schedule", route: "Switch", other: "Fail" },
    },
    {
      name: "switch without default passes on with 'otherwise'",
      doc: `
trigger: { manual: {} }
steps:
  - { id: route, switch: { cases: [{ when: "x", steps: [{ id: one, log: a }] }] } }
  - { id: end, log: x }
`,
      edges: ["trigger -> route", "route -> one [x]", "one -> end", "route -> end [otherwise]"],
    },
    {
      name: "for_each body hangs off its step",
      doc: `
trigger: { manual: {} }
steps:
  - id: lines
    for_each: { items: record.lines, steps: [{ id: price, set: { p: 1 } }, { id: tax, set: { t: 1 } }] }
  - { id: sum, log: x }
`,
      edges: ["trigger -> lines", "lines -> price [for each item] dashed", "price -> tax", "lines -> sum"],
      kinds: { lines: "loop", price: "loop", tax: "loop", sum: "step" },
      types: { lines: "For each" },
    },
    {
      name: "join lookup steps hang off its step",
      doc: `
trigger: { manual: {} }
steps:
  - id: budget
    join: { on: { left: team, right: team }, steps: [{ id: fetch, http: { url: "https://example.com" } }] }
`,
      edges: ["trigger -> budget", "budget -> fetch [look up] dashed"],
      kinds: { budget: "loop", fetch: "loop" },
      types: { budget: "Join", fetch: "HTTP request" },
    },
    {
      name: "on_error steps hang off the failing step",
      doc: `
trigger: { manual: {} }
steps:
  - id: send
    action: email.send
    on_error: { action: continue, steps: [{ id: note, log: "could not send" }] }
  - { id: next, log: x }
`,
      edges: ["trigger -> send", "send -> note [on error] dashed", "send -> next"],
      kinds: { send: "step", note: "error" },
      types: { send: "Action" },
    },
    {
      name: "nested branch inside a loop",
      doc: `
trigger: { manual: {} }
steps:
  - id: each
    for_each:
      items: record.xs
      steps:
        - { id: big, if: { condition: "item > 1", then: [{ id: mark, set: { big: true } }] } }
`,
      edges: ["trigger -> each", "each -> big [for each item] dashed", "big -> mark [yes]"],
      kinds: { big: "branch", mark: "loop" },
    },
    {
      name: "every simple step kind has a name",
      doc: `
trigger: { manual: {} }
steps:
  - { id: s1, rename: { a: b } }
  - { id: s2, remove: [a] }
  - { id: s3, keep: [a] }
  - { id: s4, sort: { by: a } }
  - { id: s5, dedupe: { by: a } }
  - { id: s6, group: { by: { a: a } } }
  - { id: s7, split: { items: record.a } }
  - { id: s8, call: { flow: other } }
  - { id: s9, limit: 0 }
`,
      edges: ["trigger -> s1", "s1 -> s2", "s2 -> s3", "s3 -> s4", "s4 -> s5", "s5 -> s6", "s6 -> s7", "s7 -> s8", "s8 -> s9"],
      types: { trigger: "Manual", s1: "Rename fields", s2: "Remove fields", s3: "Keep fields", s4: "Sort", s5: "Remove duplicates", s6: "Group", s7: "Split", s8: "Call a flow", s9: "Limit" },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const g = graph(c.doc);
      expect(edges(g)).toEqual(c.edges);
      const ids = g.nodes.map((n) => n.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const [id, kind] of Object.entries(c.kinds ?? {})) {
        expect(g.nodes.find((n) => n.id === id)?.kind, id).toBe(kind);
      }
      for (const [id, type] of Object.entries(c.types ?? {})) {
        expect(g.nodes.find((n) => n.id === id)?.type, id).toBe(type);
      }
    });
  }

  it("uses the title as the label and summarises the step", () => {
    const g = graph(`
trigger: { webhook: { mode: async } }
steps:
  - { id: fetch, title: Get the price, http: { method: POST, url: "https://shop.example/price" } }
`);
    expect(g.nodes[0]).toMatchObject({ label: "When a webhook is called", detail: "POST · async" });
    expect(g.nodes[1]).toMatchObject({ label: "Get the price", detail: "POST https://shop.example/price" });
  });

  it("shows the on_error shorthand on its step", () => {
    const g = graph(`
trigger: { manual: {} }
steps:
  - { id: amount, set: { n: "{{ number(record.n) }}" }, on_error: skip }
`);
    expect(g.nodes[1].detail).toBe("n · on error: skip");
    expect(edges(g)).toEqual(["trigger -> amount"]);
  });

  it("reads JSON documents too", () => {
    const g = graph(`{"trigger": {"manual": {}}, "steps": [{"id": "a", "log": "hi"}]}`);
    expect(edges(g)).toEqual(["trigger -> a"]);
  });

  it("rejects a document that is not a flow", () => {
    expect(() => parseDocument("- just\n- a list")).toThrow("not a flow");
  });
});

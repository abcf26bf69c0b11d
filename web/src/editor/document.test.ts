import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  addStep, allSteps, formatPath, moveStep, ownerOf, parsePath, read, removeStep, renameKey, setAt, setTrigger, triggerKind, uniqueStepId,
} from "./document";
import { can, record, redo, start, undo } from "./history";
import { changes } from "./diff";

const examplesDir = join(import.meta.dirname, "../../../examples");
const examples = readdirSync(examplesDir).filter((f) => f.endsWith(".yaml")).map((f) => ({ file: f, text: readFileSync(join(examplesDir, f), "utf8") }));

// A document with the things people write that a plain re-print loses:
// comments, blank lines, flow style, quoting and a folded description.
const written = `bistro: 1
name: Leads   # shown in lists
description: >
  Cleans leads from the form and
  answers the caller.
trigger:
  webhook: { method: POST, mode: sync, example: { email: " Ann@X.io ", name: ann } }

steps:
  # tidy first
  - id: clean
    set:
      email: '{{ lower(trim(record.email)) }}'   # single quotes
      name: "{{ title(record.name) }}"
    keep: [email, name]

  - id: real_only
    filter: record.email contains "@"
  - id: reply
    respond: { status: 201, body: { ok: true } }
`;

describe("editing keeps what the person wrote", () => {
  it("changes only the line of the changed value", () => {
    const out = setAt(written, ["steps", 1, "filter"], 'record.email endsWith ".io"');
    expect(changes(written, out)).toEqual(['-     filter: record.email contains "@"', '+     filter: record.email endsWith ".io"']);
  });

  it("keeps the quotes and the comment of a changed value", () => {
    const out = setAt(written, ["steps", 0, "set", "email"], "{{ record.email }}");
    expect(changes(written, out)).toEqual([
      "-       email: '{{ lower(trim(record.email)) }}'   # single quotes",
      "+       email: '{{ record.email }}' # single quotes",
    ]);
  });

  it("drops quotes that typing needed only for a moment", () => {
    let t = written;
    for (const v of ["Leads ", "Leads f", "Leads flow"]) t = setAt(t, ["name"], v);
    expect(changes(written, t)).toEqual(["- name: Leads   # shown in lists", "+ name: Leads flow # shown in lists"]);
  });

  it("writes templates in double quotes", () => {
    const out = setAt(written, ["steps", 1, "filter"], "Hi {{ record.name }}");
    expect(changes(written, out)).toEqual(['-     filter: record.email contains "@"', '+     filter: "Hi {{ record.name }}"']);
  });

  it("adds a setting at the end of its step", () => {
    const out = setAt(written, ["steps", 1, "when"], "record.vip");
    expect(changes(written, out)).toEqual(["+     when: record.vip"]);
    expect(out).toContain('    filter: record.email contains "@"\n    when: record.vip\n  - id: reply');
  });

  it("adds, moves and removes whole steps without touching the others", () => {
    const added = addStep(written, ["steps"], 2, { id: "note", log: "hi {{ record.name }}" });
    expect(changes(written, added)).toEqual(["+   - id: note", '+     log: "hi {{ record.name }}"']);
    const moved = moveStep(added, ["steps", 2], -1);
    expect(moved.path).toEqual(["steps", 1]);
    expect(read(moved.text).steps).toMatchObject([{ id: "clean" }, { id: "note" }, { id: "real_only" }, { id: "reply" }]);
    expect(moved.text).toContain("# tidy first\n  - id: clean");
    const removed = removeStep(moved.text, ["steps", 0]);
    expect(read(removed).steps).toMatchObject([{ id: "note" }, { id: "real_only" }, { id: "reply" }]);
    expect(removed).toContain("respond: { status: 201, body: { ok: true } }");
    expect(removed).toContain("name: Leads   # shown in lists\ndescription: >\n  Cleans leads from the form and\n  answers the caller.\n");
  });

  it("moving past either end changes nothing", () => {
    expect(moveStep(written, ["steps", 0], -1)).toEqual({ text: written, path: ["steps", 0] });
    expect(moveStep(written, ["steps", 2], 1)).toEqual({ text: written, path: ["steps", 2] });
  });

  it("adds a step into a branch", () => {
    const withIf = addStep(written, ["steps"], 3, { id: "check", if: { condition: "record.vip", then: [] } });
    const inside = addStep(withIf, ["steps", 3, "if", "then"], 0, { id: "flag", set: { vip: true } });
    expect(read(inside).steps).toMatchObject([{}, {}, {}, { id: "check", if: { then: [{ id: "flag", set: { vip: true } }] } }]);
    expect(allSteps(read(inside)).map((s) => formatPath(s.path))).toEqual(["steps[0]", "steps[1]", "steps[2]", "steps[3]", "steps[3].if.then[0]"]);
  });

  it("renames a field in place", () => {
    const out = renameKey(written, ["steps", 0, "set"], "name", "full_name");
    expect(Object.keys(read(out).steps instanceof Array ? (read(out).steps as { set: object }[])[0].set : {})).toEqual(["email", "full_name"]);
    expect(renameKey(written, ["steps", 0, "set"], "name", "email")).toBe(written);
  });

  it("removes a setting", () => {
    const out = setAt(written, ["steps", 0, "keep"], undefined);
    expect(changes(written, out)).toEqual(["-     keep: [email, name]"]);
  });

  it("swaps the trigger for another kind", () => {
    const out = setTrigger(written, "manual", { example: { a: 1 } });
    expect(triggerKind(read(out))).toBe("manual");
    expect(read(out).trigger).toEqual({ manual: { example: { a: 1 } } });
    expect(changes(written, out)).toEqual([
      '-   webhook: { method: POST, mode: sync, example: { email: " Ann@X.io ", name: ann } }',
      "+   manual:", "+     example:", "+       a: 1",
    ]);
  });

  it("keeps JSON documents JSON", () => {
    const json = JSON.stringify({ bistro: 1, name: "j", trigger: { manual: {} }, steps: [{ id: "a", log: "x" }] }, null, 2);
    const out = setAt(json, ["steps", 0, "log"], "y");
    expect(JSON.parse(out).steps[0].log).toBe("y");
  });

  it.each(examples)("round-trips $file: an edit changes only its lines", ({ text }) => {
    const data = read(text);
    const steps = data.steps as { id: string }[];
    const out = setAt(text, ["steps", 0, "id"], "renamed");
    expect(changes(text, out)).toEqual([`-   - id: ${steps[0].id}`, "+   - id: renamed"]);
    const last = steps.length - 1;
    const back = moveStep(moveStep(text, ["steps", last], -1).text, ["steps", last - 1], 1).text;
    expect(back).toBe(text);
  });

  it("refuses to edit a document that does not parse", () => {
    expect(() => setAt("name: [unclosed\n", ["name"], "x")).toThrow();
  });
});

describe("undo and redo", () => {
  it("goes back and forth through the changes", () => {
    let h = start("a");
    h = record(h, "b");
    h = record(h, "c");
    expect(can(h)).toEqual({ undo: true, redo: false });
    h = undo(h);
    expect(h.present).toBe("b");
    h = undo(h);
    expect(h.present).toBe("a");
    expect(can(h).undo).toBe(false);
    expect(undo(h)).toBe(h);
    h = redo(h);
    expect(h.present).toBe("b");
    h = record(h, "d");
    expect(can(h).redo).toBe(false);
    expect(h.past).toEqual(["a", "b"]);
  });

  it("typing in one field is one step to undo", () => {
    let h = start("x");
    h = record(h, "x1", "steps[0].set.email");
    h = record(h, "x12", "steps[0].set.email");
    h = record(h, "x123", "steps[0].set.email");
    h = record(h, "x123y", "steps[0].filter");
    h = undo(h);
    expect(h.present).toBe("x123");
    h = undo(h);
    expect(h.present).toBe("x");
  });

  it("ignores changes that change nothing", () => {
    const h = start("same");
    expect(record(h, "same")).toBe(h);
  });

  it("undoes a real edit back to the text as written", () => {
    let h = start(written);
    h = record(h, addStep(h.present, ["steps"], 99, { id: uniqueStepId(read(h.present), "clean"), set: { x: 1 } }));
    expect(allSteps(read(h.present)).map((s) => s.step.id)).toEqual(["clean", "real_only", "reply", "clean_2"]);
    h = undo(h);
    expect(h.present).toBe(written);
  });
});

describe("paths and problems", () => {
  it("reads problem paths", () => {
    expect(parsePath('steps[2].set["first name"]')).toEqual(["steps", 2, "set", "first name"]);
    expect(parsePath("trigger.webhook.method")).toEqual(["trigger", "webhook", "method"]);
    expect(formatPath(["steps", 2, "set", "first name"])).toBe('steps[2].set["first name"]');
  });

  it("finds the step a problem belongs to, the innermost one", () => {
    const data = read(addStep(written, ["steps"], 3, { id: "check", if: { condition: "x", then: [{ id: "in", log: "a" }] } }));
    const steps = allSteps(data);
    expect(ownerOf(parsePath("steps[3].if.then[0].log"), steps)).toBe("steps[3].if.then[0]");
    expect(ownerOf(parsePath("steps[3].if.condition"), steps)).toBe("steps[3]");
    expect(ownerOf(parsePath("trigger.webhook"), steps)).toBe("trigger");
    expect(ownerOf(parsePath("name"), steps)).toBe("");
  });

  it("makes step ids that are free and well formed", () => {
    const data = read(written);
    expect(uniqueStepId(data, "clean")).toBe("clean_2");
    expect(uniqueStepId(data, "Send Email!")).toBe("send_email");
    expect(uniqueStepId(data, "42")).toBe("step");
  });
});

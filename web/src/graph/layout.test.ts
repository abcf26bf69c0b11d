import { describe, expect, it } from "vitest";
import { buildGraph, parseDocument } from "./model";
import { layout, nodeSize } from "./layout";

describe("layout", () => {
  it("puts each step below the one before and branches side by side", () => {
    const g = buildGraph(parseDocument(`
trigger: { manual: {} }
steps:
  - { id: check, if: { condition: x, then: [{ id: a, log: a }], else: [{ id: b, log: b }] } }
  - { id: end, log: end }
`));
    const { pos, height } = layout(g);
    const y = (id: string) => pos.get(id)!.y;
    expect(y("trigger")).toBeLessThan(y("check"));
    expect(y("check")).toBeLessThan(y("a"));
    expect(y("a")).toBe(y("b"));
    expect(pos.get("a")!.x).not.toBe(pos.get("b")!.x);
    expect(y("a")).toBeLessThan(y("end"));
    expect(height).toBeGreaterThanOrEqual(4 * nodeSize.height);
  });
});

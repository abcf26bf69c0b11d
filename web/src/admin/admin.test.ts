import { describe, expect, it } from "vitest";
import type { InventoryItem } from "../api/client";
import { exceptionsOf, filterInventory, inventoryQuery, pendingFirst, percent, perDay, platformStatus, riskLevel } from "./admin";

const item = (o: Partial<InventoryItem>): InventoryItem => ({
  workspace: "default", flow: "Greet a lead", enabled: true, trigger: "webhook", version: 2, updated_at: "2026-11-02T09:00:00Z",
  owner: "u-1", owner_email: "ada@example.com", orphaned: false, connectors: [], connections: [], destinations: [],
  runs_per_day: 0, failure_rate: 0, risk: 0, risk_level: "low", risk_reasons: [], ...o,
});
const greet = item({});
const tell = item({ flow: "Tell sales", orphaned: true, risk: 72, risk_level: "high" });

describe("admin words", () => {
  it("reads and applies the inventory's filters", () => {
    expect(inventoryQuery(new URLSearchParams("orphaned=1&risk=high"))).toEqual({ orphaned: true, risk: "high" });
    expect(inventoryQuery(new URLSearchParams("risk=extreme"))).toEqual({ orphaned: false, risk: undefined });
    expect(filterInventory([greet, tell], { risk: "low" }).map((i) => i.flow)).toEqual(["Greet a lead"]);
    expect(filterInventory([greet, tell], { orphaned: true, risk: "high" }).map((i) => i.flow)).toEqual(["Tell sales"]);
    expect(filterInventory([greet, tell], { orphaned: true, risk: "low" })).toEqual([]);
  });

  it("words numbers and levels as the inventory does", () => {
    expect([percent(0), percent(0.004), percent(0.256)]).toEqual(["0%", "<1%", "26%"]);
    expect([perDay(0.25), perDay(12.4)]).toEqual(["0.3", "12"]);
    expect([riskLevel(29), riskLevel(30), riskLevel(59), riskLevel(60)]).toEqual(["low", "medium", "medium", "high"]);
  });

  it("reads the catalogue's statuses and exceptions", () => {
    const cat = { default: "approved" as const, connectors: { chat: "blocked" }, workspaces: { sales: { chat: "approved" }, hr: { email: "review" } } };
    expect([platformStatus(cat, "chat"), platformStatus(cat, "email")]).toEqual(["blocked", "approved"]);
    expect(exceptionsOf(cat, "chat")).toEqual([{ workspace: "sales", status: "approved" }]);
  });

  it("orders requests pending first, oldest first, then the newest answers", () => {
    const r = (id: string, status: "pending" | "approved", created_at: string, answered_at?: string) =>
      ({ id, status, created_at, answered_at, workspace: "w", connector: "c", reason: "", requested_by: "u" });
    const list = [r("a", "approved", "2026-01-01", "2026-01-02"), r("b", "pending", "2026-01-05"), r("c", "approved", "2026-01-01", "2026-01-04"), r("d", "pending", "2026-01-03")];
    expect(pendingFirst(list).map((x) => x.id)).toEqual(["d", "b", "c", "a"]);
  });
});

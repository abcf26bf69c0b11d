import type { Catalogue, ConnectorRequest, InventoryItem, User } from "../api/client";
import type { InventoryQuery } from "../router";

// What the platform admins' pages compute: the catalogue's statuses in
// words, requests in the order they are answered, risk levels, the
// inventory's filters.

/** A connector's status in IT's catalogue. */
export type Status = Catalogue["default"];

/** The statuses, as the pages say them. */
export const statusWords: Record<Status, string> = { approved: "Approved", review: "Reviewed by IT", blocked: "Blocked" };

/** The colour of each status's badge. */
export const statusColor: Record<Status, string> = { approved: "green", review: "yellow", blocked: "red" };

/** Whether a string is a status. */
export function isStatus(s: string | undefined): s is Status {
  return s === "approved" || s === "review" || s === "blocked";
}

/** A connector's platform-wide entry, or "inherit" when it has none (the default applies). */
export function platformEntry(c: Catalogue, connector: string): Status | "inherit" {
  const s = c.connectors?.[connector];
  return isStatus(s) ? s : "inherit";
}

/** The status that applies platform-wide: its entry, else the default. */
export function platformStatus(c: Catalogue, connector: string): Status {
  const s = platformEntry(c, connector);
  return s === "inherit" ? c.default : s;
}

/** One workspace's own status for a connector, which wins over the platform's. */
export interface Exception {
  workspace: string;
  status: Status;
}

/** The workspaces that have their own status for the connector, by name. */
export function exceptionsOf(c: Catalogue, connector: string): Exception[] {
  return Object.entries(c.workspaces ?? {})
    .flatMap(([workspace, m]) => (isStatus(m?.[connector]) ? [{ workspace, status: m[connector] as Status }] : []))
    .sort((a, b) => a.workspace.localeCompare(b.workspace));
}

/** Requests in the order they are answered: pending ones first, oldest first; then the answered ones, newest answer first. */
export function pendingFirst(list: ConnectorRequest[]): ConnectorRequest[] {
  const pending = list.filter((r) => r.status === "pending").sort((a, b) => a.created_at.localeCompare(b.created_at));
  const answered = list.filter((r) => r.status !== "pending")
    .sort((a, b) => (b.answered_at ?? b.created_at).localeCompare(a.answered_at ?? a.created_at));
  return [...pending, ...answered];
}

/** A risk level. */
export type RiskLevel = InventoryItem["risk_level"];

/** The level of a risk score, as the inventory gives it: below 30 low, below 60 medium, else high. */
export function riskLevel(score: number): RiskLevel {
  return score < 30 ? "low" : score < 60 ? "medium" : "high";
}

/** The colour of each risk level's badge. */
export const riskColor: Record<RiskLevel, string> = { low: "green", medium: "yellow", high: "red" };

/** A person by name, else email, else the id the API gave. */
export function personName(users: User[] | undefined, id: string): string {
  if (!id) return "";
  const u = users?.find((x) => x.id === id);
  return u ? u.name || u.email : id;
}

/** The inventory's filters, read from the address. */
export function inventoryQuery(q: URLSearchParams): InventoryQuery {
  const risk = q.get("risk");
  return { orphaned: q.get("orphaned") === "1", risk: risk === "low" || risk === "medium" || risk === "high" ? risk : undefined };
}

/** The flows the filters let through. */
export function filterInventory(items: InventoryItem[], q: InventoryQuery): InventoryItem[] {
  return items.filter((it) => (!q.orphaned || it.orphaned) && (!q.risk || it.risk_level === q.risk));
}

/** A share from 0 to 1 as a whole percentage ("12%"); below 1% but above 0 is "<1%". */
export function percent(rate: number): string {
  if (rate > 0 && rate < 0.01) return "<1%";
  return `${Math.round(rate * 100)}%`;
}

/** Runs a day, with one decimal when there are few. */
export function perDay(n: number): string {
  return n >= 10 ? String(Math.round(n)) : String(Math.round(n * 10) / 10);
}

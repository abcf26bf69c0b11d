import { api, must, type AuditEvent } from "../api/client";
import type { AuditQuery } from "../router";

/** The actions the audit log records, in words, grouped by what they change. */
export const auditActions: { group: string; items: { value: string; label: string }[] }[] = [
  {
    group: "Flows",
    items: [
      { value: "flow", label: "Any change to a flow" },
      { value: "flow.apply", label: "Flow saved (flow.apply)" },
      { value: "flow.enable", label: "Flow turned on (flow.enable)" },
      { value: "flow.disable", label: "Flow turned off (flow.disable)" },
      { value: "flow.delete", label: "Flow deleted (flow.delete)" },
    ],
  },
  {
    group: "Connections",
    items: [
      { value: "connection", label: "Any change to a connection" },
      { value: "connection.create", label: "Connection created (connection.create)" },
      { value: "connection.update", label: "Connection changed (connection.update)" },
      { value: "connection.secret_changed", label: "Secret set, changed or cleared (connection.secret_changed)" },
      { value: "connection.delete", label: "Connection deleted (connection.delete)" },
    ],
  },
  { group: "Installation", items: [{ value: "secrets.rotate", label: "Secrets sealed with a new key (secrets.rotate)" }] },
];

const actionWords: Record<string, string> = {
  "flow.apply": "Flow saved",
  "flow.enable": "Flow turned on",
  "flow.disable": "Flow turned off",
  "flow.delete": "Flow deleted",
  "connection.create": "Connection created",
  "connection.update": "Connection changed",
  "connection.secret_changed": "Secret changed",
  "connection.delete": "Connection deleted",
  "secrets.rotate": "Secrets sealed with a new key",
};

/** An action in words ("Flow saved"); an action this page does not know stays as recorded. */
export function actionLabel(action: string): string {
  return actionWords[action] ?? action;
}

/** Who made a change, in words: a token by its name, the command line with its user, or Bistro itself. */
export function actorLabel(e: Pick<AuditEvent, "actor">): string {
  const a = e.actor;
  if (a.kind === "system") return "Bistro";
  if (a.kind === "cli") return `Command line${a.id ? ` (${a.id})` : ""}`;
  return a.name || a.id || a.kind;
}

/** The audit log's filters and page, read from the address. */
export function auditQuery(q: URLSearchParams): AuditQuery {
  const before = Number(q.get("before") ?? "");
  return {
    action: q.get("action") ?? "", target: q.get("target") ?? "", actor: q.get("actor") ?? "",
    since: q.get("since") ?? "", until: q.get("until") ?? "", before: before > 0 ? Math.floor(before) : undefined,
  };
}

const pad = (n: number) => String(n).padStart(2, "0");

/** An RFC 3339 time as a date-and-time box shows it, in the reader's time zone ("" when there is none). */
export function toLocalInput(iso?: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (isNaN(d.getTime())) return "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A date-and-time box's value (the reader's time zone) as RFC 3339 in UTC ("" when empty or not a time). */
export function fromLocalInput(value: string): string {
  if (!value) return "";
  const d = new Date(value);
  return isNaN(d.getTime()) ? "" : d.toISOString();
}

/** An event's time with seconds, in the reader's time zone. */
export function eventTime(ts: string): string {
  const d = new Date(ts);
  return isNaN(d.getTime()) ? ts : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

/** The file name of an export made at now: bistro-audit-20261102-0930.jsonl. */
export function exportFileName(now: Date): string {
  return `bistro-audit-${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}.jsonl`;
}

/**
 * Downloads the export of the events the filters select (all pages,
 * oldest first, as JSON lines). The token goes in the header, as for every
 * request, never in the address; the answer becomes a file in the browser.
 */
export async function downloadAuditExport(q: AuditQuery, now = new Date()): Promise<void> {
  const query = { action: q.action || undefined, target: q.target || undefined, actor: q.actor || undefined, since: q.since || undefined, until: q.until || undefined };
  const blob = must(await api.GET("/api/v1/audit/export", { params: { query }, parseAs: "blob" })) as Blob;
  const url = URL.createObjectURL(blob);
  try {
    const a = document.createElement("a");
    a.href = url;
    a.download = exportFileName(now);
    document.body.appendChild(a);
    a.click();
    a.remove();
  } finally {
    // The click has handed the file to the browser; the address is not needed after it.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
}

// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { AuditEvent } from "../api/client";

// The API client picks up fetch when it is created, so the stub is in place
// before the page (and the client) are imported.
const fetchMock = vi.fn<typeof fetch>();
vi.stubGlobal("fetch", fetchMock);
vi.stubGlobal("scrollTo", () => {});
const { AuditPage } = await import("./AuditPage");
const { auditQuery, actorLabel, exportFileName, fromLocalInput, toLocalInput } = await import("./audit");
const { useLocation } = await import("../router");
const { setToken, clearToken } = await import("../api/auth");

beforeEach(() => setToken("bst_secret_token"));

afterEach(() => {
  cleanup();
  fetchMock.mockReset();
  clearToken();
  history.replaceState(null, "", "/");
});

function json(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

const applied: AuditEvent = {
  seq: 42, id: "ev-42", time: "2026-11-02T09:30:00.120000Z", workspace: "default",
  actor: { kind: "token", id: "tok-1", name: "admin (first start)" }, source: "192.0.2.7", action: "flow.apply",
  target: { kind: "flow", id: "flow-1", name: "Greet a lead" }, before: { version: 1, document_sha256: "aa" },
  after: { version: 2, document_sha256: "bb", enabled: true }, prev_hash: "h41", hash: "h42",
};
const created: AuditEvent = {
  seq: 41, id: "ev-41", time: "2026-11-02T09:00:00Z", workspace: "default", actor: { kind: "cli", id: "ann" },
  source: "command line on box", action: "connection.create", target: { kind: "connection", id: "c-1", name: "crm-db" },
  after: { connector: "postgres", secrets: { password: "set" } }, prev_hash: "h40", hash: "h41",
};

// serve answers the list (two events, then "next" 41) and the export.
function serve() {
  const sent: Request[] = [];
  fetchMock.mockImplementation(async (input) => {
    const req = input as Request;
    sent.push(req);
    const u = new URL(req.url);
    if (u.pathname === "/api/v1/audit") return json(200, u.searchParams.get("before") ? { events: [created] } : { events: [applied, created], next: 41 });
    if (u.pathname === "/api/v1/audit/export") {
      return new Response(JSON.stringify(created) + "\n" + JSON.stringify(applied) + "\n", { status: 200, headers: { "Content-Type": "application/x-ndjson" } });
    }
    throw new Error(`unexpected request ${req.method} ${u.pathname}`);
  });
  return sent;
}

// Routed shows the page for the address, as the app does.
function Routed() {
  const { query } = useLocation();
  return <AuditPage query={auditQuery(query)} />;
}

function show(at = "/audit") {
  history.replaceState(null, "", at);
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(<MantineProvider env="test"><QueryClientProvider client={qc}><Routed /></QueryClientProvider></MantineProvider>);
}

describe("AuditPage", () => {
  it("lists each event with when, who, from where, what and what it changed", async () => {
    serve();
    show();
    const table = await screen.findByRole("table", { name: "Audit events" });
    const [, first, second] = within(table).getAllByRole("row");
    for (const want of ["admin (first start)", "192.0.2.7", "Flow saved", "flow.apply", "Greet a lead"]) expect(first.textContent).toContain(want);
    expect(within(first).getByRole("link", { name: "Greet a lead" }).getAttribute("href")).toBe("/flows/Greet%20a%20lead");
    for (const want of ["Command line (ann)", "command line on box", "connection.create", "crm-db"]) expect(second.textContent).toContain(want);
  });

  it("shows an event's before and after as JSON", async () => {
    serve();
    show();
    fireEvent.click(await screen.findByRole("button", { name: "Details of event 42: flow.apply of Greet a lead" }));
    const dialog = await screen.findByRole("dialog", { name: "Flow saved · event 42" });
    expect(JSON.parse(within(dialog).getByLabelText("Before (JSON)").textContent ?? "")).toEqual(applied.before);
    expect(JSON.parse(within(dialog).getByLabelText("After (JSON)").textContent ?? "")).toEqual(applied.after);
    expect(within(dialog).getByText("192.0.2.7")).toBeTruthy();
    expect(within(dialog).getByRole("link", { name: "See the versions of Greet a lead" }).getAttribute("href")).toBe("/flows/Greet%20a%20lead?tab=history");
    fireEvent.click(screen.getByRole("button", { name: "Details of event 41: connection.create of crm-db" }));
    expect(await screen.findByText("It did not exist before.")).toBeTruthy();
  });

  it("filters by what, who and time, kept in the address and sent to the API", async () => {
    const sent = serve();
    show();
    await screen.findByRole("table", { name: "Audit events" });
    fireEvent.change(screen.getByLabelText("Who", { exact: false }), { target: { value: " ann " } });
    fireEvent.change(screen.getByLabelText("From", { exact: false }), { target: { value: "2026-11-02T10:30" } });
    fireEvent.click(screen.getByRole("button", { name: "Show" }));
    const since = new Date("2026-11-02T10:30").toISOString();
    expect(location.pathname + location.search).toBe(`/audit?actor=ann&since=${encodeURIComponent(since)}`);
    await waitFor(() => expect(sent.some((r) => r.url.includes("actor=ann") && r.url.includes(`since=${encodeURIComponent(since)}`))).toBe(true));
    // The boxes show the filters of the address.
    expect((screen.getByLabelText("From", { exact: false }) as HTMLInputElement).value).toBe("2026-11-02T10:30");
    fireEvent.click(screen.getByRole("button", { name: "Clear filters" }));
    expect(location.search).toBe("");
  });

  it("pages to older events with 'before'", async () => {
    const sent = serve();
    show();
    await screen.findByRole("table", { name: "Audit events" });
    expect((screen.getByRole("button", { name: "← Newest" }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole("button", { name: "Older events →" }));
    expect(location.search).toBe("?before=41");
    await waitFor(() => expect(sent.some((r) => new URL(r.url).searchParams.get("before") === "41")).toBe(true));
    await waitFor(() => expect(within(screen.getByRole("table", { name: "Audit events" })).getAllByRole("row")).toHaveLength(2));
    expect((screen.getByRole("button", { name: "Older events →" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("downloads the export with the token in the header, never in the address", async () => {
    const sent = serve();
    const blobs: Blob[] = [];
    URL.createObjectURL = vi.fn((b: Blob) => {
      blobs.push(b);
      return "blob:export";
    });
    URL.revokeObjectURL = vi.fn();
    const clicked: string[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(`${this.href} ${this.download}`);
    });
    show("/audit?action=flow&before=41");
    fireEvent.click(await screen.findByRole("button", { name: "Export (JSON lines)" }));
    await waitFor(() => expect(clicked).toHaveLength(1));
    click.mockRestore();
    const req = sent.find((r) => new URL(r.url).pathname === "/api/v1/audit/export")!;
    expect(req.headers.get("Authorization")).toBe("Bearer bst_secret_token");
    expect(req.url).not.toContain("bst_secret_token");
    // The filters go with it, the page does not: the export is every page.
    expect(new URL(req.url).search).toBe("?action=flow");
    expect(clicked[0]).toMatch(/^blob:export bistro-audit-\d{8}-\d{4}\.jsonl$/);
    expect((await blobs[0].text()).split("\n")[0]).toBe(JSON.stringify(created));
  });

  it("shows why an export failed", async () => {
    serve();
    show();
    await screen.findByRole("table", { name: "Audit events" });
    fetchMock.mockImplementation(async () => json(403, { status: 403, title: "Forbidden", detail: "this API token is not allowed to do this", code: "forbidden" }));
    fireEvent.click(screen.getByRole("button", { name: "Export (JSON lines)" }));
    expect(await screen.findByText("You may not do that")).toBeTruthy();
  });
});

describe("audit helpers", () => {
  it("reads the filters and page from the address", () => {
    expect(auditQuery(new URLSearchParams("action=flow&target=crm-db&before=12"))).toEqual({ action: "flow", target: "crm-db", actor: "", since: "", until: "", before: 12 });
    expect(auditQuery(new URLSearchParams("before=nope")).before).toBeUndefined();
  });

  it("turns times of the date boxes into RFC 3339 and back", () => {
    const iso = fromLocalInput("2026-11-02T09:30");
    expect(iso).toBe(new Date(2026, 10, 2, 9, 30).toISOString());
    expect(toLocalInput(iso)).toBe("2026-11-02T09:30");
    expect(fromLocalInput("")).toBe("");
    expect(toLocalInput("not a time")).toBe("");
  });

  it("names who made a change", () => {
    expect(actorLabel({ actor: { kind: "token", id: "t1", name: "ci" } })).toBe("ci");
    expect(actorLabel({ actor: { kind: "token", id: "t1" } })).toBe("t1");
    expect(actorLabel({ actor: { kind: "system" } })).toBe("Bistro");
  });

  it("names the export file after the time", () => {
    expect(exportFileName(new Date(2026, 10, 2, 9, 5))).toBe("bistro-audit-20261102-0905.jsonl");
  });
});

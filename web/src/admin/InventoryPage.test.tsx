// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { InventoryItem } from "../api/client";
import type { InventoryQuery } from "../router";

// The API client picks up fetch when it is created, so the stub is in place
// before the page (and the client) are imported.
const fetchMock = vi.fn<typeof fetch>();
vi.stubGlobal("fetch", fetchMock);
vi.stubGlobal("scrollTo", () => {});
const { InventoryPage } = await import("./InventoryPage");
const { setToken, clearToken, signedIn, signedOut } = await import("../api/auth");

afterEach(() => {
  cleanup();
  fetchMock.mockReset();
  clearToken();
  signedOut();
  history.replaceState(null, "", "/");
});

function json(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

const item = (o: Partial<InventoryItem>): InventoryItem => ({
  workspace: "default", flow: "Greet a lead", enabled: true, trigger: "webhook", version: 2, updated_at: "2026-11-02T09:00:00Z",
  owner: "u-1", owner_email: "ada@example.com", orphaned: false, connectors: [], connections: [], destinations: [],
  runs_per_day: 0, failure_rate: 0, risk: 0, risk_level: "low", risk_reasons: [], ...o,
});

const greet = item({ connectors: ["postgres"], runs_per_day: 12.4, failure_rate: 0.25, last_run_at: "2026-11-02T10:00:00Z" });
const tell = item({
  workspace: "sales", flow: "Tell sales", owner: "u-9", owner_email: "gone@example.com", orphaned: true, enabled: false,
  connectors: ["chat"], destinations: ["hooks.example.com", "chat"], risk: 72, risk_level: "high", risk_reasons: ["calls hooks.example.com", "sends messages with chat"],
});

const users = [
  { id: "u-1", email: "ada@example.com", name: "Ada", admin: true, active: true },
  { id: "u-2", email: "bo@example.com", name: "Bo Builder", admin: false, active: true },
  { id: "u-3", email: "vi@example.com", name: "Vi Viewer", admin: false, active: true },
  { id: "u-9", email: "gone@example.com", name: "Gone", admin: false, active: false },
];

function serve() {
  const sent: { key: string; body: unknown; workspace: string | null; auth: string | null }[] = [];
  fetchMock.mockImplementation(async (input) => {
    const req = input as Request;
    const key = `${req.method} ${decodeURIComponent(new URL(req.url).pathname)}`;
    const text = await req.text();
    sent.push({ key, body: text ? JSON.parse(text) : undefined, workspace: req.headers.get("Bistro-Workspace"), auth: req.headers.get("Authorization") });
    if (key === "GET /api/v1/inventory") return json(200, { flows: [greet, tell], orphaned: 1 });
    if (key === "GET /api/v1/users") return json(200, { users });
    if (key === "GET /api/v1/workspaces/sales/members") {
      return json(200, { members: [{ user_id: "u-2", email: "bo@example.com", name: "Bo Builder", role: "builder", source: "manual" }, { user_id: "u-3", email: "vi@example.com", name: "Vi Viewer", role: "viewer", source: "manual" }] });
    }
    if (key === "PUT /api/v1/flows/Tell sales/owner") return json(200, { name: "Tell sales", owner: "u-2" });
    if (key === "GET /api/v1/inventory/export") return new Response("workspace,flow\ndefault,Greet a lead\n", { status: 200, headers: { "Content-Type": "text/csv" } });
    throw new Error(`unexpected request ${key}`);
  });
  return sent;
}

function show(query: InventoryQuery = {}) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(<MantineProvider env="test"><QueryClientProvider client={qc}><InventoryPage query={query} /></QueryClientProvider></MantineProvider>);
}

const me = { admin: true, via: "session" as const, workspace: "default", workspaces: [] };

describe("InventoryPage", () => {
  it("lists every flow with its owner or orphaned, on/off, connectors, runs and risk with its reasons", async () => {
    signedIn(me);
    serve();
    show();
    const table = await screen.findByRole("table", { name: "Flows" });
    const [, first, second] = within(table).getAllByRole("row");
    for (const want of ["default", "Greet a lead", "ada@example.com", "On", "postgres", "12", "25%"]) expect(first.textContent).toContain(want);
    // A flow of the admin's own workspace links to its page; another workspace's cannot.
    expect(within(first).getByRole("link", { name: "Greet a lead" }).getAttribute("href")).toBe("/flows/Greet%20a%20lead");
    expect(within(second).queryByRole("link")).toBeNull();
    expect(within(second).getByText("orphaned")).toBeTruthy();
    expect(within(second).getByText("Off")).toBeTruthy();
    expect(second.textContent).toContain("hooks.example.com, chat");
    expect(within(second).getByLabelText("Risk high (72): calls hooks.example.com; sends messages with chat")).toBeTruthy();
    expect(screen.getByLabelText("Only orphaned flows (1)")).toBeTruthy();
  });

  it("shows only what the filters let through", async () => {
    serve();
    show({ orphaned: true });
    const table = await screen.findByRole("table", { name: "Flows" });
    expect(within(table).getAllByRole("row")).toHaveLength(2);
    expect(within(table).getByText("Tell sales")).toBeTruthy();
    cleanup();
    show({ risk: "medium" });
    expect(await screen.findByText("No flow matches these filters.")).toBeTruthy();
  });

  it("reassigns a flow to a builder of its workspace, sending the workspace", async () => {
    const sent = serve();
    show();
    fireEvent.click(await screen.findByRole("button", { name: "Reassign Tell sales in sales" }));
    const dialog = await screen.findByRole("dialog", { name: "Reassign Tell sales" });
    fireEvent.click(await within(dialog).findByRole("combobox", { name: /^New owner/ }));
    // Builders and owners of the workspace, and platform admins; not viewers, nor who left.
    expect((await screen.findAllByRole("option")).map((o) => o.textContent)).toEqual(["Ada (ada@example.com)", "Bo Builder (bo@example.com)"]);
    fireEvent.click(screen.getByRole("option", { name: "Bo Builder (bo@example.com)" }));
    fireEvent.click(within(dialog).getByRole("button", { name: "Reassign" }));
    expect(await screen.findByText("Bo Builder (bo@example.com) owns Tell sales now")).toBeTruthy();
    const put = sent.find((s) => s.key === "PUT /api/v1/flows/Tell sales/owner");
    expect(put?.body).toEqual({ owner: "u-2" });
    expect(put?.workspace).toBe("sales");
  });

  it("downloads the CSV with a plain link under a session, and with the token in the header otherwise", async () => {
    serve();
    show();
    const link = await screen.findByRole("link", { name: "Download CSV" });
    expect(link.getAttribute("href")).toBe("/api/v1/inventory/export");
    cleanup();

    setToken("bst_secret");
    const sent = serve();
    const made: Blob[] = [];
    URL.createObjectURL = vi.fn((b: Blob) => { made.push(b); return "blob:x"; });
    URL.revokeObjectURL = vi.fn();
    show();
    fireEvent.click(await screen.findByRole("button", { name: "Download CSV" }));
    await vi.waitFor(() => expect(made).toHaveLength(1));
    expect(await made[0].text()).toContain("Greet a lead");
    expect(sent.find((s) => s.key === "GET /api/v1/inventory/export")?.auth).toBe("Bearer bst_secret");
  });
});

// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import type { ConnectorInfo } from "../api/client";

// The API client picks up fetch when it is created, so the stub is in place
// before the components (and the client) are imported.
const fetchMock = vi.fn<typeof fetch>();
vi.stubGlobal("fetch", fetchMock);
const { ConnectorPicker } = await import("./ConnectorPicker");
const { Catalogue } = await import("../editor/Catalogue");
const { catalogue } = await import("../editor/catalogue");
const { signedIn, signedOut } = await import("../api/auth");

afterEach(() => {
  cleanup();
  fetchMock.mockReset();
  signedOut();
});

function answer(status: number, body?: unknown) {
  const type = status >= 400 ? "application/problem+json" : "application/json";
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": type } });
}

// route answers each request by "METHOD /path"; it records what was sent.
function route(answers: Record<string, () => Response>) {
  const sent: { key: string; body: unknown }[] = [];
  fetchMock.mockImplementation(async (input) => {
    const req = input as Request;
    const key = `${req.method} ${new URL(req.url).pathname}`;
    const text = await req.text();
    sent.push({ key, body: text ? JSON.parse(text) : undefined });
    const a = answers[key];
    if (!a) throw new Error(`unexpected request ${key}`);
    return a();
  });
  return sent;
}

function wrap(node: ReactNode) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<MantineProvider env="test"><QueryClientProvider client={qc}>{node}</QueryClientProvider></MantineProvider>);
}

const settings = { type: "object", properties: { url: { type: "string" } } };
const chat: ConnectorInfo = {
  name: "chat", title: "Team chat", category: "messaging", description: "Posts to Slack or Teams.", version: "1", built_in: false, access: "blocked",
  config_schema: settings, triggers: [],
  actions: [{ id: "chat.send", name: "send", title: "Send a message", description: "Posts a message.", output: "", side_effects: true, idempotent: false, batch: false, step: true, input_schema: {} }],
};
const postgres: ConnectorInfo = { ...chat, name: "postgres", title: "PostgreSQL", category: "database", description: "Rows.", access: "review", actions: [] };
const redis: ConnectorInfo = { ...chat, name: "redis", title: "Redis", category: "database", description: "Keys.", access: "approved", actions: [] };

const builder = { admin: false, via: "session" as const, workspace: "default", workspaces: [{ id: "default", name: "Default", role: "builder" as const }] };

describe("ConnectorPicker", () => {
  it("shows a blocked connector as blocked, not to pick, and one IT reviews with its badge", () => {
    const picked = vi.fn();
    wrap(<ConnectorPicker connectors={[chat, postgres, redis]} onPick={picked} />);
    const blocked = screen.getByRole("group", { name: "Team chat (blocked)" });
    expect(within(blocked).getByText("Blocked")).toBeTruthy();
    expect(screen.queryByRole("button", { name: /^Team chat/ })).toBeNull();
    expect(within(screen.getByRole("button", { name: /^PostgreSQL/ })).getByText("Reviewed by IT")).toBeTruthy();
    expect(within(screen.getByRole("button", { name: /^Redis/ })).queryByText("Reviewed by IT")).toBeNull();
    // Enter picks the only match, but never a blocked one.
    fireEvent.change(screen.getByLabelText("Search connectors"), { target: { value: "chat" } });
    fireEvent.keyDown(screen.getByLabelText("Search connectors"), { key: "Enter" });
    expect(picked).not.toHaveBeenCalled();
  });

  it("asks IT for a blocked connector with a reason, which is needed", async () => {
    signedIn(builder);
    const sent = route({
      "POST /api/v1/connector-requests": () => answer(201, { id: "r-1", workspace: "default", connector: "chat", reason: "Post won deals", requested_by: "u-2", status: "pending", created_at: "2026-11-02T09:00:00Z" }),
    });
    wrap(<ConnectorPicker connectors={[chat]} onPick={vi.fn()} />);
    fireEvent.click(screen.getByRole("button", { name: "Request access to Team chat" }));
    const dialog = await screen.findByRole("dialog", { name: "Request access to Team chat" });
    fireEvent.click(within(dialog).getByRole("button", { name: "Send the request" }));
    expect(await within(dialog).findByText("Say what you need it for, so that IT can decide.")).toBeTruthy();
    expect(sent).toHaveLength(0);
    fireEvent.change(within(dialog).getByLabelText(/What do you need it for/), { target: { value: "  Post won deals " } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Send the request" }));
    expect(await within(dialog).findByText("Sent to IT")).toBeTruthy();
    expect(sent[0]).toEqual({ key: "POST /api/v1/connector-requests", body: { connector: "chat", reason: "Post won deals" } });
  });

  it("shows the server's words when the connector is allowed already", async () => {
    signedIn(builder);
    route({
      "POST /api/v1/connector-requests": () => answer(409, { status: 409, code: "conflict", detail: "the connector 'chat' is already allowed in workspace 'default'" }),
      "GET /api/v1/connectors": () => answer(200, { connectors: [] }),
    });
    wrap(<ConnectorPicker connectors={[chat]} onPick={vi.fn()} />);
    fireEvent.click(screen.getByRole("button", { name: "Request access to Team chat" }));
    const dialog = await screen.findByRole("dialog");
    fireEvent.change(within(dialog).getByLabelText(/What do you need it for/), { target: { value: "Post won deals" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Send the request" }));
    const alert = await within(dialog).findByRole("alert");
    expect(within(alert).getByText("No need to ask")).toBeTruthy();
    expect(within(alert).getByText("The connector 'chat' is already allowed in workspace 'default'.")).toBeTruthy();
  });

  it("sends a platform admin to the catalogue instead", () => {
    signedIn({ ...builder, admin: true });
    wrap(<ConnectorPicker connectors={[chat]} onPick={vi.fn()} />);
    expect(screen.queryByRole("button", { name: "Request access to Team chat" })).toBeNull();
    expect(screen.getByRole("link", { name: "Change it in the catalogue" }).getAttribute("href")).toBe("/admin/catalogue");
  });
});

describe("Catalogue (the editor's steps)", () => {
  it("offers a blocked connector's actions only to ask for, and marks those IT reviews", () => {
    signedIn(builder);
    const picked = vi.fn();
    const http: ConnectorInfo = { ...redis, name: "http", title: "HTTP", built_in: true, access: "review" };
    const pg: ConnectorInfo = { ...postgres, actions: [{ ...chat.actions![0], id: "postgres.insert", title: "Insert a row" }] };
    wrap(<Catalogue items={catalogue([chat, pg, http])} where="" onPick={picked} onCancel={vi.fn()} />);
    const blocked = screen.getByRole("group", { name: "Team chat: Send a message (blocked)" });
    expect(within(blocked).getByRole("button", { name: "Request access to Team chat" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Add Team chat: Send a message" })).toBeNull();
    expect(within(screen.getByRole("button", { name: "Add PostgreSQL: Insert a row" })).getByText("Reviewed by IT")).toBeTruthy();
    // The http step is the built-in http connector's.
    expect(within(screen.getByRole("button", { name: "Add HTTP request" })).getByText("Reviewed by IT")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Search steps"), { target: { value: "send a message" } });
    fireEvent.keyDown(screen.getByLabelText("Search steps"), { key: "Enter" });
    expect(picked).not.toHaveBeenCalled();
  });
});

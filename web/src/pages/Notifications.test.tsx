// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { Notification } from "../api/client";

// The API client picks up fetch when it is created, so the stub is in place
// before the bell (and the client) are imported.
const fetchMock = vi.fn<typeof fetch>();
vi.stubGlobal("fetch", fetchMock);
vi.stubGlobal("scrollTo", () => {});
const { NotificationBell, newestFirst, notificationHref } = await import("./Notifications");

afterEach(() => {
  cleanup();
  fetchMock.mockReset();
  history.replaceState(null, "", "/");
});

function json(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

const older: Notification = {
  id: "n-1", kind: "flow_owner", message: "You now own the flow 'Greet a lead' in workspace 'default'.", link: "/flows/Greet a lead",
  created_at: "2026-11-02T09:00:00Z", read_at: "2026-11-02T09:05:00Z",
};
const newer: Notification = {
  id: "n-2", kind: "connector_request", message: "Bo asks for the connector 'chat' in workspace 'default': Post won deals",
  link: "/admin/connectors", created_at: "2026-11-02T10:00:00Z",
};

// serve answers the list (oldest first, to check the order) and marks one read.
function serve() {
  const state = { list: [older, newer] };
  const sent: string[] = [];
  fetchMock.mockImplementation(async (input) => {
    const req = input as Request;
    const key = `${req.method} ${new URL(req.url).pathname}`;
    sent.push(key);
    if (key === "GET /api/v1/notifications") return json(200, { notifications: state.list, unread: state.list.filter((n) => !n.read_at).length });
    if (key === "POST /api/v1/notifications/n-2/read") {
      state.list = state.list.map((n) => (n.id === "n-2" ? { ...n, read_at: "2026-11-02T10:01:00Z" } : n));
      return new Response(null, { status: 204 });
    }
    throw new Error(`unexpected request ${key}`);
  });
  return sent;
}

function show() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(<MantineProvider env="test"><QueryClientProvider client={qc}><NotificationBell /></QueryClientProvider></MantineProvider>);
}

describe("NotificationBell", () => {
  it("counts the unread ones, lists them newest first, and opening one marks it read and follows its link", async () => {
    const sent = serve();
    show();
    const bell = await screen.findByRole("button", { name: "Notifications: 1 unread" });
    fireEvent.click(bell);
    const items = await screen.findAllByRole("menuitem");
    expect(items.map((i) => i.getAttribute("aria-label"))).toEqual([`New: ${newer.message}`, older.message]);
    fireEvent.click(items[0]);
    expect(location.pathname).toBe("/admin/requests");
    await screen.findByRole("button", { name: "Notifications" });
    expect(sent).toContain("POST /api/v1/notifications/n-2/read");
  });

  it("marks nothing when a read one is opened again", async () => {
    const sent = serve();
    show();
    fireEvent.click(await screen.findByRole("button", { name: /^Notifications/ }));
    const menu = await screen.findByRole("menu");
    fireEvent.click(within(menu).getByRole("menuitem", { name: older.message }));
    expect(location.pathname).toBe("/flows/Greet%20a%20lead");
    expect(sent.filter((k) => k.startsWith("POST"))).toEqual([]);
  });

  it("says so when there are none", async () => {
    fetchMock.mockImplementation(async () => json(200, { notifications: null, unread: 0 }));
    show();
    fireEvent.click(await screen.findByRole("button", { name: "Notifications" }));
    expect(await screen.findByText(/^Nothing yet\./)).toBeTruthy();
  });
});

describe("notificationHref", () => {
  it("leads to the app's page for what the link names", () => {
    expect(notificationHref("/admin/connectors")).toBe("/admin/requests");
    expect(notificationHref("/connectors")).toBe("/new-connection");
    expect(notificationHref("/admin/reviews")).toBe("/admin/reviews");
    expect(notificationHref("/flows/Take orders?")).toBe("/flows/Take%20orders%3F");
    expect(notificationHref("https://elsewhere.example/")).toBe("");
    expect(notificationHref(undefined)).toBe("");
  });

  it("orders newest first", () => {
    expect(newestFirst([older, newer]).map((n) => n.id)).toEqual(["n-2", "n-1"]);
  });
});

// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { Me } from "./api/auth";

const fetchMock = vi.fn<typeof fetch>();
vi.stubGlobal("fetch", fetchMock);
vi.stubGlobal("scrollTo", () => {});

const sam: Me = {
  admin: true, via: "session", workspace: "default", workspaces: [],
  user: { id: "u-1", email: "sam@example.com", name: "Sam Lee", admin: true, active: true, locked: false, password: true, sso: false, created_at: "2026-11-02T09:00:00Z" },
};

function json(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": status >= 400 ? "application/problem+json" : "application/json" } });
}

const unauthorized = () => json(401, { status: 401, title: "Unauthorized", code: "unauthorized", detail: "sign in first" });

// serve answers the requests the app makes; me says who GET /api/v1/me is
// (null: nobody), and flows what GET /api/v1/flows answers.
function serve(state: { me: Me | null; flows?: () => Response }) {
  const sent: Request[] = [];
  fetchMock.mockImplementation(async (input) => {
    const req = input as Request;
    sent.push(req);
    const route = `${req.method} ${new URL(req.url).pathname}`;
    switch (route) {
      case "GET /api/v1/me": return state.me ? json(200, state.me) : unauthorized();
      case "GET /api/v1/setup": return json(200, { needed: false, local: true, sso: false });
      case "DELETE /api/v1/session": state.me = null; return new Response(null, { status: 204 });
      case "GET /api/v1/flows": return state.flows?.() ?? json(200, { flows: [] });
      case "GET /api/v1/runs": return json(200, { runs: [] });
      case "GET /api/v1/notifications": return json(200, { notifications: [], unread: 0 });
    }
    throw new Error(`unexpected request ${route}`);
  });
  return sent;
}

// The session state lives in a module: each test starts the app afresh.
async function start() {
  vi.resetModules();
  const { App } = await import("./App");
  const auth = await import("./api/auth");
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(<MantineProvider env="test"><QueryClientProvider client={qc}><App /></QueryClientProvider></MantineProvider>);
  return auth;
}

beforeEach(() => sessionStorage.clear());
afterEach(() => {
  cleanup();
  fetchMock.mockReset();
  history.replaceState(null, "", "/");
});

const bo: Me = {
  admin: false, via: "session", workspace: "default", workspaces: [{ id: "default", name: "Default", role: "builder" }],
  user: { ...sam.user!, id: "u-2", email: "bo@example.com", name: "Bo Builder", admin: false },
};

describe("App", () => {
  it("shows the pages, and who is signed in, when the session cookie is still good", async () => {
    const sent = serve({ me: sam });
    await start();
    const who = await screen.findByRole("group", { name: "Signed in as" });
    expect(within(who).getByText("Sam Lee")).toBeTruthy();
    expect(within(who).getByText("sam@example.com")).toBeTruthy();
    expect(sent[0].headers.get("Authorization")).toBeNull();
    expect(sent[0].credentials).toBe("same-origin");
  });

  it("shows the sign-in page when nobody is signed in", async () => {
    serve({ me: null });
    await start();
    expect(await screen.findByRole("form", { name: "Sign in" })).toBeTruthy();
    expect(screen.queryByText(/has ended/)).toBeNull();
  });

  it("goes back to sign-in with a note when the session ends", async () => {
    // The cookie was good when the app started, and has expired since.
    serve({ me: sam, flows: unauthorized });
    await start();
    expect(await screen.findByText("Your sign-in has ended. Sign in again to go on.")).toBeTruthy();
    expect(screen.getByRole("form", { name: "Sign in" })).toBeTruthy();
  });

  it("signs out by ending the session on the server", async () => {
    const sent = serve({ me: sam });
    const auth = await start();
    fireEvent.click(await screen.findByRole("button", { name: "Sign out" }));
    expect(await screen.findByRole("form", { name: "Sign in" })).toBeTruthy();
    expect(sent.some((r) => r.method === "DELETE" && new URL(r.url).pathname === "/api/v1/session")).toBe(true);
    expect(auth.getSession()).toEqual({ kind: "out", note: undefined });
  });

  it("stays signed in, and says so, when the server cannot end the session", async () => {
    serve({ me: sam });
    const auth = await start();
    const answer = fetchMock.getMockImplementation()!;
    fetchMock.mockImplementation(async (input) => ((input as Request).method === "DELETE" ? Promise.reject(new TypeError("Failed to fetch")) : answer(input)));
    fireEvent.click(await screen.findByRole("button", { name: "Sign out" }));
    const alert = await screen.findByRole("alert");
    expect(within(alert).getByText("You are still signed in")).toBeTruthy();
    expect(auth.getSession().kind).toBe("in");
  });

  it("signs out of a token by forgetting it", async () => {
    sessionStorage.setItem("bistro.token", "bistro_tok");
    const sent = serve({ me: { admin: true, via: "token", token_name: "deploy script", workspace: "default", workspaces: [] } });
    const auth = await start();
    expect(within(await screen.findByRole("group", { name: "Signed in as" })).getByText("deploy script")).toBeTruthy();
    expect(sent[0].headers.get("Authorization")).toBe("Bearer bistro_tok");
    fireEvent.click(screen.getByRole("button", { name: "Sign out" }));
    await screen.findByRole("form", { name: "Sign in" });
    expect(auth.getToken()).toBe("");
    expect(sent.some((r) => r.method === "DELETE")).toBe(false);
  });

  it("forgets a stored token the server no longer accepts, and says so", async () => {
    sessionStorage.setItem("bistro.token", "bistro_revoked");
    serve({ me: null });
    const auth = await start();
    expect(await screen.findByText("Your sign-in has ended. Sign in again to go on.")).toBeTruthy();
    expect(auth.getToken()).toBe("");
  });

  it("offers the admin pages to platform admins only", async () => {
    serve({ me: sam });
    await start();
    fireEvent.click(await screen.findByRole("button", { name: "Admin" }));
    const items = (await screen.findAllByRole("menuitem")).map((i) => i.textContent);
    expect(items).toEqual(expect.arrayContaining(["Connector catalogue", "Requests", "Reviews", "Inventory"]));
    cleanup();

    serve({ me: bo });
    await start();
    await screen.findByRole("group", { name: "Signed in as" });
    expect(screen.getByRole("button", { name: "Notifications" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Admin" })).toBeNull();
  });

  it("keeps the admin pages from everyone else", async () => {
    history.replaceState(null, "", "/admin/inventory");
    const sent = serve({ me: bo });
    await start();
    expect(await screen.findByText("Only platform admins can open this page.")).toBeTruthy();
    expect(sent.some((r) => new URL(r.url).pathname === "/api/v1/inventory")).toBe(false);
  });
});

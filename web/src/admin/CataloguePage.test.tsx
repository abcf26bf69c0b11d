// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { Catalogue, ConnectorInfo } from "../api/client";

// The API client picks up fetch when it is created, so the stub is in place
// before the page (and the client) are imported.
const fetchMock = vi.fn<typeof fetch>();
vi.stubGlobal("fetch", fetchMock);
const { CataloguePage } = await import("./CataloguePage");

afterEach(() => {
  cleanup();
  fetchMock.mockReset();
});

function json(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

const connector = (name: string, title: string): ConnectorInfo => ({
  name, title, category: "messaging", description: "", version: "1", built_in: false, access: "approved", config_schema: {}, actions: [], triggers: [],
});

// serve keeps a catalogue that PUT changes; a block pauses one flow.
function serve() {
  const cat: Catalogue = { default: "approved", connectors: { email: "review" }, workspaces: { sales: { chat: "approved" } } };
  const sent: { key: string; body: unknown }[] = [];
  fetchMock.mockImplementation(async (input) => {
    const req = input as Request;
    const key = `${req.method} ${new URL(req.url).pathname}`;
    const text = await req.text();
    const body = text ? JSON.parse(text) : undefined;
    sent.push({ key, body });
    if (key === "GET /api/v1/connectors") return json(200, { connectors: [connector("email", "Email"), connector("chat", "Team chat")] });
    if (key === "GET /api/v1/catalogue") return json(200, cat);
    if (key === "PUT /api/v1/catalogue/chat") {
      const ws = body.workspace as string | undefined;
      const m = ws ? (cat.workspaces[ws] ??= {}) : cat.connectors;
      if (body.status === "inherit") delete m.chat;
      else m.chat = body.status;
      const paused = body.status === "blocked" && !ws ? [{ workspace: "default", flow: "Tell sales", reason: "uses chat, which IT blocked" }] : [];
      return json(200, { catalogue: cat, paused });
    }
    throw new Error(`unexpected request ${key}`);
  });
  return sent;
}

function show() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(<MantineProvider env="test"><QueryClientProvider client={qc}><CataloguePage /></QueryClientProvider></MantineProvider>);
}

describe("CataloguePage", () => {
  it("shows each connector's platform-wide status and its workspace exceptions", async () => {
    serve();
    show();
    const email = await screen.findByRole("row", { name: "Email" });
    expect(within(email).getByText("Reviewed by IT", { selector: "span" })).toBeTruthy();
    expect((within(email).getByLabelText("Platform-wide status of Email") as HTMLSelectElement).value).toBe("review");
    const chat = screen.getByRole("row", { name: "Team chat" });
    expect((within(chat).getByLabelText("Platform-wide status of Team chat") as HTMLSelectElement).value).toBe("inherit");
    expect((within(chat).getByLabelText("Status of Team chat in sales") as HTMLSelectElement).value).toBe("approved");
  });

  it("blocks a connector only once asked again, then names the flows the block paused", async () => {
    const sent = serve();
    show();
    const chat = await screen.findByRole("row", { name: "Team chat" });
    fireEvent.change(within(chat).getByLabelText("Platform-wide status of Team chat"), { target: { value: "blocked" } });
    const dialog = await screen.findByRole("dialog", { name: "Block Team chat platform-wide?" });
    expect(sent.some((s) => s.key.startsWith("PUT"))).toBe(false);
    fireEvent.click(within(dialog).getByRole("button", { name: "Block" }));
    const done = await screen.findByRole("status");
    expect(within(done).getByText("Team chat is now blocked platform-wide")).toBeTruthy();
    expect(within(done).getByRole("list", { name: "Paused flows" }).textContent).toContain("Tell sales in default — uses chat, which IT blocked");
    expect(sent.find((s) => s.key === "PUT /api/v1/catalogue/chat")?.body).toEqual({ status: "blocked" });
    expect(within(screen.getByRole("row", { name: "Team chat" })).getByText("Blocked", { selector: "span" })).toBeTruthy();
  });

  it("removes a workspace's exception at once", async () => {
    const sent = serve();
    show();
    const chat = await screen.findByRole("row", { name: "Team chat" });
    fireEvent.change(within(chat).getByLabelText("Status of Team chat in sales"), { target: { value: "inherit" } });
    expect(await screen.findByText("Team chat in sales follows the platform-wide status again")).toBeTruthy();
    expect(sent.find((s) => s.key === "PUT /api/v1/catalogue/chat")?.body).toEqual({ status: "inherit", workspace: "sales" });
    expect(within(screen.getByRole("row", { name: "Team chat" })).queryByLabelText("Status of Team chat in sales")).toBeNull();
  });
});

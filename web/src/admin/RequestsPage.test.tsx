// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ConnectorRequest } from "../api/client";

// The API client picks up fetch when it is created, so the stub is in place
// before the page (and the client) are imported.
const fetchMock = vi.fn<typeof fetch>();
vi.stubGlobal("fetch", fetchMock);
const { RequestsPage } = await import("./RequestsPage");

afterEach(() => {
  cleanup();
  fetchMock.mockReset();
});

function json(status: number, body?: unknown) {
  const type = status >= 400 ? "application/problem+json" : "application/json";
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": type } });
}

const declined: ConnectorRequest = {
  id: "r-1", workspace: "sales", connector: "chat", reason: "Tell the team", requested_by: "u-2", status: "declined",
  answer: "Use email instead", answered_by: "u-1", created_at: "2026-11-01T09:00:00Z", answered_at: "2026-11-01T10:00:00Z",
};
const pending: ConnectorRequest = {
  id: "r-2", workspace: "sales", connector: "chat", reason: "Post won deals to #sales", requested_by: "u-2", status: "pending", created_at: "2026-11-02T09:00:00Z",
};

function serve(answer: (body: { approve: boolean; answer?: string }) => Response) {
  const state = { list: [declined, pending] };
  const sent: { key: string; body: unknown }[] = [];
  fetchMock.mockImplementation(async (input) => {
    const req = input as Request;
    const key = `${req.method} ${new URL(req.url).pathname}`;
    const text = await req.text();
    const body = text ? JSON.parse(text) : undefined;
    sent.push({ key, body });
    if (key === "GET /api/v1/connector-requests") return json(200, { requests: state.list });
    if (key === "GET /api/v1/users") return json(200, { users: [{ id: "u-2", email: "bo@example.com", name: "Bo Builder", admin: false, active: true }, { id: "u-1", email: "ada@example.com", name: "Ada", admin: true, active: true }] });
    if (key === "GET /api/v1/connectors") return json(200, { connectors: [{ name: "chat", title: "Team chat" }] });
    if (key === "POST /api/v1/connector-requests/r-2/answer") {
      const res = answer(body);
      if (res.ok) state.list = [declined, { ...pending, status: body.approve ? "approved" : "declined", answer: body.answer, answered_at: "2026-11-02T10:00:00Z" }];
      return res;
    }
    throw new Error(`unexpected request ${key}`);
  });
  return sent;
}

function show() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(<MantineProvider env="test"><QueryClientProvider client={qc}><RequestsPage /></QueryClientProvider></MantineProvider>);
}

describe("RequestsPage", () => {
  it("puts pending requests first, with who asked and why", async () => {
    serve(() => json(500));
    show();
    const list = await screen.findByRole("list", { name: "Requests" });
    const items = within(list).getAllByRole("listitem");
    expect(items[0].textContent).toContain("Bo Builder asked");
    expect(items[0].textContent).toContain("“Post won deals to #sales”");
    expect(within(items[0]).getByRole("button", { name: "Approve for sales" })).toBeTruthy();
    expect(items[1].textContent).toContain("Declined");
    expect(items[1].textContent).toContain("by Ada: “Use email instead”");
    expect(within(items[1]).queryByRole("button")).toBeNull();
    expect(screen.getByText("1 request waits for an answer.")).toBeTruthy();
  });

  it("approves with an answer and says who was told", async () => {
    const sent = serve((b) => json(200, { ...pending, status: b.approve ? "approved" : "declined", answer: b.answer }));
    show();
    const list = await screen.findByRole("list", { name: "Requests" });
    const first = within(list).getAllByRole("listitem")[0];
    fireEvent.change(within(first).getByLabelText(/^Answer/), { target: { value: "Go ahead" } });
    fireEvent.click(within(first).getByRole("button", { name: "Approve for sales" }));
    expect(await screen.findByText("Approved Team chat for sales")).toBeTruthy();
    expect(screen.getByText(/Bo Builder was told: flows of that workspace may use it now/)).toBeTruthy();
    expect(sent.find((s) => s.key === "POST /api/v1/connector-requests/r-2/answer")?.body).toEqual({ approve: true, answer: "Go ahead" });
    expect(await screen.findByText("Every request is answered.")).toBeTruthy();
  });

  it("shows the server's refusal on the request", async () => {
    serve(() => json(409, { status: 409, code: "conflict", detail: "this request was answered already (approved)" }));
    show();
    const list = await screen.findByRole("list", { name: "Requests" });
    fireEvent.click(within(within(list).getAllByRole("listitem")[0]).getByRole("button", { name: "Decline" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("This request was answered already (approved).");
  });
});

// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { Review } from "../api/client";

// The API client picks up fetch when it is created, so the stub is in place
// before the page (and the client) are imported.
const fetchMock = vi.fn<typeof fetch>();
vi.stubGlobal("fetch", fetchMock);
const { ReviewsPage } = await import("./ReviewsPage");

afterEach(() => {
  cleanup();
  fetchMock.mockReset();
});

function json(status: number, body?: unknown) {
  const type = status >= 400 ? "application/problem+json" : "application/json";
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": type } });
}

const current = "bistro: 1\nname: Tell sales\nsteps:\n  - id: note\n    log: won\n";
const review: Review = {
  id: "rv-1", workspace: "sales", flow: "Tell sales", base_version: 2, risk: 72, status: "submitted", submitted_by: "u-2", created_at: "2026-11-02T09:00:00Z",
  document: current + "  - id: post\n    http: { url: \"https://hooks.example.com/x\" }\n",
  reasons: ["calls hooks.example.com", "sends messages with chat"],
};

// serve answers the reviews, the flow's current version (in the review's
// workspace) and the threshold; approving publishes version 3.
function serve() {
  const state = { reviews: [review], threshold: 60 };
  const sent: { key: string; body: unknown; workspace: string | null }[] = [];
  fetchMock.mockImplementation(async (input) => {
    const req = input as Request;
    const u = new URL(req.url);
    const key = `${req.method} ${decodeURIComponent(u.pathname)}`;
    const text = await req.text();
    const body = text ? JSON.parse(text) : undefined;
    sent.push({ key, body, workspace: req.headers.get("Bistro-Workspace") });
    if (key === "GET /api/v1/reviews") return json(200, { reviews: u.searchParams.get("status") === "submitted" ? state.reviews.filter((r) => r.status === "submitted") : state.reviews });
    if (key === "GET /api/v1/users") return json(200, { users: [{ id: "u-2", email: "bo@example.com", name: "Bo Builder", admin: false, active: true }] });
    if (key === "GET /api/v1/flows/Tell sales") return json(200, { name: "Tell sales", version: 2, document: current });
    if (key === "GET /api/v1/review-settings") return json(200, { threshold: state.threshold });
    if (key === "PUT /api/v1/review-settings") {
      state.threshold = body.threshold;
      return json(200, { threshold: state.threshold });
    }
    if (key === "POST /api/v1/reviews/rv-1/approve") {
      state.reviews = [{ ...review, status: "approved", version: 3, comment: body?.comment }];
      return json(200, state.reviews[0]);
    }
    if (key === "POST /api/v1/reviews/rv-1/request-changes") {
      if (!body?.comment) return json(422, { status: 422, code: "invalid", detail: "say what should change, so the builder knows" });
      state.reviews = [{ ...review, status: "changes_requested", comment: body.comment }];
      return json(200, state.reviews[0]);
    }
    throw new Error(`unexpected request ${key}`);
  });
  return sent;
}

function show() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(<MantineProvider env="test"><QueryClientProvider client={qc}><ReviewsPage all={false} /></QueryClientProvider></MantineProvider>);
}

describe("ReviewsPage", () => {
  it("shows a submitted change with its risk, reasons and what it changes in the flow as it is", async () => {
    const sent = serve();
    show();
    const card = await screen.findByRole("listitem", { name: "Change to Tell sales" });
    expect(within(card).getByText("Risk 72 · high")).toBeTruthy();
    expect(within(within(card).getByRole("list", { name: "Reasons" })).getAllByRole("listitem").map((li) => li.textContent))
      .toEqual(["calls hooks.example.com", "sends messages with chat"]);
    expect(card.textContent).toContain("Submitted by Bo Builder");
    const diff = await within(card).findByLabelText("Differences of the change to Tell sales");
    expect([...diff.querySelectorAll(".bistro-diff-added")].map((l) => l.textContent)).toEqual([
      "+ added:   - id: post", "+ added:     http: { url: \"https://hooks.example.com/x\" }",
    ]);
    expect(diff.querySelectorAll(".bistro-diff-removed")).toHaveLength(0);
    expect(sent.find((s) => s.key === "GET /api/v1/flows/Tell sales")?.workspace).toBe("sales");
    fireEvent.click(within(card).getByText("Submitted document"));
    expect(within(card).getByLabelText("Submitted document of Tell sales").textContent).toBe(review.document);
  });

  it("needs a comment to request changes, and sends it", async () => {
    const sent = serve();
    show();
    const card = await screen.findByRole("listitem", { name: "Change to Tell sales" });
    fireEvent.click(within(card).getByRole("button", { name: "Request changes" }));
    expect(within(card).getByText("Say what should change, so that the builder knows.")).toBeTruthy();
    expect(sent.some((s) => s.key.endsWith("/request-changes"))).toBe(false);
    fireEvent.change(within(card).getByLabelText(/^Comment/), { target: { value: "Use the sales connection" } });
    fireEvent.click(within(card).getByRole("button", { name: "Request changes" }));
    expect(await screen.findByText("Sent Tell sales back with your comment")).toBeTruthy();
    expect(sent.find((s) => s.key === "POST /api/v1/reviews/rv-1/request-changes")?.body).toEqual({ comment: "Use the sales connection" });
    expect(await screen.findByText("Nothing waits for review.")).toBeTruthy();
  });

  it("approves and publishes", async () => {
    const sent = serve();
    show();
    const card = await screen.findByRole("listitem", { name: "Change to Tell sales" });
    fireEvent.click(within(card).getByRole("button", { name: "Approve and publish" }));
    expect(await screen.findByText("Published Tell sales as version 3")).toBeTruthy();
    expect(sent.find((s) => s.key === "POST /api/v1/reviews/rv-1/approve")?.body).toEqual({});
  });

  it("changes the threshold", async () => {
    const sent = serve();
    show();
    const box = await screen.findByLabelText("Review changes from risk");
    expect((box as HTMLInputElement).value).toBe("60");
    fireEvent.change(box, { target: { value: "40" } });
    fireEvent.click(within(screen.getByRole("form", { name: "Review threshold" })).getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Saved: changes from risk 40 wait for review.")).toBeTruthy();
    expect(sent.find((s) => s.key === "PUT /api/v1/review-settings")?.body).toEqual({ threshold: 40 });
  });
});

// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { DeadLetter } from "../api/client";

// The API client picks up fetch when it is created, so the stub is in place
// before the page (and the client) are imported.
const fetchMock = vi.fn<typeof fetch>();
vi.stubGlobal("fetch", fetchMock);
const { DeadLettersPage } = await import("./DeadLettersPage");

afterEach(() => {
  cleanup();
  fetchMock.mockReset();
});

function json(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

const letter: DeadLetter = {
  id: "dl-1", flow: "Watch returns", run_id: "run-1", source: "postgres.new_row", message_id: "42",
  record: { id: 7, sku: "A-1" }, error: "step 'check' failed: no stock for A-1", attempts: 3, created_at: "2026-11-02T09:30:00Z",
};

// serve answers the page's requests; letters is what the list returns now.
function serve(state: { letters: DeadLetter[] }) {
  const sent: string[] = [];
  fetchMock.mockImplementation(async (input) => {
    const req = input as Request;
    const u = new URL(req.url);
    const key = `${req.method} ${u.pathname}`;
    sent.push(key);
    if (key === "GET /api/v1/dead-letters") return json(200, { dead_letters: state.letters });
    if (key === "GET /api/v1/flows") return json(200, { flows: [] });
    if (key === "POST /api/v1/dead-letters/dl-1/replay") {
      state.letters = [];
      return json(201, { id: "run-2", flow_name: "Watch returns", status: "queued", trigger: "event", created_at: "2026-11-02T09:31:00Z" });
    }
    if (key === "DELETE /api/v1/dead-letters/dl-1") {
      state.letters = [];
      return new Response(null, { status: 204 });
    }
    throw new Error(`unexpected request ${key}`);
  });
  return sent;
}

function show() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(<MantineProvider env="test"><QueryClientProvider client={qc}><DeadLettersPage flow="" /></QueryClientProvider></MantineProvider>);
}

describe("DeadLettersPage", () => {
  it("lists each message with its flow, source, id, error and attempts, and shows its record", async () => {
    serve({ letters: [letter] });
    show();
    const table = await screen.findByRole("table", { name: "Dead letters" });
    const row = within(table).getAllByRole("row")[1];
    for (const want of ["Watch returns", "postgres.new_row", "42", "no stock for A-1", "3"]) expect(row.textContent).toContain(want);
    fireEvent.click(within(row).getByRole("button", { name: /^View the dead letter of Watch returns/ }));
    const dialog = await screen.findByRole("dialog", { name: "Dead letter of Watch returns" });
    const record = within(dialog).getByRole("table", { name: "Message record" });
    expect(within(record).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["#", "id", "sku"]);
    expect(within(dialog).getByRole("link", { name: "Open the last run that failed" }).getAttribute("href")).toBe("/runs/run-1");
  });

  it("replays a message and links to the new run", async () => {
    const sent = serve({ letters: [letter] });
    show();
    const table = await screen.findByRole("table", { name: "Dead letters" });
    fireEvent.click(within(table).getByRole("button", { name: "Replay" }));
    const link = await screen.findByRole("link", { name: "Open the new run" });
    expect(link.getAttribute("href")).toBe("/runs/run-2");
    expect(sent).toContain("POST /api/v1/dead-letters/dl-1/replay");
    expect(await screen.findByText("No dead letters.")).toBeTruthy();
  });

  it("deletes a message only once asked again", async () => {
    const sent = serve({ letters: [letter] });
    show();
    const table = await screen.findByRole("table", { name: "Dead letters" });
    fireEvent.click(within(table).getByRole("button", { name: "Delete" }));
    const dialog = await screen.findByRole("dialog", { name: "Delete this dead letter?" });
    expect(sent).not.toContain("DELETE /api/v1/dead-letters/dl-1");
    fireEvent.click(within(dialog).getByRole("button", { name: "Delete" }));
    expect(await screen.findByText("No dead letters.")).toBeTruthy();
    expect(sent).toContain("DELETE /api/v1/dead-letters/dl-1");
  });
});

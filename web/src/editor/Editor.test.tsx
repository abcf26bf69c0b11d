// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { Review } from "../api/client";

// The API client picks up fetch when it is created, so the stub is in place
// before the editor (and the client) are imported.
const fetchMock = vi.fn<typeof fetch>();
vi.stubGlobal("fetch", fetchMock);
const { Editor } = await import("./Editor");
const { submittedTitle } = await import("./SubmittedNote");

afterEach(() => {
  cleanup();
  fetchMock.mockReset();
  history.replaceState(null, "", "/");
});

function json(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

const doc = `bistro: 1
name: Tell sales
trigger:
  manual: {}
steps:
  - id: note
    log: "won"
`;

const review: Review = {
  id: "rv-1", workspace: "default", flow: "Tell sales", document: doc, base_version: 3, risk: 72,
  reasons: ["calls api.example.com", "sends messages with chat"], status: "submitted", submitted_by: "u-2", created_at: "2026-11-02T09:00:00Z",
};

// serve answers the editor's requests; the save waits for review (202).
function serve() {
  const sent: string[] = [];
  fetchMock.mockImplementation(async (input) => {
    const req = input as Request;
    const key = `${req.method} ${new URL(req.url).pathname}`;
    sent.push(key);
    if (key === "GET /api/v1/connectors") return json(200, { connectors: [] });
    if (key === "POST /api/v1/flows/validate") return json(200, { problems: [] });
    if (key === "PUT /api/v1/flows") return json(202, { changed: false, flow: { name: "Tell sales", version: 3 }, review });
    throw new Error(`unexpected request ${key}`);
  });
  return sent;
}

function show() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <MantineProvider env="test">
      <QueryClientProvider client={qc}>
        <Editor initial={{ text: doc, version: 3, name: "Tell sales", savedText: doc.replace('"won"', '"lost"') }} />
      </QueryClientProvider>
    </MantineProvider>,
  );
}

describe("Editor", () => {
  it("says a save that waits for review was submitted, not saved, and keeps the document as edited", async () => {
    const sent = serve();
    show();
    const save = screen.getByRole("button", { name: "Save" });
    fireEvent.click(save);
    const note = await screen.findByText("Submitted for review: IT will publish it (risk 72: calls api.example.com; sends messages with chat)");
    expect(note.closest("[role=status]")?.textContent).toContain("the flow keeps running version 3");
    expect(screen.getByText("Submitted for review")).toBeTruthy();
    expect(screen.queryByText(/^Saved as version/)).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
    // The same document is not submitted twice.
    expect((screen.getByRole("button", { name: "Save" }) as HTMLButtonElement).disabled).toBe(true);
    expect(sent.filter((k) => k === "PUT /api/v1/flows")).toHaveLength(1);

    // The editor still holds the change; changing it again can be saved again.
    fireEvent.click(screen.getByText("YAML"));
    const box = screen.getByLabelText("The flow document (YAML)") as HTMLTextAreaElement;
    expect(box.value).toBe(doc);
    fireEvent.change(box, { target: { value: doc.replace('"won"', '"won!"') } });
    expect(screen.getByText(/You have changed the flow since/)).toBeTruthy();
    expect((screen.getByRole("button", { name: "Save" }) as HTMLButtonElement).disabled).toBe(false);
  });

  it("words a change without reasons", () => {
    expect(submittedTitle({ risk: 0, reasons: null })).toBe("Submitted for review: IT will publish it (risk 0)");
  });
});

// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { FlowVersion } from "../api/client";
import { diffSummary } from "../editor/DiffView";
import { diffLines } from "../editor/diff";

// The API client picks up fetch when it is created, so the stub is in place
// before the page (and the client) are imported.
const fetchMock = vi.fn<typeof fetch>();
vi.stubGlobal("fetch", fetchMock);
vi.stubGlobal("scrollTo", () => {});
const { FlowHistory, toggleChoice, savedBy } = await import("./FlowHistory");

afterEach(() => {
  cleanup();
  fetchMock.mockReset();
  history.replaceState(null, "", "/");
});

function json(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

const docs: Record<number, string> = {
  1: "name: leads\ntrigger: { manual: {} }\nsteps:\n  - id: clean\n    set: { a: 1 }\n",
  2: "name: leads\ntrigger: { webhook: {} }\nsteps:\n  - id: clean\n    set: { a: 1 }\n",
  3: "name: leads\n# Bo was here\ntrigger: { webhook: {} }\nsteps:\n  - id: clean\n    set: { a: 2 }\n",
};

const version = (n: number, extra: Partial<FlowVersion> = {}): FlowVersion => ({
  version: n, current: n === 3, trigger: n === 1 ? "manual" : "webhook", format: "yaml", created_at: `2026-11-0${n}T09:30:00Z`,
  created_by: "tok-1", created_by_name: n === 2 ? undefined : "admin (first start)", document_sha256: `sha${n}`, ...extra,
});

// serve answers the list and each version's document.
function serve() {
  const sent: string[] = [];
  fetchMock.mockImplementation(async (input) => {
    const req = input as Request;
    const path = new URL(req.url).pathname;
    sent.push(path);
    if (path === "/api/v1/flows/leads/versions") return json(200, { flow: "leads", versions: [version(3), version(2), version(1)] });
    const m = path.match(/^\/api\/v1\/flows\/leads\/versions\/(\d+)$/);
    if (m && docs[Number(m[1])]) return json(200, { ...version(Number(m[1])), document: docs[Number(m[1])] });
    throw new Error(`unexpected request ${req.method} ${path}`);
  });
  return sent;
}

function show() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(<MantineProvider env="test"><QueryClientProvider client={qc}><FlowHistory name="leads" /></QueryClientProvider></MantineProvider>);
}

describe("FlowHistory", () => {
  it("lists the versions newest first, with when, who and the trigger, and marks the current one", async () => {
    serve();
    show();
    const list = await screen.findByRole("list", { name: "Versions" });
    const rows = within(list).getAllByRole("listitem");
    expect(rows.map((r) => r.getAttribute("aria-label"))).toEqual(["Version 3", "Version 2", "Version 1"]);
    expect(within(rows[0]).getByText("current")).toBeTruthy();
    expect(rows[0].textContent).toContain("by admin (first start)");
    expect(rows[1].textContent).toContain("by tok-1");
    expect(within(rows[2]).getByText("By hand")).toBeTruthy();
    // The current version is not restored: it is what runs already.
    expect(within(rows[0]).queryByRole("button", { name: "Restore version 3" })).toBeNull();
    expect(within(rows[2]).getByRole("button", { name: "Restore version 1" })).toBeTruthy();
  });

  it("shows one chosen version's document, and what changed between two", async () => {
    const sent = serve();
    show();
    fireEvent.click(await screen.findByRole("checkbox", { name: "Choose version 3" }));
    const doc = await screen.findByLabelText("Document of version 3");
    expect(doc.textContent).toBe(docs[3]);

    // Chosen newest first, compared oldest first.
    fireEvent.click(screen.getByRole("checkbox", { name: "Choose version 1" }));
    const diff = await screen.findByLabelText("Differences between version 1 and version 3");
    const removed = [...diff.querySelectorAll(".bistro-diff-removed")].map((l) => l.textContent);
    const added = [...diff.querySelectorAll(".bistro-diff-added")].map((l) => l.textContent);
    expect(removed).toEqual(["− removed: trigger: { manual: {} }", "− removed:     set: { a: 1 }"]);
    expect(added).toEqual(["+ added: # Bo was here", "+ added: trigger: { webhook: {} }", "+ added:     set: { a: 2 }"]);
    expect(screen.getByText("3 lines added, 2 removed.")).toBeTruthy();
    expect(screen.getByRole("heading", { name: "Changes from version 1 to version 3" })).toBeTruthy();

    // A third choice lets go of the first.
    fireEvent.click(screen.getByRole("checkbox", { name: "Choose version 2" }));
    expect(await screen.findByLabelText("Differences between version 1 and version 2")).toBeTruthy();
    expect((screen.getByRole("checkbox", { name: "Choose version 3" }) as HTMLInputElement).checked).toBe(false);
    expect(sent.filter((p) => p === "/api/v1/flows/leads/versions/1")).toHaveLength(1);
  });

  it("restores an older version in the editor", async () => {
    serve();
    show();
    fireEvent.click(await screen.findByRole("button", { name: "Restore version 2" }));
    expect(location.pathname + location.search).toBe("/flows/leads/edit?version=2");
  });

  it("says so when the flow is gone", async () => {
    fetchMock.mockImplementation(async () => json(404, { status: 404, title: "Not Found", detail: "there is no flow called 'leads'", code: "not_found" }));
    show();
    expect(await screen.findByText("There is no flow called 'leads'.")).toBeTruthy();
  });
});

describe("toggleChoice", () => {
  it("keeps at most two versions, letting go of the one chosen first", () => {
    expect(toggleChoice([], 3)).toEqual([3]);
    expect(toggleChoice([3], 1)).toEqual([3, 1]);
    expect(toggleChoice([3, 1], 2)).toEqual([1, 2]);
    expect(toggleChoice([1, 2], 1)).toEqual([2]);
  });
});

describe("savedBy", () => {
  it("names the token when the audit log knows it, else its id", () => {
    expect(savedBy(version(1))).toBe("admin (first start)");
    expect(savedBy(version(2))).toBe("tok-1");
    expect(savedBy(version(2, { created_by: "" }))).toBe("someone");
  });
});

describe("diffSummary", () => {
  it("counts the lines added and removed", () => {
    expect(diffSummary(diffLines("a\nb\n", "a\nb\n"))).toBe("No differences: the two documents are the same.");
    expect(diffSummary(diffLines("a\n", "a\nb\n"))).toBe("1 line added.");
    expect(diffSummary(diffLines("a\nb\nc\n", "a\n"))).toBe("2 lines removed.");
  });
});

// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import type { Connection, ConnectorInfo } from "../api/client";

// The API client picks up fetch when it is created, so the stub is in place
// before the components (and the client) are imported.
const fetchMock = vi.fn<typeof fetch>();
vi.stubGlobal("fetch", fetchMock);
const { ConnectionForm, DeleteConnection, TestConnection } = await import("./ConnectionForm");
const { ConnectionSelect } = await import("./ConnectionSelect");

afterEach(() => {
  cleanup();
  fetchMock.mockReset();
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
    const key = `${req.method} ${decodeURIComponent(new URL(req.url).pathname)}`;
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

const postgres: ConnectorInfo = {
  name: "postgres", title: "PostgreSQL", category: "database", description: "Rows of a PostgreSQL database.", version: "1.0.0", built_in: false, access: "approved",
  actions: [], triggers: [],
  config_schema: {
    type: "object", additionalProperties: false, required: ["host", "database", "user"],
    properties: {
      database: { type: "string", description: "The database to connect to." },
      host: { type: "string", description: "The server's host name or IP address.", examples: ["db.internal"] },
      password: { type: "string", writeOnly: true, description: "The user's password." },
      port: { type: "integer", default: 5432, description: "The server's port." },
      user: { type: "string", description: "The user name to log in with." },
    },
  },
};

const stored: Connection = {
  name: "crm", connector: "postgres", config: { host: "db.internal", database: "crm", user: "bistro" },
  secrets: { password: { set: true } }, labels: ["pii"], created_at: "2026-11-02T09:00:00Z", updated_at: "2026-11-02T09:30:00Z",
};

const type = (label: RegExp, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });

describe("ConnectionForm", () => {
  it("sends a new connection's settings and shows the server's problems under them", async () => {
    const sent = route({
      "POST /api/v1/connections": () => answer(422, {
        status: 422, code: "invalid_connection", detail: "the connection has 2 problems, so it was not saved",
        errors: [{ location: "body.config.database", message: "'database' is required: the database to connect to." }, { location: "body.name", message: "'x y' cannot be a connection's name" }],
      }),
    });
    const saved = vi.fn();
    wrap(<ConnectionForm connector={postgres} onSaved={saved} />);
    type(/^Connection name/, "x y");
    type(/^Host/, "127.0.0.1");
    type(/^Password/, "s3cret");
    fireEvent.click(screen.getByRole("button", { name: "Save connection" }));
    expect(await screen.findByText("'database' is required: the database to connect to.")).toBeTruthy();
    expect(screen.getByLabelText(/^Database/).getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByText("'x y' cannot be a connection's name")).toBeTruthy();
    // The summary says how many; the details are under the fields, not repeated.
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain("The connection has 2 problems, so it was not saved.");
    expect(alert.textContent).not.toContain("'database' is required");
    expect(sent[0].body).toEqual({ name: "x y", connector: "postgres", labels: [], config: { host: "127.0.0.1", password: "s3cret" } });
    expect(saved).not.toHaveBeenCalled();
    // Changing a setting takes its problem away.
    type(/^Database/, "test");
    expect(screen.queryByText("'database' is required: the database to connect to.")).toBeNull();
  });

  it("never shows a stored secret: empty keeps it, Clear sends null", async () => {
    const sent = route({ "PUT /api/v1/connections/crm": () => answer(200, stored) });
    const saved = vi.fn();
    wrap(<ConnectionForm connector={postgres} existing={stored} onSaved={saved} />);
    const pw = screen.getByLabelText(/^Password/) as HTMLInputElement;
    expect(pw.type).toBe("password");
    expect(pw.value).toBe("");
    expect(pw.placeholder).toBe("set — leave empty to keep");
    expect((screen.getByLabelText(/^Host/) as HTMLInputElement).value).toBe("db.internal");
    expect(screen.queryByLabelText(/^Connection name/)).toBeNull();

    fireEvent.click(screen.getByRole("button", { name: "Save changes" }));
    await vi.waitFor(() => expect(saved).toHaveBeenCalledTimes(1));
    expect(sent[0].body).toEqual({ connector: "postgres", labels: ["pii"], config: { host: "db.internal", database: "crm", user: "bistro" } });

    fireEvent.click(screen.getByRole("button", { name: "Clear the stored password" }));
    expect(pw.placeholder).toBe("cleared when you save");
    fireEvent.click(screen.getByRole("button", { name: "Save changes" }));
    await vi.waitFor(() => expect(saved).toHaveBeenCalledTimes(2));
    expect((sent[1].body as { config: Record<string, unknown> }).config.password).toBeNull();
  });
});

describe("TestConnection", () => {
  it("says in plain words whether the connection works", async () => {
    route({ "POST /api/v1/connections/crm/test": () => answer(200, { ok: false, message: "connect: could not reach 127.0.0.1:1: connection refused" }) });
    wrap(<TestConnection name="crm" />);
    fireEvent.click(screen.getByRole("button", { name: "Test connection" }));
    expect(await screen.findByText("It does not work yet")).toBeTruthy();
    expect(screen.getByText("Connect: could not reach 127.0.0.1:1: connection refused.")).toBeTruthy();
  });
});

describe("DeleteConnection", () => {
  it("asks first, then names the flows that keep it from being deleted", async () => {
    const sent = route({
      "DELETE /api/v1/connections/crm": () => answer(409, {
        status: 409, code: "in_use", detail: "the connection 'crm' is used by 2 flows; change or delete them first",
        errors: [{ location: "flows", message: "the flow 'Take orders' uses the connection" }, { location: "flows", message: "the flow 'nightly' uses the connection" }],
      }),
    });
    const deleted = vi.fn();
    wrap(<DeleteConnection name="crm" onDeleted={deleted} />);
    fireEvent.click(screen.getByRole("button", { name: "Delete connection" }));
    expect(sent).toHaveLength(0);
    fireEvent.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Delete" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("“crm” is used by 2 flows, so it was not deleted");
    expect(alert.textContent).toContain("Used by the flows Take orders and nightly.");
    expect(within(alert).getByRole("link", { name: "Take orders" }).getAttribute("href")).toBe("/flows/Take%20orders");
    expect(deleted).not.toHaveBeenCalled();
  });
});

describe("ConnectionSelect", () => {
  it("offers the connector's connections and makes a new one in a form over the page", async () => {
    const created = { ...stored, name: "shop-db", labels: [] };
    const sent = route({
      "GET /api/v1/connections": () => answer(200, { connections: [stored, { ...stored, name: "cache", connector: "redis" }] }),
      "POST /api/v1/connections": () => answer(201, created),
    });
    const chosen = vi.fn();
    wrap(<ConnectionSelect connector="postgres" info={postgres} value="" onChange={chosen} />);
    const box = await screen.findByRole("combobox", { name: /^Connection/ });
    await screen.findByText("The PostgreSQL connection the step uses.");
    fireEvent.click(box);
    const options = (await screen.findAllByRole("option")).map((o) => o.textContent);
    expect(options).toEqual(["crm", "New connection…"]);
    fireEvent.click(screen.getByRole("option", { name: "New connection…" }));
    const dialog = await screen.findByRole("dialog", { name: "New PostgreSQL connection" });
    expect(chosen).not.toHaveBeenCalled();
    type(/^Connection name/, "shop-db");
    type(/^Host/, "127.0.0.1");
    type(/^Database/, "test");
    type(/^User/, "postgres");
    fireEvent.click(within(dialog).getByRole("button", { name: "Save connection" }));
    await vi.waitFor(() => expect(chosen).toHaveBeenCalledWith("shop-db"));
    expect(sent.find((s) => s.key === "POST /api/v1/connections")?.body).toMatchObject({ name: "shop-db", config: { host: "127.0.0.1", database: "test", user: "postgres" } });
  });
});

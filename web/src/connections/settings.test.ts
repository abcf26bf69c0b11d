import { describe, expect, it } from "vitest";
import type { ConnectorInfo } from "../api/client";
import { ApiError } from "../api/problem";
import type { Schema } from "../editor/schema";
import { fieldOrder, fromConnection, pickable, placeErrors, requestConfig, secretPaths, setIn, usedBy } from "./settings";

// Shaped like the server's postgres and http config schemas (keys come
// sorted, as Go writes maps).
const pg: Schema = {
  type: "object",
  properties: {
    ca_cert: { type: "string" }, connect_timeout: { type: "string", default: "10s" }, database: { type: "string" },
    host: { type: "string" }, max_connections: { type: "integer", default: 4 }, password: { type: "string", writeOnly: true },
    port: { type: "integer", default: 5432 }, sslmode: { type: "string", enum: ["disable", "prefer"], default: "prefer" }, user: { type: "string" },
  },
  required: ["host", "database", "user"],
};
const http: Schema = {
  type: "object",
  properties: {
    auth: {
      type: "object",
      properties: {
        basic: { type: "object", properties: { password: { type: "string", writeOnly: true }, username: { type: "string" } } },
        bearer: { type: "string", writeOnly: true },
      },
    },
    base_url: { type: "string" },
  },
  required: ["base_url"],
};

function connector(name: string, category: string, schema: Schema, title = name): ConnectorInfo {
  return { name, title, category, description: `${title} things`, version: "1", built_in: false, access: "approved", config_schema: schema as Record<string, unknown>, actions: [], triggers: [] };
}

describe("pickable", () => {
  const list = [
    connector("postgres", "database", pg, "PostgreSQL"), connector("redis", "database", { type: "object", properties: { address: { type: "string" } } }, "Redis"),
    connector("http", "web", http, "HTTP"), connector("none", "web", { type: "object", properties: {} }, "Nothing to set"),
  ];
  it("leaves out connectors without settings and sorts by title", () => {
    expect(pickable(list, "", "").map((c) => c.name)).toEqual(["http", "postgres", "redis"]);
  });
  it("matches every word, in any field", () => {
    expect(pickable(list, "postgresql", "").map((c) => c.name)).toEqual(["postgres"]);
    expect(pickable(list, "redis things", "").map((c) => c.name)).toEqual(["redis"]);
    expect(pickable(list, "databases", "").map((c) => c.name)).toEqual(["postgres", "redis"]);
    expect(pickable(list, "mongo", "")).toEqual([]);
  });
  it("narrows by category", () => {
    expect(pickable(list, "", "web").map((c) => c.name)).toEqual(["http"]);
  });
});

describe("secretPaths", () => {
  it("finds secrets, nested ones by dotted path", () => {
    expect(secretPaths(pg)).toEqual(["password"]);
    expect(secretPaths(http)).toEqual(["auth.basic.password", "auth.bearer"]);
  });
});

describe("fieldOrder", () => {
  it("puts what is required first, then secrets, and folds away what has a default", () => {
    expect(fieldOrder(pg)).toEqual({
      main: ["host", "database", "user", "password", "ca_cert"],
      more: ["connect_timeout", "max_connections", "port", "sslmode"],
    });
  });
});

describe("requestConfig", () => {
  it("leaves out empty secrets (kept) and sends cleared ones as null when updating", () => {
    let s = setIn({}, ["host"], "db");
    s = setIn(s, ["password"], "");
    expect(requestConfig(s, ["password"], true)).toEqual({ host: "db" });
    s = setIn(s, ["password"], null);
    expect(requestConfig(s, ["password"], true)).toEqual({ host: "db", password: null });
    expect(requestConfig(s, ["password"], false)).toEqual({ host: "db" });
    s = setIn(s, ["password"], "s3cret");
    expect(requestConfig(s, ["password"], false)).toEqual({ host: "db", password: "s3cret" });
  });
  it("drops groups left empty", () => {
    let s = setIn({ base_url: "https://x" }, ["auth", "basic", "password"], "p");
    s = setIn(s, ["auth", "basic", "password"], "");
    expect(requestConfig(s, secretPaths(http), false)).toEqual({ base_url: "https://x" });
  });
  it("does not change the settings it is given", () => {
    const s = { auth: { bearer: "" } };
    requestConfig(s, ["auth.bearer"], false);
    expect(s).toEqual({ auth: { bearer: "" } });
  });
});

describe("fromConnection", () => {
  it("starts from the stored settings and knows which secrets are set", () => {
    const f = fromConnection({
      name: "crm", connector: "postgres", config: { host: "db" }, created_at: "", updated_at: "",
      secrets: { password: { set: true }, "auth.bearer": { set: false } },
    });
    expect(f.settings).toEqual({ host: "db" });
    expect([...f.stored.keys()]).toEqual(["password"]);
  });
});

describe("placeErrors", () => {
  it("puts each setting's problem under it and keeps the rest above the form", () => {
    const err = new ApiError(422, {
      detail: "the connection has 3 problems, so it was not saved", code: "invalid_connection",
      errors: [
        { location: "body.config.host", message: "'host' is required" },
        { location: "body.config.auth.basic.password", message: "'auth.basic.password' is required" },
        { location: "body.name", message: "'x y' cannot be a connection's name" },
        { location: "body.connector", message: "no such connector" },
      ],
    });
    const p = placeErrors(err);
    expect(Object.fromEntries(p.fields)).toEqual({
      host: ["'host' is required"], "auth.basic.password": ["'auth.basic.password' is required"], "@name": ["'x y' cannot be a connection's name"],
    });
    expect((p.rest as ApiError).problem?.errors).toEqual([{ location: "body.connector", message: "no such connector" }]);
    expect((p.rest as ApiError).message).toBe("the connection has 3 problems, so it was not saved");
  });
  it("puts a name in use under the name", () => {
    const p = placeErrors(new ApiError(409, { code: "exists", detail: "there is already a connection called 'pg'; change it with PUT, or choose another name" }));
    expect(Object.fromEntries(p.fields)).toEqual({ "@name": ["There is already a connection with this name: choose another one."] });
    expect(p.rest).toBeNull();
  });
  it("leaves other errors whole", () => {
    const err = new ApiError(409, { code: "in_use", detail: "the connection 'pg' is used by the flow 'a'" });
    expect(placeErrors(err)).toEqual({ fields: new Map(), rest: err });
  });
});

describe("usedBy", () => {
  it("names the flows of a refused delete", () => {
    const err = new ApiError(409, {
      code: "in_use", detail: "the connection 'q' is used by 2 flows",
      errors: [{ location: "flows", message: "the flow 'Take orders' uses the connection" }, { location: "flows", message: "the flow 'nightly' uses the connection" }],
    });
    expect(usedBy(err)).toEqual(["Take orders", "nightly"]);
  });
  it("is null for other errors", () => {
    expect(usedBy(new ApiError(409, { code: "exists" }))).toBeNull();
    expect(usedBy(new TypeError("Failed to fetch"))).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import { ApiError, friendly } from "./problem";

describe("friendly", () => {
  const cases: { name: string; err: unknown; title: string; message: RegExp; items?: string[] }[] = [
    {
      name: "wrong password",
      err: new ApiError(401, { status: 401, title: "Unauthorized", detail: "the email or the password is not right", code: "unauthorized" }),
      title: "Not signed in",
      message: /^The email or the password is not right\.$/,
    },
    {
      name: "invalid flow lists each problem with its place",
      err: new ApiError(422, {
        detail: "the flow has 2 problems, so it was not saved",
        errors: [
          { location: "steps[2].filter", line: 14, column: 13, message: "unknown name 'recrod'", hint: "did you mean 'record'?" },
          { location: "name", message: "the name is empty" },
        ],
      }),
      title: "Bistro found problems",
      message: /^The flow has 2 problems, so it was not saved\.$/,
      items: ["line 14, column 13: unknown name 'recrod' (did you mean 'record'?)", "name: the name is empty"],
    },
    {
      name: "server error points at the log",
      err: new ApiError(500, { detail: "internal error", error_id: "abc123" }),
      title: "Bistro ran into a problem",
      message: /inside Bistro\. Internal error\. The server log has the details under error id abc123\.$/,
    },
    {
      name: "answer without a problem body",
      err: new ApiError(404),
      title: "Not found",
      message: /^The server answered with status 404\.$/,
    },
    {
      name: "server unreachable",
      err: new TypeError("Failed to fetch"),
      title: "Bistro cannot be reached",
      message: /bistro serve/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const f = friendly(c.err);
      expect(f.title).toBe(c.title);
      expect(f.message).toMatch(c.message);
      expect(f.items).toEqual(c.items ?? []);
    });
  }
});

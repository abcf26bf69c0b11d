// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import type { ReactNode } from "react";
import { ErrorAlert } from "./ErrorAlert";
import { RecordsTable, StatusBadge } from "./bits";
import { ApiError } from "../api/problem";

afterEach(cleanup);

function wrap(node: ReactNode) {
  return render(<MantineProvider>{node}</MantineProvider>);
}

describe("ErrorAlert", () => {
  it("shows the problem in plain words with each detail", () => {
    wrap(<ErrorAlert error={new ApiError(422, { detail: "the flow has 1 problem, so it was not saved", errors: [{ line: 3, message: "unknown step kind" }] })} />);
    const alert = screen.getByRole("alert");
    expect(within(alert).getByText("Bistro found problems")).toBeTruthy();
    expect(within(alert).getByText("The flow has 1 problem, so it was not saved.")).toBeTruthy();
    expect(within(alert).getByText("line 3: unknown step kind")).toBeTruthy();
  });

  it("shows nothing without an error", () => {
    const { container } = wrap(<ErrorAlert error={null} />);
    expect(container.querySelector("[role=alert]")).toBeNull();
  });
});

describe("RecordsTable", () => {
  it("has a column per field, in order of first appearance", () => {
    wrap(<RecordsTable label="Output records" records={[{ email: "ann@example.com", score: 2 }, { email: "bo@example.com", vip: true, tags: ["a"] }]} />);
    const table = screen.getByRole("table", { name: "Output records" });
    const headers = within(table).getAllByRole("columnheader").map((h) => h.textContent);
    expect(headers).toEqual(["#", "email", "score", "vip", "tags"]);
    const rows = within(table).getAllByRole("row");
    expect(rows[2].textContent).toContain("bo@example.com");
    expect(rows[2].textContent).toContain('["a"]');
  });

  it("falls back to JSON for records that are not objects", () => {
    wrap(<RecordsTable label="Output records" records={[1, 2]} />);
    expect(screen.queryByRole("table")).toBeNull();
    expect(screen.getByLabelText("Output records").textContent).toContain("1,\n  2");
  });
});

describe("StatusBadge", () => {
  it("says the status in words", () => {
    wrap(<StatusBadge status="succeeded" />);
    expect(screen.getByText("Succeeded")).toBeTruthy();
  });
});

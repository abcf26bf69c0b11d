// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";

// The API client picks up fetch when it is created, so the stub is in place
// before the page (and the client) are imported.
const fetchMock = vi.fn<typeof fetch>();
vi.stubGlobal("fetch", fetchMock);
const { SignIn } = await import("./SignIn");
const { getToken } = await import("../api/auth");

function answer(status: number, body: unknown) {
  const type = status >= 400 ? "application/problem+json" : "application/json";
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });
}

beforeEach(() => sessionStorage.clear());
afterEach(() => {
  cleanup();
  fetchMock.mockReset();
});

function signIn(token: string) {
  render(<MantineProvider><SignIn /></MantineProvider>);
  fireEvent.change(screen.getByLabelText("Admin token"), { target: { value: token } });
  fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
}

describe("SignIn", () => {
  it("explains a refused token with the server's words and stores nothing", async () => {
    fetchMock.mockResolvedValue(answer(401, { status: 401, title: "Unauthorized", code: "unauthorized", detail: "the API token is not valid" }));
    signIn("bistro_wrong");
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("That token was not accepted");
    expect(alert.textContent).toContain("The API token is not valid.");
    expect(getToken()).toBe("");
    const req = fetchMock.mock.calls[0][0] as Request;
    expect(req.headers.get("Authorization")).toBe("Bearer bistro_wrong");
  });

  it("stores an accepted token for this tab", async () => {
    fetchMock.mockResolvedValue(answer(200, { flows: [] }));
    signIn("  bistro_good \n");
    await vi.waitFor(() => expect(getToken()).toBe("bistro_good"));
  });

  it("asks for a token before sending anything", async () => {
    signIn("   ");
    expect((await screen.findByRole("alert")).textContent).toContain("Paste the token first.");
    expect(fetchMock).not.toHaveBeenCalled();
  });
});

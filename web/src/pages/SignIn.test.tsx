// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { Me } from "../api/auth";

// The API client picks up fetch when it is created, so the stub is in place
// before the page (and the client) are imported.
const fetchMock = vi.fn<typeof fetch>();
vi.stubGlobal("fetch", fetchMock);
const { SignIn } = await import("./SignIn");
const { getSession, getToken, signedOut } = await import("../api/auth");

const sam: Me = {
  admin: true, via: "session", workspace: "default", workspaces: [],
  user: { id: "u-1", email: "sam@example.com", name: "Sam Lee", admin: true, active: true, locked: false, password: true, sso: false, created_at: "2026-11-02T09:00:00Z" },
};

function json(status: number, body: unknown) {
  const type = status >= 400 ? "application/problem+json" : "application/json";
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });
}

function problem(status: number, detail: string, errors?: { location: string; message: string }[]) {
  return json(status, { status, title: "Refused", code: "refused", detail, errors });
}

// serve answers GET /api/v1/setup with setup, and every other request with
// what answer returns for it; it returns the requests sent.
function serve(setup: { needed: boolean; local: boolean; sso: boolean }, answer: (req: Request) => Response | Promise<Response> = () => json(500, {})) {
  const sent: Request[] = [];
  fetchMock.mockImplementation(async (input) => {
    const req = input as Request;
    sent.push(req);
    const path = new URL(req.url).pathname;
    if (req.method === "GET" && path === "/api/v1/setup") return json(200, setup);
    return answer(req);
  });
  return sent;
}

function show(note?: string) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(<MantineProvider env="test"><QueryClientProvider client={qc}><SignIn note={note} /></QueryClientProvider></MantineProvider>);
}

function type(label: string | RegExp, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

const signInSetup = { needed: false, local: true, sso: false };

beforeEach(() => {
  sessionStorage.clear();
  signedOut();
});
afterEach(() => {
  cleanup();
  fetchMock.mockReset();
  history.replaceState(null, "", "/");
});

describe("SignIn with email and password", () => {
  it("signs in with the session cookie, sending no token", async () => {
    const sent = serve(signInSetup, () => json(200, sam));
    show();
    await screen.findByLabelText("Email");
    type("Email", " sam@example.com ");
    type("Password", "correct horse battery");
    fireEvent.click(await screen.findByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(getSession()).toEqual({ kind: "in", me: sam }));
    const req = sent.find((r) => r.method === "POST")!;
    expect(new URL(req.url).pathname).toBe("/api/v1/session");
    expect(await req.json()).toEqual({ email: "sam@example.com", password: "correct horse battery" });
    expect(req.credentials).toBe("same-origin");
    expect(req.headers.get("Authorization")).toBeNull();
  });

  it("shows a wrong password in the server's words and keeps the email", async () => {
    serve(signInSetup, () => problem(401, "the email or the password is not right"));
    show();
    await screen.findByLabelText("Email");
    type("Email", "sam@example.com");
    type("Password", "wrong-password");
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    const alert = await screen.findByRole("alert");
    expect(within(alert).getByText("Not signed in")).toBeTruthy();
    expect(within(alert).getByText("The email or the password is not right.")).toBeTruthy();
    expect((screen.getByLabelText("Email") as HTMLInputElement).value).toBe("sam@example.com");
    expect((screen.getByLabelText("Password") as HTMLInputElement).value).toBe("");
    expect(getSession().kind).toBe("out");
  });

  it("says until when a locked account waits, and when there were too many attempts", async () => {
    const answers = [
      problem(429, "this account is locked after too many wrong passwords; try again in 15 minutes, or ask an admin to reset the password"),
      problem(429, "too many sign-in attempts from your address; try again in 6 seconds"),
    ];
    serve(signInSetup, () => answers.shift()!);
    show();
    await screen.findByLabelText("Email");
    type("Email", "sam@example.com");
    for (const want of [/^This account is locked .* try again in 15 minutes/, /^Too many sign-in attempts .* in 6 seconds\.$/]) {
      type("Password", "again-wrong");
      fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
      await waitFor(() => expect(screen.getByRole("alert").textContent).toMatch(/Not signed in/));
      await waitFor(() => expect(within(screen.getByRole("alert")).getByText(want)).toBeTruthy());
    }
    expect((screen.getByLabelText("Email") as HTMLInputElement).value).toBe("sam@example.com");
  });

  it("asks for the email and the password before sending anything", async () => {
    const sent = serve(signInSetup);
    show();
    fireEvent.click(await screen.findByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("Enter your email address.")).toBeTruthy();
    expect(screen.getByText("Enter your password.")).toBeTruthy();
    expect(sent.filter((r) => r.method === "POST")).toHaveLength(0);
  });

  it("offers single sign-on only when the server has it", async () => {
    serve({ ...signInSetup, sso: true });
    show();
    const sso = await screen.findByRole("link", { name: "Sign in with SSO" });
    expect(sso.getAttribute("href")).toBe("/auth/sso/start");
    cleanup();
    serve(signInSetup);
    show();
    await screen.findByRole("button", { name: "Sign in" });
    expect(screen.queryByRole("link", { name: "Sign in with SSO" })).toBeNull();
  });

  it("says why single sign-on failed, once", async () => {
    history.replaceState(null, "", "/?sso_error=the+provider+refused+the+sign-in");
    serve({ ...signInSetup, sso: true });
    show();
    expect((await screen.findByRole("alert")).textContent).toContain("The provider refused the sign-in.");
    expect(location.search).toBe("");
  });

  it("shows the note of a sign-in that ended", async () => {
    serve(signInSetup);
    show("Your sign-in has ended. Sign in again to go on.");
    await screen.findByLabelText("Email");
    expect(screen.getByRole("status").textContent).toContain("Your sign-in has ended.");
  });
});

describe("SignIn on first start", () => {
  it("shows the setup page, checks the password, then creates the admin and signs in", async () => {
    const sent = serve({ needed: true, local: true, sso: false }, () => json(201, sam));
    show();
    expect(await screen.findByRole("heading", { name: "Set up Bistro" })).toBeTruthy();
    expect(screen.getByText("At least 10 characters.")).toBeTruthy();
    type("Your name", "Sam Lee");
    type(/^Email/, "sam@example.com");
    type(/^Password/, "short");
    fireEvent.click(screen.getByRole("button", { name: "Create the admin and sign in" }));
    expect(await screen.findByText("The password needs at least 10 characters.")).toBeTruthy();
    type(/^Password/, "long enough secret");
    type(/^Confirm the password/, "long enough secreT");
    fireEvent.click(screen.getByRole("button", { name: "Create the admin and sign in" }));
    expect(await screen.findByText("The two passwords are not the same.")).toBeTruthy();
    expect(sent.filter((r) => r.method === "POST")).toHaveLength(0);

    type(/^Confirm the password/, "long enough secret");
    fireEvent.click(screen.getByRole("button", { name: "Create the admin and sign in" }));
    await waitFor(() => expect(getSession()).toEqual({ kind: "in", me: sam }));
    const req = sent.find((r) => r.method === "POST")!;
    expect(new URL(req.url).pathname).toBe("/api/v1/setup");
    expect(await req.json()).toEqual({ name: "Sam Lee", email: "sam@example.com", password: "long enough secret" });
  });

  it("shows the server's objection under the field it is about", async () => {
    serve({ needed: true, local: true, sso: false }, () => problem(422, "the password must not be one character repeated", [{ location: "body.password", message: "the password must not be one character repeated" }]));
    show();
    await screen.findByLabelText(/^Email/);
    type(/^Email/, "sam@example.com");
    type(/^Password/, "aaaaaaaaaaaa");
    type(/^Confirm the password/, "aaaaaaaaaaaa");
    fireEvent.click(screen.getByRole("button", { name: "Create the admin and sign in" }));
    expect(await screen.findByText("The password must not be one character repeated.")).toBeTruthy();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("explains that setup is done on the server's machine when this browser is elsewhere", async () => {
    serve({ needed: true, local: false, sso: false });
    show();
    expect(await screen.findByRole("heading", { name: "Set up Bistro" })).toBeTruthy();
    expect(screen.getByText(/can only be created on the server's own machine/)).toBeTruthy();
    expect(screen.getByText("bistro admin create --email you@example.com")).toBeTruthy();
    expect(screen.queryByLabelText(/^Email/)).toBeNull();
    expect(screen.queryByRole("button", { name: "Create the admin and sign in" })).toBeNull();
  });
});

describe("SignIn with an API token", () => {
  it("explains a refused token with the server's words and stores nothing", async () => {
    const sent = serve(signInSetup, () => problem(401, "the API token is not valid"));
    show();
    fireEvent.click(await screen.findByRole("button", { name: "Use an API token instead" }));
    type("API token", "bistro_wrong");
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("That token was not accepted");
    expect(alert.textContent).toContain("The API token is not valid.");
    expect(getToken()).toBe("");
    const req = sent.find((r) => new URL(r.url).pathname === "/api/v1/me")!;
    expect(req.headers.get("Authorization")).toBe("Bearer bistro_wrong");
  });

  it("stores an accepted token for this tab", async () => {
    const me: Me = { admin: true, via: "token", token_name: "admin (first start)", workspace: "default", workspaces: [] };
    serve(signInSetup, () => json(200, me));
    show();
    fireEvent.click(await screen.findByRole("button", { name: "Use an API token instead" }));
    type("API token", "  bistro_good \n");
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(getToken()).toBe("bistro_good"));
    expect(getSession()).toEqual({ kind: "in", me });
  });

  it("asks for a token before sending anything", async () => {
    const sent = serve(signInSetup);
    show();
    fireEvent.click(await screen.findByRole("button", { name: "Use an API token instead" }));
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Paste the token first.");
    expect(sent.filter((r) => new URL(r.url).pathname === "/api/v1/me")).toHaveLength(0);
  });
});

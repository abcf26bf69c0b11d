import type { components } from "./schema.gen";
import { api, must } from "./client";
import { clearToken, endedNote, getSession, getToken, setToken, signedIn, signedOut } from "./auth";

/** Whether the first admin must still be created, and how one may sign in. */
export type SetupState = components["schemas"]["SetupState"];

/** The first admin, as the setup page sends it. */
export type NewAdmin = components["schemas"]["SetupRequest"];

let asking: Promise<void> | null = null;

/**
 * Asks the server who is signed in (the session cookie, or a token stored in
 * this tab) when the app starts. A 401 means nobody: the sign-in page, with
 * a note when a stored token stopped working. Other errors are thrown.
 */
export function resume(): Promise<void> {
  asking ??= (async () => {
    const r = await api.GET("/api/v1/me");
    if (r.response.status === 401) {
      const had = getToken() !== "";
      clearToken();
      signedOut(had ? endedNote : undefined);
      return;
    }
    signedIn(must(r));
  })().finally(() => {
    asking = null;
  });
  return asking;
}

/** Reads whether setup is needed, whether this browser may do it, and whether SSO is on. */
export async function setupState(): Promise<SetupState> {
  return must(await api.GET("/api/v1/setup"));
}

/** Signs in with email and password; the answer sets the session cookie. */
export async function signIn(email: string, password: string): Promise<void> {
  const me = must(await api.POST("/api/v1/session", { body: { email: email.trim(), password } }));
  clearToken();
  signedIn(me);
}

/** Creates the first admin and signs in as them. */
export async function setUp(admin: NewAdmin): Promise<void> {
  const me = must(await api.POST("/api/v1/setup", { body: { ...admin, email: admin.email.trim(), name: admin.name?.trim() } }));
  clearToken();
  signedIn(me);
}

/** Signs in with an API token, kept in this tab only. */
export async function signInWithToken(token: string): Promise<void> {
  const t = token.trim();
  const me = must(await api.GET("/api/v1/me", { headers: { Authorization: `Bearer ${t}` } }));
  setToken(t);
  signedIn(me);
}

/**
 * Signs out: ends the session on the server, or forgets the token. When the
 * server cannot be told, the error is thrown and the person stays signed in,
 * since the session would otherwise go on working unseen until it expires.
 */
export async function signOut(): Promise<void> {
  const s = getSession();
  if (getToken() || (s.kind === "in" && s.me.via === "token")) {
    clearToken();
    signedOut();
    return;
  }
  const r = await api.DELETE("/api/v1/session");
  // 401: the session had ended already.
  if (r.response.status !== 401) must(r);
  signedOut();
}

import type { components } from "./schema.gen";

/** Who is signed in, as GET /api/v1/me answers. */
export type Me = components["schemas"]["Me"];

/**
 * Whether someone is signed in. A browser session is an HttpOnly cookie the
 * page cannot read, so "unknown" lasts until the server has said who it is.
 */
export type Session =
  | { kind: "unknown" }
  | { kind: "in"; me: Me }
  | { kind: "out"; note?: string };

/** The note on the sign-in page after a session ended on its own. */
export const endedNote = "Your sign-in has ended. Sign in again to go on.";

let session: Session = { kind: "unknown" };
const listeners = new Set<() => void>();

/** Returns the current session state. */
export function getSession(): Session {
  return session;
}

/** Calls fn whenever the session or the token changes; returns the unsubscribe function. */
export function onSessionChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Records who signed in. */
export function signedIn(me: Me): void {
  set({ kind: "in", me });
}

/** Shows the sign-in page, with a note when there is something to say. */
export function signedOut(note?: string): void {
  set({ kind: "out", note });
}

/**
 * Called when the server stopped accepting the app's credential (the session
 * expired or was ended elsewhere, or the token was revoked): the person
 * signs in again, told why.
 */
export function lost(): void {
  if (session.kind !== "in") return;
  clearToken();
  set({ kind: "out", note: endedNote });
}

function set(s: Session) {
  session = s;
  listeners.forEach((fn) => fn());
}

// An API token (the fallback for installation and script tokens) lives in
// sessionStorage: it is gone when the tab closes, and never written anywhere
// a later visitor of the same browser could read.
const key = "bistro.token";

/** Returns the stored API token, or "" when the app signs in with a session. */
export function getToken(): string {
  try {
    return sessionStorage.getItem(key) ?? "";
  } catch {
    return "";
  }
}

/** Stores the API token for this tab. */
export function setToken(token: string): void {
  sessionStorage.setItem(key, token.trim());
}

/** Forgets the API token. */
export function clearToken(): void {
  try {
    sessionStorage.removeItem(key);
  } catch {
    // no storage, so nothing stored
  }
}

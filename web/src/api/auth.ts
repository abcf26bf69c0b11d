// The admin token lives in sessionStorage: it is gone when the tab closes,
// and never written anywhere a later visitor of the same browser could read.
const key = "bistro.token";

/** Returns the stored API token, or "" when nobody is signed in. */
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
  notify();
}

/** Forgets the API token. */
export function clearToken(): void {
  sessionStorage.removeItem(key);
  notify();
}

const listeners = new Set<() => void>();

/** Calls fn whenever the token changes; returns the unsubscribe function. */
export function onTokenChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function notify() {
  listeners.forEach((fn) => fn());
}

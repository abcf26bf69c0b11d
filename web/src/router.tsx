import { useEffect, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from "react";

// A few pages need no routing library: the path and query live in the
// address bar, and links push history entries.

function subscribe(fn: () => void) {
  window.addEventListener("popstate", fn);
  return () => window.removeEventListener("popstate", fn);
}

function snapshot() {
  return location.pathname + location.search;
}

/** Returns the current path and query, re-rendering when they change. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const href = useSyncExternalStore(subscribe, snapshot, snapshot);
  const u = new URL(href, "http://x");
  return { path: u.pathname, query: u.searchParams };
}

// leaveGuard, when set, is asked before going to another page (the editor
// sets one while it has unsaved changes).
let leaveGuard: (() => boolean) | null = null;

/** Sets (or clears, with null) the question asked before leaving the page; it returns whether to leave. */
export function setLeaveGuard(guard: (() => boolean) | null): void {
  leaveGuard = guard;
}

/** Goes to a path inside the app. */
export function navigate(to: string, replace = false): void {
  if (leaveGuard && !leaveGuard()) return;
  leaveGuard = null;
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  window.dispatchEvent(new PopStateEvent("popstate"));
  window.scrollTo?.(0, 0);
}

/** An anchor that navigates inside the app but still works with a middle click. */
export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const click = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={click} {...rest} />;
}

/** Sets the document title for the page being shown. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Bistro` : "Bistro";
  }, [title]);
}

/** The audit log's filters and page, as the address keeps them (times in RFC 3339). */
export interface AuditQuery {
  action?: string;
  target?: string;
  actor?: string;
  since?: string;
  until?: string;
  before?: number;
}

/** The inventory's filters, as the address keeps them. */
export interface InventoryQuery {
  orphaned?: boolean;
  risk?: "low" | "medium" | "high";
}

/** Paths of the app's pages. */
export const paths = {
  home: "/",
  flow: (name: string, tab?: "history") => `/flows/${encodeURIComponent(name)}${tab ? `?tab=${tab}` : ""}`,
  /** The editor; with fromVersion, it starts from that older version's document (to restore it). */
  editFlow: (name: string, fromVersion?: number) => `/flows/${encodeURIComponent(name)}/edit${fromVersion ? `?version=${fromVersion}` : ""}`,
  newFlow: "/new-flow",
  runs: (q?: { flow?: string; status?: string }) => {
    const p = new URLSearchParams();
    if (q?.flow) p.set("flow", q.flow);
    if (q?.status) p.set("status", q.status);
    const s = p.toString();
    return s ? `/runs?${s}` : "/runs";
  },
  run: (id: string) => `/runs/${encodeURIComponent(id)}`,
  deadLetters: (flow?: string) => (flow ? `/dead-letters?flow=${encodeURIComponent(flow)}` : "/dead-letters"),
  audit: (q?: AuditQuery) => {
    const p = new URLSearchParams();
    for (const k of ["action", "target", "actor", "since", "until", "before"] as const) {
      const v = q?.[k];
      if (v) p.set(k, String(v));
    }
    const s = p.toString();
    return s ? `/audit?${s}` : "/audit";
  },
  connections: "/connections",
  connection: (name: string, q?: { created?: boolean }) => `/connections/${encodeURIComponent(name)}${q?.created ? "?created=1" : ""}`,
  // Not under /connections/: "new" can be a connection's name.
  newConnection: (connector?: string) => (connector ? `/new-connection?connector=${encodeURIComponent(connector)}` : "/new-connection"),
  // The platform admins' pages.
  catalogue: "/admin/catalogue",
  requests: "/admin/requests",
  reviews: (status?: "all") => (status ? `/admin/reviews?status=${status}` : "/admin/reviews"),
  inventory: (q?: InventoryQuery) => {
    const p = new URLSearchParams();
    if (q?.orphaned) p.set("orphaned", "1");
    if (q?.risk) p.set("risk", q.risk);
    const s = p.toString();
    return s ? `/admin/inventory?${s}` : "/admin/inventory";
  },
};

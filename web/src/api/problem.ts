import type { components } from "./schema.gen";

/** An RFC 9457 problem as the Bistro API sends it. */
export type Problem = components["schemas"]["Problem"];

/** ApiError carries the API's problem (or a stand-in when there was none). */
export class ApiError extends Error {
  readonly status: number;
  readonly problem?: Partial<Problem>;

  constructor(status: number, problem?: Partial<Problem>) {
    super(problem?.detail || problem?.title || `The server answered with status ${status}.`);
    this.status = status;
    this.problem = problem;
  }
}

/** A message written for the person using the page. */
export interface Friendly {
  title: string;
  message: string;
  items: string[];
  errorId?: string;
}

// Titles by status say what the person can do next, not what HTTP said.
const titles: Record<number, string> = {
  400: "Something in the request is not right",
  401: "Not signed in",
  403: "You may not do that",
  404: "Not found",
  409: "That cannot be done right now",
  413: "That is too large",
  422: "Bistro found problems",
  429: "Bistro is busy",
  503: "Bistro is busy",
};

/** Turns any thrown value into plain words. */
export function friendly(err: unknown): Friendly {
  if (err instanceof ApiError) {
    const p = err.problem ?? {};
    const items = (p.errors ?? []).map((e) => {
      const where = e.line ? `line ${e.line}${e.column ? `, column ${e.column}` : ""}: ` : e.location ? `${e.location}: ` : "";
      return `${where}${e.message}${e.hint ? ` (${e.hint})` : ""}`;
    });
    let message = sentence(p.detail || p.title || err.message);
    if (err.status >= 500 && err.status !== 503) {
      message = `Something went wrong inside Bistro. ${message} The server log has the details${p.error_id ? ` under error id ${p.error_id}` : ""}.`;
    }
    return {
      title: titles[err.status] ?? (err.status >= 500 ? "Bistro ran into a problem" : "That did not work"),
      message: message.trim(),
      items,
      errorId: p.error_id,
    };
  }
  if (err instanceof TypeError) {
    // fetch rejects with a TypeError when the server cannot be reached at all.
    return { title: "Bistro cannot be reached", message: "Check that `bistro serve` is running, then try again.", items: [] };
  }
  return { title: "That did not work", message: err instanceof Error ? sentence(err.message) : String(err), items: [] };
}

/**
 * Capitalises the first letter and ends with a full stop, because API
 * details are written as clauses ("the flow has 1 problem").
 */
export function sentence(s: string): string {
  const t = s.trim();
  if (!t) return "";
  const c = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(c) ? c : c + ".";
}

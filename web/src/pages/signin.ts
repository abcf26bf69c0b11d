import { ApiError, sentence } from "../api/problem";

/** A sign-in form's problems: messages under its fields, and what is left for above the form. */
export interface FormErrors {
  fields: Record<string, string>;
  /** The error without the problems shown under fields (null for none). */
  rest: unknown;
}

/**
 * Places the problems of a refused form (body.email, body.password, ...)
 * under the fields named; the rest stays for the alert above.
 */
export function placeErrors(err: unknown, names: string[]): FormErrors {
  const fields: Record<string, string> = {};
  if (!(err instanceof ApiError) || !err.problem?.errors?.length) return { fields, rest: err ?? null };
  const left = err.problem.errors.filter((e) => {
    const name = (e.location ?? "").replace(/^body\./, "");
    if (!names.includes(name)) return true;
    fields[name] ??= sentence(e.message);
    return false;
  });
  if (left.length === 0) return { fields, rest: null };
  return { fields, rest: new ApiError(err.status, { ...err.problem, errors: left }) };
}

/** The sso_error the server puts in the address when single sign-on failed ("" for none). */
export function ssoError(search: string): string {
  return new URLSearchParams(search).get("sso_error") ?? "";
}

/** The address without its sso_error, so a reload does not show it again. */
export function withoutSsoError(path: string, search: string): string {
  const q = new URLSearchParams(search);
  q.delete("sso_error");
  const s = q.toString();
  return path + (s ? `?${s}` : "");
}

/** Whether a password is long enough for Bistro (it counts characters, not bytes). */
export function longEnough(password: string): boolean {
  return [...password].length >= minPassword;
}

/** The fewest characters a password may have. */
export const minPassword = 10;

import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema.gen";
import { clearToken, getToken } from "./auth";
import { ApiError, type Problem } from "./problem";

export type Flow = components["schemas"]["Flow"];
export type Run = components["schemas"]["Run"];
export type RunDetail = components["schemas"]["RunDetail"];
export type RunStep = components["schemas"]["Step"];
export type RunStatus = Run["status"];
export type Connection = components["schemas"]["Connection"];
export type ConnectionTest = components["schemas"]["ConnectionTest"];
export type ConnectorInfo = components["schemas"]["ConnectorInfo"];
export type DeadLetter = components["schemas"]["DeadLetter"];
export type FlowVersion = components["schemas"]["FlowVersion"];
export type AuditEvent = components["schemas"]["AuditEvent"];

const auth: Middleware = {
  onRequest({ request }) {
    const token = getToken();
    if (token && !request.headers.has("Authorization")) {
      request.headers.set("Authorization", `Bearer ${token}`);
    }
    return request;
  },
  onResponse({ request, response }) {
    // A token that stops working (revoked, or a new data directory) signs the
    // person out, so the sign-in page explains what to do. The sign-in check
    // itself sends its own header and keeps its error on the page.
    if (response.status === 401 && request.headers.get("Authorization") === `Bearer ${getToken()}`) {
      clearToken();
    }
    return response;
  },
};

/** The typed client for the Bistro API (same origin as the page). */
export const api = createClient<paths>({ baseUrl: location.origin });
api.use(auth);

/** Returns data, or throws an ApiError built from the problem answer. */
export function must<T>(r: { data?: T; error?: unknown; response: Response }): T {
  if (r.error !== undefined || !r.response.ok) {
    throw new ApiError(r.response.status, (r.error ?? undefined) as Partial<Problem> | undefined);
  }
  return r.data as T;
}

/** Checks a token by listing flows with it; throws an ApiError when refused. */
export async function checkToken(token: string): Promise<void> {
  must(await api.GET("/api/v1/flows", { headers: { Authorization: `Bearer ${token.trim()}` } }));
}

import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema.gen";
import { getToken, lost } from "./auth";
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
export type Access = ConnectorInfo["access"];
export type Notification = components["schemas"]["Notification"];
export type NotificationList = components["schemas"]["NotificationList"];
export type Catalogue = components["schemas"]["Catalogue"];
export type CatalogueChanged = components["schemas"]["CatalogueChanged"];
export type PausedFlow = components["schemas"]["PausedFlow"];
export type ConnectorRequest = components["schemas"]["ConnectorRequest"];
export type Review = components["schemas"]["Review"];
export type InventoryItem = components["schemas"]["InventoryItem"];
export type Inventory = components["schemas"]["Inventory"];
export type User = components["schemas"]["User"];
export type WorkspaceAccess = components["schemas"]["WorkspaceAccess"];

// Sign-in attempts answer 401 for a wrong password: that is for the form to
// show, not a sign-in that ended.
const signInPaths = new Set(["/api/v1/session", "/api/v1/setup"]);

const auth: Middleware = {
  onRequest({ request }) {
    // A browser session rides on its cookie; an API token, when one is
    // used instead, goes in the header.
    const token = getToken();
    if (token && !request.headers.has("Authorization")) {
      request.headers.set("Authorization", `Bearer ${token}`);
    }
    return request;
  },
  onResponse({ request, response, schemaPath }) {
    // The app's credential stopped working (the session expired, the token
    // was revoked): back to the sign-in page, which says why. A token being
    // tried on the sign-in page comes with its own header and is not the
    // app's, so its error stays on the page.
    const token = getToken();
    const own = request.headers.get("Authorization") === (token ? `Bearer ${token}` : null);
    if (response.status === 401 && own && !signInPaths.has(schemaPath)) lost();
    return response;
  },
};

/**
 * The typed client for the Bistro API, on the page's own origin: the session
 * cookie goes with every request, and never to another site.
 */
export const api = createClient<paths>({ baseUrl: location.origin, credentials: "same-origin" });
api.use(auth);

/** Returns data, or throws an ApiError built from the problem answer. */
export function must<T>(r: { data?: T; error?: unknown; response: Response }): T {
  if (r.error !== undefined || !r.response.ok) {
    throw new ApiError(r.response.status, (r.error ?? undefined) as Partial<Problem> | undefined);
  }
  return r.data as T;
}

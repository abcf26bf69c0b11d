import { keepPreviousData, useQuery } from "@tanstack/react-query";
import {
  api, must, type AuditEvent, type Catalogue, type Connection, type ConnectorInfo, type ConnectorRequest, type DeadLetter, type Flow, type FlowVersion,
  type Inventory, type InventoryItem, type Notification, type Review, type Run, type RunDetail, type User, type WorkspaceAccess,
} from "./client";
import type { AuditQuery } from "../router";

/** The flows, by name. */
export function useFlows() {
  return useQuery({
    queryKey: ["flows"],
    queryFn: async (): Promise<Flow[]> => must(await api.GET("/api/v1/flows")).flows ?? [],
  });
}

/** One flow with its document. */
export function useFlow(name: string) {
  return useQuery({
    queryKey: ["flow", name],
    queryFn: async (): Promise<Flow> => must(await api.GET("/api/v1/flows/{name}", { params: { path: { name } } })),
  });
}

/** Filters of the runs list. */
export interface RunFilter {
  flow?: string;
  status?: Run["status"];
  limit?: number;
}

// Runs that have not ended change on their own, so lists and details
// refresh every few seconds while one is still going.
const live = (runs: Run[] | undefined) => (runs ?? []).some((r) => !ended(r.status)) ? 2000 : false;

/** Whether a run has ended. */
export function ended(s: Run["status"]): boolean {
  return s === "succeeded" || s === "failed" || s === "cancelled";
}

/** The newest runs matching the filter. */
export function useRuns(f: RunFilter) {
  return useQuery({
    queryKey: ["runs", f],
    queryFn: async (): Promise<Run[]> =>
      must(await api.GET("/api/v1/runs", { params: { query: { flow: f.flow || undefined, status: f.status, limit: f.limit ?? 50 } } })).runs ?? [],
    placeholderData: keepPreviousData,
    refetchInterval: (q) => live(q.state.data),
  });
}

/** One run with its steps. */
export function useRun(id: string) {
  return useQuery({
    queryKey: ["run", id],
    queryFn: async (): Promise<RunDetail> => must(await api.GET("/api/v1/runs/{id}", { params: { path: { id } } })),
    refetchInterval: (q) => (q.state.data && !ended(q.state.data.status) ? 1500 : false),
  });
}

/** The connectors the server knows, with the JSON Schemas forms are built from. */
export function useConnectors() {
  return useQuery({
    queryKey: ["connectors"],
    queryFn: async (): Promise<ConnectorInfo[]> => must(await api.GET("/api/v1/connectors")).connectors ?? [],
    staleTime: Infinity,
  });
}

/** The connections, by name. */
export function useConnections() {
  return useQuery({
    queryKey: ["connections"],
    queryFn: async (): Promise<Connection[]> => must(await api.GET("/api/v1/connections")).connections ?? [],
  });
}

/** One connection (its secrets only as set or not). */
export function useConnection(name: string) {
  return useQuery({
    queryKey: ["connection", name],
    queryFn: async (): Promise<Connection> => must(await api.GET("/api/v1/connections/{name}", { params: { path: { name } } })),
  });
}

/** The dead letters, newest first, of one flow when flow is given. */
export function useDeadLetters(flow?: string) {
  return useQuery({
    queryKey: ["dead-letters", flow ?? ""],
    queryFn: async (): Promise<DeadLetter[]> =>
      must(await api.GET("/api/v1/dead-letters", { params: { query: { flow: flow || undefined, limit: 100 } } })).dead_letters ?? [],
    placeholderData: keepPreviousData,
    // Messages fail on their own, so the list looks again now and then.
    refetchInterval: 10_000,
  });
}

/** A flow's versions, newest first (without their documents). */
export function useFlowVersions(name: string) {
  return useQuery({
    queryKey: ["flow-versions", name],
    queryFn: async (): Promise<FlowVersion[]> =>
      must(await api.GET("/api/v1/flows/{name}/versions", { params: { path: { name } } })).versions ?? [],
  });
}

/** One version of a flow with its document; nothing is fetched for version 0. Versions never change. */
export function useFlowVersion(name: string, version: number) {
  return useQuery({
    queryKey: ["flow-version", name, version],
    queryFn: async (): Promise<FlowVersion> =>
      must(await api.GET("/api/v1/flows/{name}/versions/{version}", { params: { path: { name, version } } })),
    enabled: version > 0,
    staleTime: Infinity,
  });
}

/** A page of the audit log, newest first, and the "before" of the next page (none on the last). */
export interface AuditPage {
  events: AuditEvent[];
  next?: number;
}

/** A page of the audit log, newest first. */
export function useAudit(q: AuditQuery) {
  return useQuery({
    queryKey: ["audit", q],
    queryFn: async (): Promise<AuditPage> => {
      const query = { action: q.action || undefined, target: q.target || undefined, actor: q.actor || undefined,
        since: q.since || undefined, until: q.until || undefined, before: q.before || undefined, limit: 50 };
      const list = must(await api.GET("/api/v1/audit", { params: { query } }));
      return { ...list, events: list.events ?? [] };
    },
    placeholderData: keepPreviousData,
  });
}

/** The signed-in person's notifications and how many of them are unread. */
export interface Notifications {
  notifications: Notification[];
  unread: number;
}

/** The signed-in person's notifications, newest first, and how many are unread; asked again every 30 seconds. */
export function useNotifications() {
  return useQuery({
    queryKey: ["notifications"],
    queryFn: async (): Promise<Notifications> => {
      const list = must(await api.GET("/api/v1/notifications"));
      return { ...list, notifications: list.notifications ?? [] };
    },
    refetchInterval: 30_000,
  });
}

/** IT's connector catalogue: the default, the platform-wide statuses and each workspace's exceptions (platform admins). */
export function useCatalogue() {
  return useQuery({
    queryKey: ["catalogue"],
    queryFn: async (): Promise<Catalogue> => must(await api.GET("/api/v1/catalogue")),
  });
}

/** Requests for connectors: the workspace's, or every workspace's for platform admins. */
export function useConnectorRequests() {
  return useQuery({
    queryKey: ["connector-requests"],
    queryFn: async (): Promise<ConnectorRequest[]> => must(await api.GET("/api/v1/connector-requests")).requests ?? [],
  });
}

/** Changes submitted for review, only those in one state when status is given. */
export function useReviews(status?: Review["status"]) {
  return useQuery({
    queryKey: ["reviews", status ?? ""],
    queryFn: async (): Promise<Review[]> => must(await api.GET("/api/v1/reviews", { params: { query: { status } } })).reviews ?? [],
  });
}

/** The risk score from which a builder's change waits for review (platform admins). */
export function useReviewSettings() {
  return useQuery({
    queryKey: ["review-settings"],
    queryFn: async () => must(await api.GET("/api/v1/review-settings")),
  });
}

/** Every flow of every workspace with its owner, connectors, runs and risk (platform admins). */
export function useInventory() {
  return useQuery({
    queryKey: ["inventory"],
    queryFn: async (): Promise<Inventory & { flows: InventoryItem[] }> => {
      const inv = must(await api.GET("/api/v1/inventory"));
      return { ...inv, flows: inv.flows ?? [] };
    },
    placeholderData: keepPreviousData,
  });
}

/** Everyone who may sign in (platform admins). */
export function useUsers() {
  return useQuery({
    queryKey: ["users"],
    queryFn: async (): Promise<User[]> => must(await api.GET("/api/v1/users")).users ?? [],
  });
}

/** The workspaces the caller may use (every one, for a platform admin). */
export function useWorkspaces() {
  return useQuery({
    queryKey: ["workspaces"],
    queryFn: async (): Promise<WorkspaceAccess[]> => must(await api.GET("/api/v1/workspaces")).workspaces ?? [],
    staleTime: 60_000,
  });
}

/** A flow of one workspace (the one a review or the inventory names), with its document; nothing is fetched without a name. */
export function useFlowIn(workspace: string, name: string) {
  return useQuery({
    queryKey: ["flow-in", workspace, name],
    queryFn: async (): Promise<Flow | null> => {
      const r = await api.GET("/api/v1/flows/{name}", { params: { path: { name } }, headers: workspace ? { "Bistro-Workspace": workspace } : undefined });
      // A new flow has no current version yet.
      if (r.response.status === 404) return null;
      return must(r);
    },
    enabled: name !== "",
  });
}

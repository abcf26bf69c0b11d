import { lazy, Suspense, useEffect, useState, useSyncExternalStore, type ReactNode } from "react";
import { Button, Center, Stack } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { getSession, onSessionChange, type Me } from "./api/auth";
import { resume } from "./api/session";
import { ErrorAlert } from "./components/ErrorAlert";
import { Shell } from "./pages/Shell";
import { SignIn } from "./pages/SignIn";
import { Home } from "./pages/Home";
import { FlowPage } from "./pages/FlowPage";
import { RunsPage } from "./pages/RunsPage";
import { RunPage } from "./pages/RunPage";
import { DeadLettersPage } from "./pages/DeadLettersPage";
import { AuditPage } from "./pages/AuditPage";
import { auditQuery } from "./pages/audit";
import { inventoryQuery } from "./admin/admin";
import { Empty, Loading } from "./components/bits";
import { Link, paths, useLocation } from "./router";

// The editor (CodeMirror, the canvas) loads the first time it is opened.
const EditorPage = lazy(() => import("./editor/EditorPage").then((m) => ({ default: m.EditorPage })));
// The connection forms share the editor's form code, so they load with it.
const connections = () => import("./connections/ConnectionsPage");
const ConnectionsList = lazy(() => connections().then((m) => ({ default: m.ConnectionsList })));
const NewConnection = lazy(() => connections().then((m) => ({ default: m.NewConnection })));
const ConnectionPage = lazy(() => connections().then((m) => ({ default: m.ConnectionPage })));
// The platform admins' pages load the first time one is opened.
const CataloguePage = lazy(() => import("./admin/CataloguePage").then((m) => ({ default: m.CataloguePage })));
const RequestsPage = lazy(() => import("./admin/RequestsPage").then((m) => ({ default: m.RequestsPage })));
const ReviewsPage = lazy(() => import("./admin/ReviewsPage").then((m) => ({ default: m.ReviewsPage })));
const InventoryPage = lazy(() => import("./admin/InventoryPage").then((m) => ({ default: m.InventoryPage })));

/** The app: asks who is signed in, then shows the pages, or the setup or sign-in page. */
export function App() {
  const session = useSyncExternalStore(onSessionChange, getSession, getSession);
  const [error, setError] = useState<unknown>(null);
  const qc = useQueryClient();
  // What one person's pages loaded is never shown to whoever signs in next.
  // This runs as the session changes, before the sign-in page starts its own queries.
  useEffect(() => onSessionChange(() => {
    if (getSession().kind === "out") qc.clear();
  }), [qc]);
  const ask = () => {
    setError(null);
    resume().catch(setError);
  };
  useEffect(() => {
    if (getSession().kind === "unknown") ask();
  }, []);
  if (session.kind === "unknown") return error ? <Unreachable error={error} onRetry={ask} /> : <Loading what="Bistro" />;
  if (session.kind === "out") return <SignIn note={session.note} />;
  return <Shell me={session.me}><Page me={session.me} /></Shell>;
}

// Unreachable is shown when the server could not say who is signed in.
function Unreachable({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  return (
    <Center py={48} px="md">
      <Stack maw={440}>
        <ErrorAlert error={error} />
        <Button variant="default" onClick={onRetry}>Try again</Button>
      </Stack>
    </Center>
  );
}

function Page({ me }: { me: Me }) {
  const { path, query } = useLocation();
  const seg = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (seg.length === 0) return <Home />;
  if (seg[0] === "admin" && seg.length === 2) return <AdminPage me={me} page={seg[1]} query={query} />;
  if (seg[0] === "flows" && seg.length === 2) return <FlowPage key={seg[1]} name={seg[1]} tab={query.get("tab") ?? ""} />;
  if (seg[0] === "flows" && seg.length === 3 && seg[2] === "edit") {
    const from = Number(query.get("version") ?? "");
    return <Suspense fallback={<Loading what="the editor" />}><EditorPage key={seg[1]} name={seg[1]} fromVersion={from > 0 ? from : undefined} /></Suspense>;
  }
  if (seg[0] === "new-flow" && seg.length === 1) return <Suspense fallback={<Loading what="the editor" />}><EditorPage key="new" /></Suspense>;
  if (seg[0] === "runs" && seg.length === 1) return <RunsPage flow={query.get("flow") ?? ""} status={query.get("status") ?? ""} />;
  if (seg[0] === "runs" && seg.length === 2) return <RunPage key={seg[1]} id={seg[1]} />;
  if (seg[0] === "audit" && seg.length === 1) return <AuditPage query={auditQuery(query)} />;
  if (seg[0] === "dead-letters" && seg.length === 1) return <DeadLettersPage flow={query.get("flow") ?? ""} />;
  if (seg[0] === "connections" && seg.length === 1) return <Later what="the connections"><ConnectionsList /></Later>;
  if (seg[0] === "connections" && seg.length === 2) return <Later what="the connection"><ConnectionPage key={seg[1]} name={seg[1]} created={query.get("created") === "1"} /></Later>;
  if (seg[0] === "new-connection" && seg.length === 1) return <Later what="the connectors"><NewConnection connector={query.get("connector") ?? ""} /></Later>;
  return <Empty title="There is no page here.">Go back to <Link href={paths.home}>the flows</Link>.</Empty>;
}

// AdminPage is one of the platform admins' pages; anyone else is told
// that it is theirs (the server refuses its requests anyway).
function AdminPage({ me, page, query }: { me: Me; page: string; query: URLSearchParams }) {
  const pages: Record<string, () => ReactNode> = {
    catalogue: () => <Later what="the catalogue"><CataloguePage /></Later>,
    requests: () => <Later what="the requests"><RequestsPage /></Later>,
    reviews: () => <Later what="the reviews"><ReviewsPage all={query.get("status") === "all"} /></Later>,
    inventory: () => <Later what="the inventory"><InventoryPage query={inventoryQuery(query)} /></Later>,
  };
  const show = pages[page];
  if (!show) return <Empty title="There is no page here.">Go back to <Link href={paths.home}>the flows</Link>.</Empty>;
  if (!me.admin) return <Empty title="Only platform admins can open this page.">Go back to <Link href={paths.home}>the flows</Link>.</Empty>;
  return show();
}

// Later shows a page whose code loads the first time it is needed.
function Later({ what, children }: { what: string; children: ReactNode }) {
  return <Suspense fallback={<Loading what={what} />}>{children}</Suspense>;
}

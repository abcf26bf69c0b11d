import { lazy, Suspense, useEffect, useState, useSyncExternalStore } from "react";
import { getToken, onTokenChange } from "./api/auth";
import { Shell } from "./pages/Shell";
import { SignIn } from "./pages/SignIn";
import { Home } from "./pages/Home";
import { FlowPage } from "./pages/FlowPage";
import { RunsPage } from "./pages/RunsPage";
import { RunPage } from "./pages/RunPage";
import { Empty, Loading } from "./components/bits";
import { Link, paths, useLocation } from "./router";

// The editor (CodeMirror, the canvas) loads the first time it is opened.
const EditorPage = lazy(() => import("./editor/EditorPage").then((m) => ({ default: m.EditorPage })));

/** The app: the sign-in page until a token is stored, then the pages. */
export function App() {
  const token = useSyncExternalStore(onTokenChange, getToken, getToken);
  // Remember that someone was signed in, so losing the token (a 401) says so.
  const [had, setHad] = useState(false);
  useEffect(() => {
    if (token) setHad(true);
  }, [token]);
  if (!token) return <SignIn expired={had} />;
  return <Shell><Page /></Shell>;
}

function Page() {
  const { path, query } = useLocation();
  const seg = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (seg.length === 0) return <Home />;
  if (seg[0] === "flows" && seg.length === 2) return <FlowPage key={seg[1]} name={seg[1]} />;
  if (seg[0] === "flows" && seg.length === 3 && seg[2] === "edit") return <Suspense fallback={<Loading what="the editor" />}><EditorPage key={seg[1]} name={seg[1]} /></Suspense>;
  if (seg[0] === "new-flow" && seg.length === 1) return <Suspense fallback={<Loading what="the editor" />}><EditorPage key="new" /></Suspense>;
  if (seg[0] === "runs" && seg.length === 1) return <RunsPage flow={query.get("flow") ?? ""} status={query.get("status") ?? ""} />;
  if (seg[0] === "runs" && seg.length === 2) return <RunPage key={seg[1]} id={seg[1]} />;
  return <Empty title="There is no page here.">Go back to <Link href={paths.home}>the flows</Link>.</Empty>;
}

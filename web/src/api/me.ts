import { useSyncExternalStore } from "react";
import { getSession, onSessionChange, type Me } from "./auth";

/** Who is signed in, re-rendering when it changes; undefined while nobody is. */
export function useMe(): Me | undefined {
  const s = useSyncExternalStore(onSessionChange, getSession, getSession);
  return s.kind === "in" ? s.me : undefined;
}

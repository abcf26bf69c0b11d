import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ActionIcon, Alert, Anchor, Badge, Button, Grid, Group, List, Paper, SegmentedControl, Stack, Text, Textarea, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, must, type Flow, type Review } from "../api/client";
import { ApiError } from "../api/problem";
import { ErrorAlert } from "../components/ErrorAlert";
import { buildGraph } from "../graph/model";
import { Link, paths, setLeaveGuard } from "../router";
import { useConnectors } from "../api/queries";
import { catalogue, type CatalogueItem } from "./catalogue";
import { Catalogue } from "./Catalogue";
import { suggestions } from "./completions";
import { CompareModal, ConflictAlert, type Conflict } from "./Conflict";
import {
  addStep, allSteps, formatOf, formatPath, moveStep, ownerOf, parsePath, read, removeStep, renameKey, setAt, setTrigger, uniqueStepId, type Path,
} from "./document";
import { EditorCanvas, type Counts } from "./EditorCanvas";
import { can, record, redo, start, undo, type History } from "./history";
import type { FormContext } from "./SchemaForm";
import { ProblemList, StepPanel, TriggerPanel, type ShownProblem } from "./StepPanel";
import { SubmittedNote } from "./SubmittedNote";
import "./editor.css";

/** Where the editor starts: a document, and the version it is (0 for a new flow). */
export interface EditorStart {
  text: string;
  version: number;
  /** The saved flow's name; none for a new flow. */
  name?: string;
  /** The saved flow's latest document, when text is another one (an older version to restore). */
  savedText?: string;
  /** The older version text comes from. */
  restoredFrom?: number;
}

/** The flow editor: the steps on a canvas, the chosen one's settings beside them, and the document. */
export function Editor({ initial }: { initial: EditorStart }) {
  const qc = useQueryClient();
  const [h, setH] = useState<History>(() => start(initial.text));
  const hRef = useRef(h);
  const [saved, setSaved] = useState({ text: initial.savedText ?? (initial.name ? initial.text : ""), version: initial.version, name: initial.name ?? "" });
  const [restoring, setRestoring] = useState(initial.restoredFrom ?? 0);
  const [selected, setSelected] = useState("trigger");
  const [adding, setAdding] = useState<{ listPath: Path; index: number } | null>(null);
  const [view, setView] = useState<"canvas" | "yaml">("canvas");
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [comparing, setComparing] = useState(false);
  const [editError, setEditError] = useState<unknown>(null);
  // A save that waits for IT's review (202): the document sent, and the review.
  const [submitted, setSubmitted] = useState<{ text: string; review: Review; hidden?: boolean } | null>(null);
  const text = h.present;
  const dirty = text !== saved.text;
  const waiting = !!submitted && text === submitted.text;

  const go = useCallback((next: History) => {
    hRef.current = next;
    setH(next);
  }, []);
  // apply runs one change on the latest text; a change that cannot be
  // made (the document does not parse) is reported, not thrown.
  const apply = useCallback((change: (t: string) => string, group?: string) => {
    const cur = hRef.current;
    try {
      go(record(cur, change(cur.present), group));
      setEditError(null);
    } catch (e) {
      setEditError(e);
    }
  }, [go]);

  const parsed = useMemo(() => {
    try {
      return { data: read(text) };
    } catch (e) {
      return { data: undefined, error: e as Error };
    }
  }, [text]);
  const data = useMemo(() => parsed.data ?? {}, [parsed.data]);
  const steps = useMemo(() => allSteps(data), [data]);
  const graph = useMemo(() => (parsed.data ? buildGraph(data, { byPath: true }) : undefined), [parsed.data, data]);
  const connectors = useConnectors();
  const items = useMemo(() => catalogue(connectors.data ?? []), [connectors.data]);
  const problems = useProblems(text);
  const byOwner = useMemo(() => groupProblems(problems, steps), [problems, steps]);

  const stepExists = selected === "trigger" || steps.some((s) => formatPath(s.path) === selected);
  const current = stepExists ? selected : "trigger";
  const currentPath = useMemo(() => (current === "trigger" ? ("trigger" as const) : parsePath(current)), [current]);
  const ctx: FormContext = useMemo(() => ({
    set: (path, value, group) => apply((t) => setAt(t, path, value), group),
    rename: (path, from, to) => apply((t) => renameKey(t, path, from, to)),
    problems: byOwner.byPath,
    suggestions: suggestions(data, currentPath),
  }), [apply, byOwner.byPath, data, currentPath]);

  const name = typeof data.name === "string" ? data.name : "";
  const save = useMutation({
    mutationFn: async (v: { text: string; base: number }) =>
      must(await api.PUT("/api/v1/flows", { body: { document: v.text, file: formatOf(v.text) === "json" ? "flow.json" : "flow.yaml", base_version: v.base } })),
    onSuccess: (r, v) => {
      setConflict(null);
      setComparing(false);
      if (r.review) {
        // Not saved: IT publishes it. The editor keeps the document as it is.
        setSubmitted({ text: v.text, review: r.review });
        qc.invalidateQueries({ queryKey: ["reviews"] });
        return;
      }
      setSubmitted(null);
      setSaved({ text: v.text, version: r.flow.version, name: r.flow.name });
      qc.invalidateQueries({ queryKey: ["flows"] });
      qc.invalidateQueries({ queryKey: ["flow", r.flow.name] });
      qc.invalidateQueries({ queryKey: ["flow-versions", r.flow.name] });
      setRestoring(0);
      // The address follows the saved flow without reloading the editor (and its undo).
      if (location.pathname + location.search !== paths.editFlow(r.flow.name)) history.replaceState(null, "", paths.editFlow(r.flow.name));
    },
    onError: async (err) => {
      if (err instanceof ApiError && err.status === 409) setConflict(await conflictOf(err, name, saved.version));
    },
  });
  const baseFor = (n: string) => (saved.name && n === saved.name ? saved.version : 0);
  const doSave = (base = baseFor(name)) => {
    // The same document again would only be a second review of it.
    if (!save.isPending && hRef.current.present !== submitted?.text) save.mutate({ text: hRef.current.present, base });
  };
  const reload = (f: Flow) => {
    apply(() => f.document ?? "");
    setSaved({ text: f.document ?? "", version: f.version, name: f.name });
    setConflict(null);
    setComparing(false);
    setSubmitted(null);
    save.reset();
  };

  useShortcuts({ undo: () => go(undo(hRef.current)), redo: () => go(redo(hRef.current)), save: () => doSave() });
  useEffect(() => {
    // What waits for review is kept on the server: leaving loses nothing.
    if (!dirty || waiting) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    setLeaveGuard(() => window.confirm("Leave the editor? Your changes to this flow are not saved."));
    return () => {
      window.removeEventListener("beforeunload", warn);
      setLeaveGuard(null);
    };
  }, [dirty, waiting]);

  const pick = (it: CatalogueItem) => {
    const where = adding ?? insertionPoint(current);
    const list = (where.listPath.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], data) ?? []) as unknown[];
    const index = Math.min(where.index, Array.isArray(list) ? list.length : 0);
    const id = uniqueStepId(data, it.action ? it.action.split(".")[1] : it.kind);
    apply((t) => addStep(t, where.listPath, index, { id, ...it.starter }));
    setSelected(formatPath([...where.listPath, index]));
    setAdding(null);
  };
  const move = (delta: number) => {
    const r = moveStep(hRef.current.present, currentPath as Path, delta);
    apply(() => r.text);
    setSelected(formatPath(r.path));
  };
  const remove = () => {
    apply((t) => removeStep(t, currentPath as Path));
    setSelected("trigger");
  };

  const counts = useMemo(() => {
    const m = new Map<string, Counts>();
    byOwner.byOwner.forEach((ps, owner) => m.set(owner, {
      errors: ps.filter((p) => p.severity !== "warning").length, warnings: ps.filter((p) => p.severity === "warning").length,
    }));
    return m;
  }, [byOwner]);
  const errors = problems.filter((p) => p.severity !== "warning").length;

  return (
    <Stack gap="md">
      <div>
        <Anchor component={Link} href={saved.name ? paths.flow(saved.name) : paths.home} size="sm">
          {saved.name ? `← Back to ${saved.name}` : "← All flows"}
        </Anchor>
        <Group justify="space-between" align="flex-end" mt={4} gap="sm">
          <Group align="flex-end" gap="sm" style={{ flex: 1, minWidth: 260 }}>
            <Title order={1} size="h2">{saved.name ? "Edit flow" : "New flow"}</Title>
            <TextInput
              label="Flow name" value={name} disabled={!parsed.data} style={{ flex: 1, maxWidth: 420 }}
              onChange={(e) => apply((t) => setAt(t, ["name"], e.currentTarget.value), "name")}
              error={byOwner.byPath.get("name")?.join(" ")}
            />
          </Group>
          <Group gap="xs">
            <ActionIcon variant="default" size="lg" aria-label="Undo" title="Undo (Ctrl+Z)" disabled={!can(h).undo} onClick={() => go(undo(hRef.current))}><span aria-hidden>↶</span></ActionIcon>
            <ActionIcon variant="default" size="lg" aria-label="Redo" title="Redo (Ctrl+Shift+Z)" disabled={!can(h).redo} onClick={() => go(redo(hRef.current))}><span aria-hidden>↷</span></ActionIcon>
            <SegmentedControl aria-label="Show the flow as" value={view} onChange={(v) => setView(v as "canvas" | "yaml")} data={[{ label: "Canvas", value: "canvas" }, { label: "YAML", value: "yaml" }]} />
            <Button onClick={() => doSave()} loading={save.isPending} disabled={(!dirty && !!saved.name) || waiting}>Save</Button>
          </Group>
        </Group>
        <Group gap="xs" mt={6} aria-live="polite">
          {waiting ? <Badge color="blue" variant="light">Submitted for review</Badge> : dirty ? <Badge color="gray" variant="light">Unsaved changes</Badge> : saved.name ? <Badge color="green" variant="light">Saved · version {saved.version}</Badge> : null}
          {problems.length > 0 ? (
            <Badge color={errors ? "red" : "yellow"} variant="light">{errors ? `${errors} problem${errors > 1 ? "s" : ""} to fix before saving` : `${problems.length} warning${problems.length > 1 ? "s" : ""}`}</Badge>
          ) : parsed.data ? <Badge color="green" variant="outline">No problems</Badge> : null}
        </Group>
      </div>

      {restoring > 0 && <RestoreNote from={restoring} latest={saved.version} same={!dirty} onDismiss={() => setRestoring(0)} />}
      {conflict && <ConflictAlert c={conflict} onReload={() => conflict.kind === "changed" && reload(conflict.flow)} onCompare={() => setComparing(true)} onDismiss={() => {
        if (conflict.kind === "deleted") setSaved((s) => ({ ...s, version: 0, name: "" }));
        setConflict(null);
      }} />}
      {conflict?.kind === "changed" && (
        <CompareModal opened={comparing} theirs={conflict.flow.document ?? ""} mine={text} version={conflict.flow.version}
          onClose={() => setComparing(false)} onReload={() => reload(conflict.flow)} onKeepMine={() => doSave(conflict.flow.version)} />
      )}
      {save.isError && !conflict && <ErrorAlert error={save.error} onClose={save.reset} />}
      {submitted && !submitted.hidden && (
        <SubmittedNote review={submitted.review} changedSince={!waiting} onDismiss={() => setSubmitted((x) => x && { ...x, hidden: true })} />
      )}
      {save.isSuccess && !dirty && !save.data.review && (
        <Alert color="green" title={save.data.changed ? `Saved as version ${save.data.flow.version}` : "Nothing changed since the last save"} withCloseButton onClose={save.reset} closeButtonLabel="Dismiss">
          <Text size="sm">The flow is saved on the server. <Anchor component={Link} href={paths.flow(save.data.flow.name)}>Open it</Anchor> to turn it on or run it now.</Text>
        </Alert>
      )}
      {editError !== null && <ErrorAlert error={editError} onClose={() => setEditError(null)} />}

      {view === "yaml" ? (
        <YamlView text={text} onChange={(v) => apply(() => v, "yaml")} problems={problems} />
      ) : !graph ? (
        <Alert color="red" title="The document cannot be read" role="alert">
          <Text size="sm">{parsed.error?.message}</Text>
          <Button mt="sm" size="compact-sm" onClick={() => setView("yaml")}>Fix it in the YAML view</Button>
        </Alert>
      ) : (
        <Grid gap="md">
          <Grid.Col span={{ base: 12, md: 7 }}>
            <Stack gap="sm">
              <ProblemList problems={byOwner.byOwner.get("") ?? []} title="Problems with the flow" />
              <EditorCanvas graph={graph} selected={adding ? "" : current} counts={counts} onSelect={(p) => { setSelected(p); setAdding(null); }} />
              <Group>
                <Button onClick={() => setAdding(insertionPoint(current))} variant="light">Add a step</Button>
                <Text size="xs" c="dimmed">New steps go after the chosen one. Ctrl+Z undoes, Ctrl+S saves.</Text>
              </Group>
            </Stack>
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 5 }}>
            <Paper withBorder p="md" radius="md" component="section" aria-label={adding ? "Add a step" : current === "trigger" ? "Trigger settings" : "Step settings"}>
              {adding ? (
                <Catalogue items={items} where={whereWords(adding.listPath)} onPick={pick} onCancel={() => setAdding(null)} />
              ) : current === "trigger" ? (
                <TriggerPanel data={data} ctx={ctx} problems={byOwner.byOwner.get("trigger") ?? []} onKind={(k, s) => apply((t) => setTrigger(t, k, s))} />
              ) : (
                <StepPanel
                  key={current} data={data} path={currentPath as Path} ctx={ctx} problems={byOwner.byOwner.get(current) ?? []}
                  connectors={connectors.data ?? []} onMove={move} onDelete={remove}
                  onAddInside={(listPath) => setAdding({ listPath, index: Number.MAX_SAFE_INTEGER })}
                />
              )}
            </Paper>
          </Grid.Col>
        </Grid>
      )}
    </Stack>
  );
}

// RestoreNote says that the editor holds an older version's document,
// which becomes the newest version only when saved.
function RestoreNote({ from, latest, same, onDismiss }: { from: number; latest: number; same: boolean; onDismiss: () => void }) {
  return (
    <Alert color="blue" title={`Restoring version ${from}`} role="status" withCloseButton onClose={onDismiss} closeButtonLabel="Dismiss">
      <Text size="sm">
        {same
          ? `Version ${from} has the same document as the current version ${latest}: there is nothing to restore.`
          : `This is the document of version ${from}. Save it to make it version ${latest + 1}; until then the flow stays as version ${latest} is. You can change it before saving.`}
      </Text>
    </Alert>
  );
}

// The document itself: what `bistro flow apply` reads. Typing here changes
// the canvas too.
function YamlView({ text, onChange, problems }: { text: string; onChange: (v: string) => void; problems: ShownProblem[] }) {
  return (
    <Stack gap="sm">
      <Textarea
        label={formatOf(text) === "json" ? "The flow document (JSON)" : "The flow document (YAML)"}
        description="The same document the command line uses: save it as a file and run 'bistro flow apply FILE'. Changes here show on the canvas too."
        value={text} onChange={(e) => onChange(e.currentTarget.value)} autosize minRows={16} maxRows={40} spellCheck={false}
        styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)", fontSize: 13 } }}
      />
      {problems.length > 0 && (
        <Alert color="red" title="Problems" role="status">
          <List size="sm">{problems.map((p, i) => <List.Item key={i}>{p.line ? `Line ${p.line}: ` : ""}{p.message}{p.hint ? ` — ${p.hint}` : ""}</List.Item>)}</List>
        </Alert>
      )}
    </Stack>
  );
}

function whereWords(listPath: Path): string {
  const last = listPath[listPath.length - 1];
  if (listPath.length === 1) return "The new step goes after the chosen step (first when the trigger is chosen).";
  if (last === "then") return "The new step goes at the end of the “yes” branch.";
  if (last === "else") return "The new step goes at the end of the “no” branch.";
  if (last === "default") return "The new step goes at the end of the “otherwise” branch.";
  return "The new step goes inside the chosen step.";
}

// insertionPoint is after the chosen step, in its list; first when the
// trigger is chosen.
function insertionPoint(selected: string): { listPath: Path; index: number } {
  if (selected === "trigger") return { listPath: ["steps"], index: 0 };
  const p = parsePath(selected);
  return { listPath: p.slice(0, -1), index: (p[p.length - 1] as number) + 1 };
}

// useProblems checks the document on the server a moment after typing stops.
function useProblems(text: string): ShownProblem[] {
  const [settled] = useDebouncedValue(text, 400);
  const q = useQuery({
    queryKey: ["validate", settled],
    queryFn: async (): Promise<ShownProblem[]> => must(await api.POST("/api/v1/flows/validate", { body: { document: settled } })).problems ?? [],
    placeholderData: keepPreviousData,
    staleTime: Infinity,
    retry: false,
  });
  return q.data ?? [];
}

function groupProblems(problems: ShownProblem[], steps: ReturnType<typeof allSteps>) {
  const byOwner = new Map<string, ShownProblem[]>();
  const byPath = new Map<string, string[]>();
  for (const p of problems) {
    const path = parsePath(p.path);
    const owner = ownerOf(path, steps);
    byOwner.set(owner, [...(byOwner.get(owner) ?? []), p]);
    const key = formatPath(path);
    byPath.set(key, [...(byPath.get(key) ?? []), p.message + (p.hint ? ` (${p.hint})` : "")]);
  }
  return { byOwner, byPath };
}

async function conflictOf(err: ApiError, name: string, base: number): Promise<Conflict | null> {
  const code = err.problem?.code;
  const r = await api.GET("/api/v1/flows/{name}", { params: { path: { name } } });
  if (!r.data) return code === "flow_changed" ? { kind: "deleted", name } : null;
  if (code === "flow_exists") return { kind: "exists", flow: r.data };
  return { kind: "changed", flow: r.data, base };
}

// useShortcuts binds Ctrl/Cmd+Z, Ctrl+Shift+Z, Ctrl+Y and Ctrl+S. Inside a
// text box the box's own undo wins.
function useShortcuts(actions: { undo: () => void; redo: () => void; save: () => void }) {
  const ref = useRef(actions);
  ref.current = actions;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
      const k = e.key.toLowerCase();
      if (k === "s") {
        e.preventDefault();
        ref.current.save();
        return;
      }
      if ((e.target as HTMLElement | null)?.closest?.("input, textarea, [contenteditable=true]")) return;
      if (k === "z" && !e.shiftKey) {
        e.preventDefault();
        ref.current.undo();
      } else if ((k === "z" && e.shiftKey) || k === "y") {
        e.preventDefault();
        ref.current.redo();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}

import { useEffect, useState } from "react";
import { Alert, Badge, Button, Group, List, SegmentedControl, Stack, Text, TextInput, Title } from "@mantine/core";
import { ConnectionSelect } from "../connections/ConnectionSelect";
import { formatPath, getAt, stepKind, triggerKind, triggerKinds, type Path, type StepData, type TriggerKind } from "./document";
import { kindTitle, type ConnectorInfo } from "./catalogue";
import { MapField, ObjectField, SchemaField, type FormContext } from "./SchemaForm";
import { flowSchema, resolve, starter, stepSchema, triggerSchema, type Schema } from "./schema";

/** A problem shown on its step. */
export interface ShownProblem {
  path: string;
  severity: string;
  message: string;
  hint?: string;
  line?: number;
}

/** The list of problems of a step or the trigger, in plain words. */
export function ProblemList({ problems, title }: { problems: ShownProblem[]; title: string }) {
  if (problems.length === 0) return null;
  const errors = problems.filter((p) => p.severity !== "warning").length;
  return (
    <Alert color={errors ? "red" : "yellow"} title={title} role="status" aria-live="polite">
      <List size="sm" spacing={4}>
        {problems.map((p, i) => (
          <List.Item key={i}>
            {p.severity === "warning" && <Badge size="xs" color="yellow" mr={6}>warning</Badge>}
            {p.message}{p.hint && <Text span c="dimmed" size="sm">{` — ${p.hint}`}</Text>}
          </List.Item>
        ))}
      </List>
    </Alert>
  );
}

const triggerWords: Record<TriggerKind, string> = { manual: "By hand", webhook: "Webhook", schedule: "Schedule", event: "Event" };

/** The trigger's settings: its kind, then its kind's form. */
export function TriggerPanel({ data, ctx, problems, onKind }: { data: Record<string, unknown>; ctx: FormContext; problems: ShownProblem[]; onKind: (k: TriggerKind, settings: Record<string, unknown>) => void }) {
  const kind = triggerKind(data);
  const schema = triggerSchema(kind);
  const value = getAt(data, ["trigger", kind]);
  return (
    <Stack gap="md">
      <Title order={2} size="h3">What starts the flow</Title>
      <SegmentedControl
        aria-label="What starts the flow" value={kind} fullWidth
        data={triggerKinds.map((k) => ({ value: k, label: triggerWords[k] }))}
        onChange={(k) => onKind(k as TriggerKind, starter(triggerSchema(k)) as Record<string, unknown>)}
      />
      <Text size="sm" c="dimmed">{schema.description}</Text>
      <ObjectField schema={schema} path={["trigger", kind]} value={value} label="Settings" ctx={ctx} open />
      <ProblemList problems={problems} title="Problems with the trigger" />
    </Stack>
  );
}

/** Props of StepPanel. */
export interface StepPanelProps {
  data: Record<string, unknown>;
  path: Path;
  ctx: FormContext;
  problems: ShownProblem[];
  connectors: ConnectorInfo[];
  onMove: (delta: number) => void;
  onDelete: () => void;
  onAddInside: (listPath: Path) => void;
}

/** One step's settings: its id and title, its kind's form, and more settings folded away. */
export function StepPanel(p: StepPanelProps) {
  const step = (getAt(p.data, p.path) ?? {}) as StepData;
  const kind = stepKind(step);
  const at = formatPath(p.path);
  const stepProps = flowSchema.$defs.Step.properties ?? {};
  const list = getAt(p.data, p.path.slice(0, -1)) as unknown[] | undefined;
  const index = p.path[p.path.length - 1] as number;
  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <div>
          <Text size="xs" tt="uppercase" fw={700} c="dimmed">{kind ? kindTitle(kind) : "Step"}</Text>
          <Title order={2} size="h3" style={{ wordBreak: "break-word" }}>{String(step.title || step.id || "A step")}</Title>
        </div>
        <Group gap={4} wrap="nowrap">
          <Button size="compact-sm" variant="default" disabled={index <= 0} onClick={() => p.onMove(-1)} aria-label="Move the step up">↑</Button>
          <Button size="compact-sm" variant="default" disabled={!list || index >= list.length - 1} onClick={() => p.onMove(1)} aria-label="Move the step down">↓</Button>
          <Button size="compact-sm" variant="light" color="red" onClick={p.onDelete}>Delete step</Button>
        </Group>
      </Group>
      {kind && isObjectKind(kind) && stepProps[kind]?.description && <Text size="sm" c="dimmed">{stepProps[kind]?.description}</Text>}
      <IdInput path={[...p.path, "id"]} value={String(step.id ?? "")} ctx={p.ctx} />
      <SchemaField schema={stepProps.title} path={[...p.path, "title"]} value={step.title} label="Title" ctx={p.ctx} />
      {kind === "action" ? <ActionForm {...p} step={step} /> : kind ? <KindForm kind={kind} step={step} path={p.path} ctx={p.ctx} /> : (
        <Text size="sm" c="red">This step does not say what it does. Open the YAML view to give it a kind, or delete it.</Text>
      )}
      <BranchButtons kind={kind} path={p.path} onAddInside={p.onAddInside} />
      <details className="bistro-section" open={step.when !== undefined || step.retry !== undefined || step.on_error !== undefined}>
        <summary><Text span fw={600} size="sm">More settings: condition, retries, errors</Text></summary>
        <Stack gap="sm" mt="xs">
          {["when", "retry", "on_error"].map((k) => (
            <SchemaField key={k} schema={stepProps[k]} path={[...p.path, k]} value={step[k]} label={k === "when" ? "Only when" : k === "on_error" ? "When it fails" : "Retry"} ctx={p.ctx} />
          ))}
        </Stack>
      </details>
      {/* Below the fields, so that problems appearing while typing do not move the box being typed in. */}
      <ProblemList problems={p.problems} title="Problems with this step" />
      <Text size="xs" c="dimmed">In the document: <code>{at}</code></Text>
    </Stack>
  );
}

// IdInput changes the step's id when the box is left, so references are
// not checked against half-typed ids.
function IdInput({ path, value, ctx }: { path: Path; value: string; ctx: FormContext }) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  const bad = /^[a-z][a-z0-9_]*$/.test(draft) ? undefined : "Use lower case letters, digits and _ and start with a letter, e.g. clean_email.";
  const problems = ctx.problems.get(formatPath(path));
  const commit = () => !bad && draft !== value && ctx.set(path, draft);
  return (
    <TextInput
      label="Step id" description="Other steps read this step's record as steps.ID." required value={draft}
      error={bad ?? problems?.join(" ")} onChange={(e) => setDraft(e.currentTarget.value)} onBlur={commit}
      onKeyDown={(e) => { if (e.key === "Enter") commit(); }}
      styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
    />
  );
}

// isObjectKind says whether a kind has named settings (its form has its
// own field descriptions otherwise).
function isObjectKind(kind: string): boolean {
  return stepSchema(kind).type === "object";
}

function KindForm({ kind, step, path, ctx }: { kind: string; step: StepData; path: Path; ctx: FormContext }) {
  const s: Schema = stepSchema(kind);
  const at = [...path, kind];
  const label = kindTitle(kind);
  if (kind === "set") return <MapField schema={{ ...s, description: undefined }} path={at} value={step.set} label="Fields" ctx={ctx} />;
  if (kind === "rename") return <MapField schema={{ ...s, description: undefined, additionalProperties: { type: "string" } }} path={at} value={step.rename} label="Old name → new name" ctx={ctx} noun="name" />;
  if (s.type === "object" && s.properties) return <ObjectField schema={s} path={at} value={step[kind]} label={label} ctx={ctx} open />;
  // One-value kinds (filter, log, limit, stop, fail, remove, keep).
  const words: Record<string, string> = { filter: "Keep the records where", log: "Message", stop: "Reason", fail: "Message", limit: "How many records", remove: "Fields to remove", keep: "Fields to keep" };
  return <SchemaField schema={s} path={at} value={step[kind]} label={words[kind] ?? label} required ctx={ctx} />;
}

function BranchButtons({ kind, path, onAddInside }: { kind?: string; path: Path; onAddInside: (listPath: Path) => void }) {
  const targets: [string, Path][] =
    kind === "if" ? [["Add a step to “yes”", [...path, "if", "then"]], ["Add a step to “no”", [...path, "if", "else"]]]
      : kind === "for_each" ? [["Add a step for each item", [...path, "for_each", "steps"]]]
        : kind === "join" ? [["Add a step to the other branch", [...path, "join", "steps"]]]
          : kind === "switch" ? [["Add a step to “otherwise”", [...path, "switch", "default"]]]
            : [];
  if (targets.length === 0) return null;
  return (
    <Group gap="xs">
      {targets.map(([label, lp]) => <Button key={label} variant="light" size="compact-sm" onClick={() => onAddInside(lp)}>{label}</Button>)}
    </Group>
  );
}

// ActionForm is a connector action's step: the connection, then the
// action's own settings from the connector's spec.
function ActionForm(p: StepPanelProps & { step: StepData }) {
  const id = String(p.step.action ?? "");
  const connectorName = id.split(".")[0];
  const c = p.connectors.find((x) => x.name === connectorName);
  const a = c?.actions?.find((x) => x.id === id);
  const connPath = [...p.path, "connection"];
  const connProblems = p.ctx.problems.get(formatPath(connPath));
  return (
    <Stack gap="sm">
      <Text size="sm"><b>{c?.title ?? connectorName}: {a?.title ?? id}</b>{a?.description ? ` — ${a.description}` : ""}</Text>
      {!a && <Text size="sm" c="red">This server has no action called {id}.</Text>}
      <ConnectionSelect
        connector={connectorName} info={c} value={String(p.step.connection ?? "")}
        error={connProblems?.join(" ")} onChange={(v) => p.ctx.set(connPath, v === "" ? undefined : v)}
      />
      {a && <ObjectField schema={resolve(a.input_schema as Schema)} path={[...p.path, "with"]} value={p.step.with} label="Settings" ctx={p.ctx} open />}
    </Stack>
  );
}

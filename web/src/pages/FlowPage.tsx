import { lazy, Suspense, useMemo, useState } from "react";
import { Anchor, Badge, Button, Code, CopyButton, Group, JsonInput, Paper, ScrollArea, SegmentedControl, Stack, Switch, Tabs, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, must, type Flow } from "../api/client";
import { useFlow, useRuns } from "../api/queries";
import { ErrorAlert } from "../components/ErrorAlert";
import { Empty, Loading, when } from "../components/bits";
import { buildGraph, parseDocument } from "../graph/model";
import { Link, navigate, paths, useTitle } from "../router";
import { RunTable } from "./Home";
import { FlowHistory } from "./FlowHistory";

/** One flow: its picture, document, switch, webhook address and "Run now"; its versions under "History". */
export function FlowPage({ name, tab = "" }: { name: string; tab?: string }) {
  useTitle(name);
  const flow = useFlow(name);
  if (flow.isPending) return <Loading what="the flow" />;
  if (flow.isError) return <ErrorAlert error={flow.error} />;
  const f = flow.data;
  const current = tab === "history" ? "history" : "overview";
  return (
    <Stack gap="lg">
      <div>
        <Anchor component={Link} href={paths.home} size="sm">← All flows</Anchor>
        <Group justify="space-between" align="flex-end" mt={4}>
          <Title order={1} style={{ wordBreak: "break-word" }}>{f.name}</Title>
          <Group gap="xs">
            <Badge variant="light">Version {f.version}</Badge><Badge variant="light" color="gray">Updated {when(f.updated_at)}</Badge>
            <Button component={Link} href={paths.editFlow(f.name)} size="compact-md">Edit flow</Button>
          </Group>
        </Group>
      </div>
      <Tabs value={current} onChange={(v) => v && v !== current && navigate(paths.flow(f.name, v === "history" ? "history" : undefined), true)} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="overview">Overview</Tabs.Tab>
          <Tabs.Tab value="history" rightSection={<Badge size="xs" variant="light" aria-label={`${f.version} version${f.version === 1 ? "" : "s"}`}>{f.version}</Badge>}>History</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="overview" pt="lg">
          <Stack gap="lg">
            <Toggle flow={f} />
            {f.webhook_path && <WebhookAddress path={f.webhook_path} />}
            <RunNow flow={f} />
            <Document flow={f} />
            <section aria-label="Recent runs of this flow">
              <Group justify="space-between" mb="sm">
                <Title order={2}>Recent runs</Title>
                <Anchor component={Link} href={paths.runs({ flow: f.name })} size="sm">See all</Anchor>
              </Group>
              <FlowRuns name={f.name} />
            </section>
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="history" pt="lg">
          <FlowHistory name={f.name} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function Toggle({ flow }: { flow: Flow }) {
  const qc = useQueryClient();
  const m = useMutation({
    mutationFn: async (on: boolean) => {
      const p = { params: { path: { name: flow.name } } };
      return must(on ? await api.POST("/api/v1/flows/{name}/enable", p) : await api.POST("/api/v1/flows/{name}/disable", p));
    },
    onSuccess: () => qc.invalidateQueries({ queryKey: ["flow"] }).then(() => qc.invalidateQueries({ queryKey: ["flows"] })),
  });
  const what = flow.trigger === "webhook" ? "its webhook answers calls" : flow.trigger === "schedule" ? "it runs on its schedule" : "it can be run";
  return (
    <Paper withBorder p="md" radius="md">
      <Switch
        checked={flow.enabled} disabled={m.isPending} onChange={(e) => m.mutate(e.currentTarget.checked)}
        label={flow.enabled ? "This flow is on" : "This flow is off"}
        description={flow.enabled ? `While it is on, ${what}.` : `Turn it on so that ${what}.`}
      />
      {m.isError && <Stack mt="sm"><ErrorAlert error={m.error} onClose={m.reset} /></Stack>}
    </Paper>
  );
}

// The diagram library is most of the app's size: load it with the first diagram.
const FlowCanvas = lazy(() => import("../graph/FlowCanvas").then((m) => ({ default: m.FlowCanvas })));

// Only the text boxes are monospace; their labels stay in the page's font.
const mono = { input: { fontFamily: "var(--mantine-font-family-monospace)" } };

function WebhookAddress({ path }: { path: string }) {
  const url = new URL(path, location.origin).toString();
  return (
    <Paper withBorder p="md" radius="md">
      <Group align="flex-end" wrap="nowrap">
        <TextInput label="Webhook address" description="Other apps send their data here." value={url} readOnly style={{ flex: 1, minWidth: 0 }} styles={mono} onFocus={(e) => e.currentTarget.select()} />
        <CopyButton value={url}>
          {({ copied, copy }) => <Button variant={copied ? "light" : "default"} color={copied ? "green" : undefined} onClick={copy}>{copied ? "Copied" : "Copy"}</Button>}
        </CopyButton>
      </Group>
    </Paper>
  );
}

function exampleInput(flow: Flow): string {
  try {
    const doc = parseDocument(flow.document ?? "") as { trigger?: Record<string, { example?: unknown } | undefined> };
    const t = doc.trigger ?? {};
    const ex = t.manual?.example ?? t.webhook?.example;
    if (ex !== undefined) return JSON.stringify(ex, null, 2);
  } catch {
    // No example then; the box starts with an empty record.
  }
  return "{}";
}

function RunNow({ flow }: { flow: Flow }) {
  const [input, setInput] = useState(() => exampleInput(flow));
  const [invalid, setInvalid] = useState("");
  const qc = useQueryClient();
  const m = useMutation({
    mutationFn: async (value: unknown) =>
      must(await api.POST("/api/v1/flows/{name}/runs", { params: { path: { name: flow.name } }, body: { input: value, wait: 10 } })),
    onSuccess: (run) => {
      qc.invalidateQueries({ queryKey: ["runs"] });
      navigate(paths.run(run.id));
    },
  });
  const start = () => {
    let value: unknown;
    try {
      value = JSON.parse(input);
    } catch (e) {
      setInvalid(`This is not valid JSON: ${(e as Error).message}. A record looks like {"email": "ann@example.com"}.`);
      return;
    }
    if (value === null || typeof value !== "object") {
      setInvalid('The input must be a record like {"email": "ann@example.com"}, or a list of them in [ ].');
      return;
    }
    setInvalid("");
    m.mutate(value);
  };
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-label="Run now">
      <Title order={2} size="h3" mb="xs">Run now</Title>
      <JsonInput
        label="Input" description="One record, or a list of records in [ ], as JSON." value={input}
        onChange={(v) => { setInput(v); setInvalid(""); }} error={invalid || undefined}
        autosize minRows={3} maxRows={14} formatOnBlur validationError="This is not valid JSON yet." styles={mono}
      />
      <Group mt="sm">
        <Button onClick={start} loading={m.isPending}>Run now</Button>
        {!flow.enabled && <Text size="sm" c="dimmed">The flow is off; running it by hand still works if the server allows it.</Text>}
      </Group>
      {m.isError && <Stack mt="sm"><ErrorAlert error={m.error} onClose={m.reset} /></Stack>}
    </Paper>
  );
}

function Document({ flow }: { flow: Flow }) {
  const [view, setView] = useState("diagram");
  const parsed = useMemo(() => {
    try {
      return { graph: buildGraph(parseDocument(flow.document ?? "")) };
    } catch (e) {
      return { error: e };
    }
  }, [flow.document]);
  return (
    <section aria-label="Flow document">
      <Group justify="space-between" mb="sm">
        <Title order={2}>Steps</Title>
        <SegmentedControl value={view} onChange={setView} data={[{ label: "Diagram", value: "diagram" }, { label: "Document", value: "document" }]} aria-label="Show the steps as" />
      </Group>
      {view === "diagram" ? (
        parsed.graph ? <Suspense fallback={<Loading what="the diagram" />}><FlowCanvas graph={parsed.graph} /></Suspense> : <ErrorAlert error={parsed.error} />
      ) : (
        <ScrollArea.Autosize mah={560} type="auto">
          <Code block aria-label={`Flow document (${flow.format.toUpperCase()})`} style={{ whiteSpace: "pre" }}>{flow.document}</Code>
        </ScrollArea.Autosize>
      )}
      <Text size="xs" c="dimmed" mt="xs">
        To change the flow, press “Edit flow” above, or edit its file and run <Code>bistro flow apply</Code> again.
      </Text>
    </section>
  );
}

function FlowRuns({ name }: { name: string }) {
  const runs = useRuns({ flow: name, limit: 5 });
  if (runs.isPending) return <Loading what="runs" />;
  if (runs.isError) return <ErrorAlert error={runs.error} />;
  if (runs.data.length === 0) return <Empty title="This flow has not run yet." />;
  return <RunTable runs={runs.data} showFlow={false} />;
}

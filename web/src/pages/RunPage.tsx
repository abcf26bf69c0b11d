import { useState } from "react";
import { Alert, Anchor, Button, Group, Paper, SegmentedControl, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, must, type RunDetail } from "../api/client";
import { ended, useRun } from "../api/queries";
import { ErrorAlert } from "../components/ErrorAlert";
import { asRecords, Empty, JsonView, Loading, RecordsTable, startedBy, StatusBadge, took, when } from "../components/bits";
import { Link, navigate, paths, useTitle } from "../router";

/** One run: what started it, what went in and out, each step, and the error. */
export function RunPage({ id }: { id: string }) {
  useTitle("Run");
  const run = useRun(id);
  if (run.isPending) return <Loading what="the run" />;
  if (run.isError) return <ErrorAlert error={run.error} />;
  const r = run.data;
  return (
    <Stack gap="lg">
      <div>
        <Anchor component={Link} href={paths.runs({ flow: r.flow_name })} size="sm">← Runs of {r.flow_name}</Anchor>
        <Group justify="space-between" align="center" mt={4}>
          <Group gap="sm">
            <Title order={1}>Run of <Anchor component={Link} href={paths.flow(r.flow_name)} inherit>{r.flow_name}</Anchor></Title>
            <StatusBadge status={r.status} />
          </Group>
          <Actions run={r} />
        </Group>
      </div>
      <Facts run={r} />
      <RunError run={r} />
      <Records title="Output" value={r.output} empty={ended(r.status) ? "This run passed no records on." : "No output yet."} />
      <Response run={r} />
      <Records title="Input" value={r.input} empty="This run had no input." />
      <Steps run={r} />
    </Stack>
  );
}

function Facts({ run }: { run: RunDetail }) {
  const facts: [string, string][] = [
    ["Started by", startedBy(run.trigger)], ["Created", when(run.created_at)], ["Ended", when(run.ended_at) || "Not yet"],
    ["Took", took(run.started_at, run.ended_at) || "—"], ["Flow version", String(run.flow_version)], ["Attempt", String(run.attempt)],
  ];
  if (run.from_step) facts.push(["Started from step", run.from_step]);
  return (
    <Paper withBorder p="md" radius="md">
      <SimpleGrid cols={{ base: 2, sm: 3 }} spacing="sm">
        {facts.map(([k, v]) => (
          <div key={k}><Text size="xs" c="dimmed">{k}</Text><Text size="sm" fw={500}>{v}</Text></div>
        ))}
      </SimpleGrid>
      {run.parent_id && <Text size="sm" mt="sm">This is a re-run of <Anchor component={Link} href={paths.run(run.parent_id)}>an earlier run</Anchor>.</Text>}
    </Paper>
  );
}

function Actions({ run }: { run: RunDetail }) {
  const qc = useQueryClient();
  const path = { params: { path: { id: run.id } } };
  const cancel = useMutation({
    mutationFn: async () => must(await api.POST("/api/v1/runs/{id}/cancel", path)),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["run", run.id] }),
  });
  const rerun = useMutation({
    mutationFn: async (fromFailed: boolean) => must(await api.POST("/api/v1/runs/{id}/rerun", { ...path, body: { from_failed: fromFailed } })),
    onSuccess: (r) => {
      qc.invalidateQueries({ queryKey: ["runs"] });
      navigate(paths.run(r.id));
    },
  });
  const err = cancel.error ?? rerun.error;
  return (
    <Stack gap="xs" align="flex-end">
      <Group gap="xs">
        {!ended(run.status) && <Button color="red" variant="light" loading={cancel.isPending} onClick={() => cancel.mutate()}>Cancel run</Button>}
        {ended(run.status) && <Button variant="default" loading={rerun.isPending} onClick={() => rerun.mutate(false)}>Run again</Button>}
        {run.status === "failed" && <Button loading={rerun.isPending} onClick={() => rerun.mutate(true)}>Retry from the failed step</Button>}
      </Group>
      {err && <ErrorAlert error={err} onClose={() => { cancel.reset(); rerun.reset(); }} />}
    </Stack>
  );
}

interface StepErr { step?: string; message?: string; index?: number; record?: unknown }

function RunError({ run }: { run: RunDetail }) {
  if (!run.error) return null;
  const e: StepErr = typeof run.error === "object" ? (run.error as StepErr) : { message: String(run.error) };
  const where = [e.step && `in step “${e.step}”`, e.index && `on record ${e.index}`].filter(Boolean).join(" ");
  return (
    <Alert color="red" title={`This run failed${where ? " " + where : ""}`} role="alert">
      <Text size="sm">{e.message ?? JSON.stringify(run.error)}</Text>
      {e.record !== undefined && (
        <Stack gap={4} mt="sm"><Text size="xs" fw={600}>The record as it reached the step</Text><JsonView value={e.record} label="Failed record" /></Stack>
      )}
    </Alert>
  );
}

function Records({ title, value, empty, order = 2 }: { title: string; value: unknown; empty: string; order?: 2 | 3 }) {
  const [view, setView] = useState("table");
  const records = asRecords(value);
  return (
    <section aria-label={title}>
      <Group justify="space-between" mb="xs">
        <Title order={order} size={order === 2 ? "h3" : "h5"}>{title} {records.length > 0 && <Text span c="dimmed" size="sm">({records.length} record{records.length === 1 ? "" : "s"})</Text>}</Title>
        {records.length > 0 && (
          <SegmentedControl size="xs" value={view} onChange={setView} aria-label={`Show the ${title.toLowerCase()} as`}
            data={[{ label: "Table", value: "table" }, { label: "JSON", value: "json" }]} />
        )}
      </Group>
      {records.length === 0 ? <Empty title={empty} /> : view === "table" ? <RecordsTable records={records} label={`${title} records`} /> : <JsonView value={value} label={`${title} JSON`} />}
    </section>
  );
}

interface Reply { status?: number; body?: unknown }

// Response shows what a webhook caller got back (from a respond step).
function Response({ run }: { run: RunDetail }) {
  if (!run.response || typeof run.response !== "object") return null;
  const rep = run.response as Reply;
  return (
    <section aria-label="Answer to the caller">
      <Title order={2} size="h3" mb="xs">Answer to the caller <Text span c="dimmed" size="sm">(status {rep.status ?? 200})</Text></Title>
      {rep.body === undefined ? <Empty title="The answer had no body." /> : <JsonView value={rep.body} label="Answer body" />}
    </section>
  );
}

function Steps({ run }: { run: RunDetail }) {
  const steps = run.steps ?? [];
  return (
    <section aria-label="Steps">
      <Title order={2} size="h3" mb="xs">Steps</Title>
      {steps.length === 0 ? <Empty title={ended(run.status) ? "No step ran." : "No step has run yet."} /> : (
        <Table.ScrollContainer minWidth={420}>
          <Table withTableBorder aria-label="Steps of this run">
            <Table.Thead>
              <Table.Tr><Table.Th>Step</Table.Th><Table.Th>Status</Table.Th><Table.Th>Records in</Table.Th><Table.Th>Records out</Table.Th><Table.Th>Tries</Table.Th></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {[...steps].sort((a, b) => a.position - b.position).map((s) => <StepRow key={s.id} step={s} />)}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </section>
  );
}

type Step = NonNullable<RunDetail["steps"]>[number];

// StepRow is one step's counts; opening it shows the first records that
// reached the step and that it passed on.
function StepRow({ step: s }: { step: Step }) {
  const [open, setOpen] = useState(false);
  const kept = s.input !== undefined || s.output !== undefined;
  return (
    <>
      <Table.Tr>
        <Table.Td>
          <Group gap="xs" wrap="nowrap">
            <Text size="sm" fw={500}>{s.id}</Text>
            {kept && (
              <Button size="compact-xs" variant="subtle" aria-expanded={open} onClick={() => setOpen(!open)}
                aria-label={`${open ? "Hide" : "Show"} the records of step ${s.id}`}>
                {open ? "Hide records" : "Show records"}
              </Button>
            )}
          </Group>
          {s.error && <Text size="xs" c="red">{s.error}</Text>}
        </Table.Td>
        <Table.Td>{s.status}</Table.Td>
        <Table.Td>{s.records_in}</Table.Td>
        <Table.Td>{s.records_out}</Table.Td>
        <Table.Td>{s.attempts}</Table.Td>
      </Table.Tr>
      {open && (
        <Table.Tr>
          <Table.Td colSpan={5}>
            <Stack gap="md" py="xs">
              <Records order={3} title={`Into ${s.id}`} value={s.input} empty="No record reached this step." />
              <Records order={3} title={`Out of ${s.id}`} value={s.output} empty="This step passed no records on." />
            </Stack>
          </Table.Td>
        </Table.Tr>
      )}
    </>
  );
}

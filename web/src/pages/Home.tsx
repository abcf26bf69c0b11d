import { Anchor, Badge, Button, Code, Group, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useFlows, useRuns } from "../api/queries";
import type { Run } from "../api/client";
import { ErrorAlert } from "../components/ErrorAlert";
import { Empty, Loading, startedBy, StatusBadge, when } from "../components/bits";
import { Link, paths, useTitle } from "../router";

const triggerWord = { manual: "By hand", webhook: "Webhook", schedule: "Schedule" } as const;

/** The home page: flows, recent runs, and failed runs that need attention. */
export function Home() {
  useTitle("Flows");
  return (
    <Stack gap="xl">
      <FlowsSection />
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="xl">
        <RunsSection title="Needs attention" status="failed" empty="No failed runs. Nothing needs attention." />
        <RunsSection title="Recent runs" empty="No runs yet. Open a flow and press “Run now”." />
      </SimpleGrid>
    </Stack>
  );
}

function FlowsSection() {
  const flows = useFlows();
  return (
    <section aria-labelledby="flows-title">
      <Group justify="space-between" mb="sm">
        <Title order={2} id="flows-title">Flows</Title>
        <Button component={Link} href={paths.newFlow}>New flow</Button>
      </Group>
      {flows.isPending ? <Loading what="flows" /> : flows.isError ? <ErrorAlert error={flows.error} /> : flows.data.length === 0 ? (
        <Empty title="No flows yet">
          Press “New flow” to make one in the browser, or apply a file with <Code>bistro flow apply my-flow.yaml</Code>; it shows up here.
        </Empty>
      ) : (
        <Table.ScrollContainer minWidth={560}>
          <Table highlightOnHover aria-label="Flows">
            <Table.Thead>
              <Table.Tr><Table.Th>Name</Table.Th><Table.Th>Trigger</Table.Th><Table.Th>Version</Table.Th><Table.Th>State</Table.Th><Table.Th>Updated</Table.Th></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {flows.data.map((f) => (
                <Table.Tr key={f.id}>
                  <Table.Td><Anchor component={Link} href={paths.flow(f.name)} fw={600}>{f.name}</Anchor></Table.Td>
                  <Table.Td>{triggerWord[f.trigger] ?? f.trigger}</Table.Td>
                  <Table.Td>{f.version}</Table.Td>
                  <Table.Td>{f.enabled ? <Badge color="green" variant="light">On</Badge> : <Badge color="gray" variant="light">Off</Badge>}</Table.Td>
                  <Table.Td>{when(f.updated_at)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </section>
  );
}

function RunsSection({ title, status, empty }: { title: string; status?: Run["status"]; empty: string }) {
  const runs = useRuns({ status, limit: 8 });
  return (
    <section aria-label={title}>
      <Group justify="space-between" mb="sm">
        <Title order={2}>{title}</Title>
        <Anchor component={Link} href={paths.runs({ status })} size="sm">See all</Anchor>
      </Group>
      {runs.isPending ? <Loading what="runs" /> : runs.isError ? <ErrorAlert error={runs.error} /> : runs.data.length === 0 ? (
        <Empty title={empty} />
      ) : (
        <RunTable runs={runs.data} />
      )}
    </section>
  );
}

/** A compact list of runs, each linking to its page. */
export function RunTable({ runs, showFlow = true }: { runs: Run[]; showFlow?: boolean }) {
  return (
    <Table.ScrollContainer minWidth={360}>
      <Table highlightOnHover aria-label="Runs">
        <Table.Thead>
          <Table.Tr>{showFlow && <Table.Th>Flow</Table.Th>}<Table.Th>Status</Table.Th><Table.Th>Started by</Table.Th><Table.Th>When</Table.Th></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {runs.map((r) => (
            <Table.Tr key={r.id}>
              {showFlow && <Table.Td><Text size="sm" truncate maw={220}>{r.flow_name}</Text></Table.Td>}
              <Table.Td><Anchor component={Link} href={paths.run(r.id)} aria-label={`Run of ${r.flow_name}, ${r.status}, ${when(r.created_at)}`}><StatusBadge status={r.status} /></Anchor></Table.Td>
              <Table.Td>{startedBy(r.trigger)}</Table.Td>
              <Table.Td><Anchor component={Link} href={paths.run(r.id)} size="sm">{when(r.created_at)}</Anchor></Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

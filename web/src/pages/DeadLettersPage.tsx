import { useState } from "react";
import { Alert, Anchor, Button, Group, Modal, Paper, SegmentedControl, Select, SimpleGrid, Stack, Table, Text, Title, VisuallyHidden } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, must, type DeadLetter, type Run } from "../api/client";
import { useDeadLetters, useFlows } from "../api/queries";
import { ErrorAlert } from "../components/ErrorAlert";
import { asRecords, Empty, JsonView, Loading, RecordsTable, when } from "../components/bits";
import { Link, navigate, paths, useTitle } from "../router";
import { RunsTabs } from "./RunsPage";

/** Messages whose runs failed every attempt: see them, replay them, delete them. */
export function DeadLettersPage({ flow }: { flow: string }) {
  useTitle("Dead letters");
  const flows = useFlows();
  const list = useDeadLetters(flow);
  const [open, setOpen] = useState<DeadLetter | null>(null);
  const [replayed, setReplayed] = useState<Run | null>(null);
  const acts = useLetterActions({
    onReplayed: (run) => {
      setOpen(null);
      setReplayed(run);
    },
    onRemoved: () => setOpen(null),
  });
  return (
    <Stack>
      <Title order={1}>Dead letters</Title>
      <RunsTabs active="dead-letters" />
      <Text size="sm" c="dimmed">
        Messages from queues, streams and tables whose runs failed every attempt the flow allows. Fix the cause, then replay a
        message (it runs with the flow as it is now), or delete it.
      </Text>
      <Group align="flex-end">
        <Select
          label="Flow" placeholder="All flows" clearable searchable value={flow || null} w={260}
          data={(flows.data ?? []).map((f) => f.name)} onChange={(v) => navigate(paths.deadLetters(v ?? ""), true)}
        />
      </Group>
      {replayed && (
        <Alert color="green" title="Replayed" withCloseButton onClose={() => setReplayed(null)} closeButtonLabel="Dismiss" role="status">
          <Text size="sm">
            The message runs again as a new run of {replayed.flow_name} and is off the list.{" "}
            <Anchor component={Link} href={paths.run(replayed.id)}>Open the new run</Anchor>
          </Text>
        </Alert>
      )}
      {acts.error !== null && <ErrorAlert error={acts.error} onClose={acts.reset} />}
      {list.isPending ? <Loading what="dead letters" /> : list.isError ? <ErrorAlert error={list.error} /> : list.data.length === 0 ? (
        <Empty title={flow ? `No dead letters of ${flow}.` : "No dead letters."}>
          When a message from a queue, a stream or a table fails every attempt, it is kept here with its error, so that nothing is lost.
        </Empty>
      ) : (
        <LetterTable letters={list.data} onView={setOpen} acts={acts} />
      )}
      <LetterModal letter={open} onClose={() => setOpen(null)} acts={acts} />
    </Stack>
  );
}

interface LetterActions {
  replay: (d: DeadLetter) => void;
  remove: (d: DeadLetter) => void;
  busy: (d: DeadLetter) => boolean;
  error: unknown;
  reset: () => void;
}

function useLetterActions(on: { onReplayed: (r: Run) => void; onRemoved: () => void }): LetterActions {
  const qc = useQueryClient();
  const refresh = () => qc.invalidateQueries({ queryKey: ["dead-letters"] });
  const replay = useMutation({
    mutationFn: async (d: DeadLetter): Promise<Run> => must(await api.POST("/api/v1/dead-letters/{id}/replay", { params: { path: { id: d.id } } })),
    onSuccess: (run) => {
      refresh();
      qc.invalidateQueries({ queryKey: ["runs"] });
      on.onReplayed(run);
    },
  });
  const remove = useMutation({
    mutationFn: async (d: DeadLetter) => must(await api.DELETE("/api/v1/dead-letters/{id}", { params: { path: { id: d.id } } })),
    onSuccess: () => {
      refresh();
      on.onRemoved();
    },
  });
  return {
    replay: (d) => { remove.reset(); replay.mutate(d); },
    remove: (d) => { replay.reset(); remove.mutate(d); },
    busy: (d) => (replay.isPending && replay.variables?.id === d.id) || (remove.isPending && remove.variables?.id === d.id),
    error: replay.error ?? remove.error,
    reset: () => { replay.reset(); remove.reset(); },
  };
}

function LetterTable({ letters, onView, acts }: { letters: DeadLetter[]; onView: (d: DeadLetter) => void; acts: LetterActions }) {
  return (
    <Table.ScrollContainer minWidth={820}>
      <Table highlightOnHover aria-label="Dead letters" verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When</Table.Th><Table.Th>Flow</Table.Th><Table.Th>Source</Table.Th><Table.Th>Message id</Table.Th>
            <Table.Th>Error</Table.Th><Table.Th>Attempts</Table.Th><Table.Th><VisuallyHidden>Actions</VisuallyHidden></Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {letters.map((d) => (
            <Table.Tr key={d.id}>
              <Table.Td style={{ whiteSpace: "nowrap" }}>{when(d.created_at)}</Table.Td>
              <Table.Td>{d.flow ? <Anchor component={Link} href={paths.flow(d.flow)} size="sm">{d.flow}</Anchor> : <Text size="sm" c="dimmed">(deleted)</Text>}</Table.Td>
              <Table.Td><Text size="sm" ff="monospace">{d.source}</Text></Table.Td>
              <Table.Td><Text size="sm" ff="monospace" truncate maw={160} title={d.message_id}>{d.message_id || "—"}</Text></Table.Td>
              <Table.Td><Text size="sm" lineClamp={2} maw={300}>{d.error}</Text></Table.Td>
              <Table.Td>{d.attempts}</Table.Td>
              <Table.Td>
                <Group gap={4} wrap="nowrap">
                  <Button size="compact-sm" variant="default" onClick={() => onView(d)} aria-label={`View the dead letter of ${d.flow || "a deleted flow"} from ${when(d.created_at)}`}>View</Button>
                  <LetterButtons d={d} acts={acts} />
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

// LetterButtons are Replay and Delete; Delete asks first, since the
// message is gone afterwards.
function LetterButtons({ d, acts }: { d: DeadLetter; acts: LetterActions }) {
  const [asking, setAsking] = useState(false);
  return (
    <>
      <Button size="compact-sm" onClick={() => acts.replay(d)} loading={acts.busy(d) && !asking} disabled={!d.flow} title={d.flow ? undefined : "Its flow was deleted"}>Replay</Button>
      <Button size="compact-sm" variant="light" color="red" onClick={() => setAsking(true)}>Delete</Button>
      <Modal opened={asking} onClose={() => setAsking(false)} title="Delete this dead letter?">
        <Text size="sm">The message is deleted without running again. This cannot be undone.</Text>
        <Group mt="md" justify="flex-end">
          <Button variant="default" onClick={() => setAsking(false)}>Keep it</Button>
          <Button color="red" onClick={() => { setAsking(false); acts.remove(d); }}>Delete</Button>
        </Group>
      </Modal>
    </>
  );
}

function LetterModal({ letter, onClose, acts }: { letter: DeadLetter | null; onClose: () => void; acts: LetterActions }) {
  const [view, setView] = useState("table");
  const d = letter;
  return (
    <Modal opened={d !== null} onClose={onClose} size="xl" title={d ? `Dead letter of ${d.flow || "a deleted flow"}` : ""}>
      {d && (
        <Stack gap="md">
          <Paper withBorder p="sm" radius="md">
            <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm">
              {([["Source", d.source], ["Message id", d.message_id || "—"], ["Attempts", String(d.attempts)], ["When", when(d.created_at)]] as const).map(([k, v]) => (
                <div key={k}><Text size="xs" c="dimmed">{k}</Text><Text size="sm" fw={500} style={{ wordBreak: "break-all" }}>{v}</Text></div>
              ))}
            </SimpleGrid>
            <Text size="sm" mt="xs"><Anchor component={Link} href={paths.run(d.run_id)} onClick={onClose}>Open the last run that failed</Anchor></Text>
          </Paper>
          <Alert color="red" title="Why the last run failed"><Text size="sm" style={{ whiteSpace: "pre-wrap" }}>{d.error}</Text></Alert>
          <section aria-label="The message">
            <Group justify="space-between" mb="xs">
              <Title order={3} size="h5">The message as the flow received it</Title>
              <SegmentedControl size="xs" value={view} onChange={setView} aria-label="Show the message as" data={[{ label: "Table", value: "table" }, { label: "JSON", value: "json" }]} />
            </Group>
            {view === "table" ? <RecordsTable records={asRecords(d.record)} label="Message record" /> : <JsonView value={d.record} label="Message JSON" />}
          </section>
          <Group justify="flex-end" gap="xs"><LetterButtons d={d} acts={acts} /></Group>
        </Stack>
      )}
    </Modal>
  );
}

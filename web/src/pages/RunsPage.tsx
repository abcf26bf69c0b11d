import { Badge, Group, Select, Stack, Tabs, Title } from "@mantine/core";
import type { Run } from "../api/client";
import { useDeadLetters, useFlows, useRuns } from "../api/queries";
import { ErrorAlert } from "../components/ErrorAlert";
import { Empty, Loading } from "../components/bits";
import { navigate, paths, useTitle } from "../router";
import { RunTable } from "./Home";

const statuses: { value: Run["status"]; label: string }[] = [
  { value: "failed", label: "Failed" }, { value: "succeeded", label: "Succeeded" }, { value: "running", label: "Running" },
  { value: "queued", label: "Queued" }, { value: "waiting", label: "Waiting" }, { value: "cancelled", label: "Cancelled" },
];

/** The runs list with its flow and status filters (kept in the address). */
export function RunsPage({ flow, status }: { flow: string; status: string }) {
  useTitle("Runs");
  const flows = useFlows();
  const st = statuses.some((s) => s.value === status) ? (status as Run["status"]) : undefined;
  const runs = useRuns({ flow, status: st });
  const set = (q: { flow?: string; status?: string }) => navigate(paths.runs({ flow, status: st, ...q }), true);
  return (
    <Stack>
      <Title order={1}>Runs</Title>
      <RunsTabs active="runs" />
      <Group align="flex-end">
        <Select
          label="Flow" placeholder="All flows" clearable searchable value={flow || null} w={260}
          data={(flows.data ?? []).map((f) => f.name)} onChange={(v) => set({ flow: v ?? "" })}
        />
        <Select label="Status" placeholder="Any status" clearable value={st ?? null} w={180} data={statuses} onChange={(v) => set({ status: v ?? "" })} />
      </Group>
      {runs.isPending ? <Loading what="runs" /> : runs.isError ? <ErrorAlert error={runs.error} /> : runs.data.length === 0 ? (
        <Empty title={flow || st ? "No runs match these filters." : "No runs yet."}>
          {flow || st ? "Clear a filter to see more." : "Open a flow and press “Run now”, or call its webhook."}
        </Empty>
      ) : (
        <RunTable runs={runs.data} />
      )}
    </Stack>
  );
}

/** Switches between the runs and the dead letters; the dead letters' tab counts them. */
export function RunsTabs({ active }: { active: "runs" | "dead-letters" }) {
  const letters = useDeadLetters();
  const n = letters.data?.length ?? 0;
  return (
    <Tabs value={active} onChange={(v) => v && v !== active && navigate(v === "runs" ? paths.runs() : paths.deadLetters())} activateTabWithKeyboard={false}>
      <Tabs.List>
        <Tabs.Tab value="runs">All runs</Tabs.Tab>
        <Tabs.Tab value="dead-letters" rightSection={n > 0 ? <Badge size="xs" color="red" variant="light" aria-label={`${n} on the list`}>{n}</Badge> : undefined}>
          Dead letters
        </Tabs.Tab>
      </Tabs.List>
    </Tabs>
  );
}

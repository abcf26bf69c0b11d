import { Badge, Center, Code, Loader, Paper, ScrollArea, Stack, Table, Text } from "@mantine/core";
import type { ReactNode } from "react";
import type { RunStatus } from "../api/client";

const statusColor: Record<RunStatus, string> = {
  queued: "gray", running: "blue", waiting: "cyan", succeeded: "green", failed: "red", cancelled: "yellow",
};

const statusWord: Record<RunStatus, string> = {
  queued: "Queued", running: "Running", waiting: "Waiting", succeeded: "Succeeded", failed: "Failed", cancelled: "Cancelled",
};

/** A run's status as a coloured word. */
export function StatusBadge({ status }: { status: RunStatus }) {
  return <Badge color={statusColor[status] ?? "gray"} variant="light" tt="none" style={{ overflow: "visible" }}>{statusWord[status] ?? status}</Badge>;
}

/** The loading state of a page or section. */
export function Loading({ what }: { what: string }) {
  return (
    <Center py="xl" role="status" aria-live="polite">
      <Stack align="center" gap="xs"><Loader size="sm" /><Text size="sm" c="dimmed">Loading {what}…</Text></Stack>
    </Center>
  );
}

/** What a list shows when it has nothing in it. */
export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <Paper withBorder p="lg" radius="md">
      <Text fw={600}>{title}</Text>
      {children && <Text size="sm" c="dimmed" mt={4} component="div">{children}</Text>}
    </Paper>
  );
}

/** JSON, pretty-printed in a scrollable block. */
export function JsonView({ value, label }: { value: unknown; label: string }) {
  return (
    <ScrollArea.Autosize mah={360} type="auto">
      <Code block aria-label={label} style={{ whiteSpace: "pre" }}>{JSON.stringify(value, null, 2)}</Code>
    </ScrollArea.Autosize>
  );
}

/** Records (JSON objects) as a table: one row each, a column per field. */
export function RecordsTable({ records, label }: { records: unknown[]; label: string }) {
  const cols: string[] = [];
  records.forEach((r) => {
    if (r && typeof r === "object" && !Array.isArray(r)) {
      Object.keys(r).forEach((k) => cols.includes(k) || cols.push(k));
    }
  });
  if (cols.length === 0) return <JsonView value={records} label={label} />;
  return (
    <Table.ScrollContainer minWidth={320}>
      <Table striped withTableBorder aria-label={label}>
        <Table.Thead>
          <Table.Tr><Table.Th>#</Table.Th>{cols.map((c) => <Table.Th key={c}>{c}</Table.Th>)}</Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {records.map((r, i) => (
            <Table.Tr key={i}>
              <Table.Td c="dimmed">{i + 1}</Table.Td>
              {cols.map((c) => <Table.Td key={c}>{cell((r as Record<string, unknown>)?.[c])}</Table.Td>)}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function cell(v: unknown): string {
  if (v === undefined) return "";
  if (v === null) return "—";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** A timestamp as the reader's local date and time; "" when missing. */
export function when(ts?: string): string {
  if (!ts) return "";
  const d = new Date(ts);
  return isNaN(d.getTime()) ? ts : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** How long a run took, in words ("1.2 s"). */
export function took(start?: string, end?: string): string {
  if (!start || !end) return "";
  const ms = new Date(end).getTime() - new Date(start).getTime();
  if (!(ms >= 0)) return "";
  return ms < 1000 ? `${ms} ms` : ms < 60000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60000)} min`;
}

/** Who or what started a run, in words. */
export function startedBy(trigger: string): string {
  const words: Record<string, string> = { manual: "By hand", webhook: "Webhook", schedule: "Schedule", rerun: "Re-run", api: "API" };
  return words[trigger] ?? trigger.charAt(0).toUpperCase() + trigger.slice(1);
}

/** Records as a list: the API gives one record or a list. */
export function asRecords(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

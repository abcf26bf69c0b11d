import { useState, type FormEvent } from "react";
import { Anchor, Badge, Button, Code, Group, Modal, Paper, Select, SimpleGrid, Stack, Table, Text, TextInput, Title, VisuallyHidden } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import type { AuditEvent } from "../api/client";
import { useAudit } from "../api/queries";
import { ErrorAlert } from "../components/ErrorAlert";
import { Empty, JsonView, Loading } from "../components/bits";
import { Link, navigate, paths, useTitle, type AuditQuery } from "../router";
import { actionLabel, actorLabel, auditActions, downloadAuditExport, eventTime, fromLocalInput, toLocalInput } from "./audit";

/** The audit log: every change, newest first, with filters, paging, each event's before and after, and the export. */
export function AuditPage({ query }: { query: AuditQuery }) {
  useTitle("Audit log");
  const list = useAudit(query);
  const [open, setOpen] = useState<AuditEvent | null>(null);
  const filtered = !!(query.action || query.target || query.actor || query.since || query.until);
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Title order={1}>Audit log</Title>
        <ExportButton query={query} />
      </Group>
      <Text size="sm" c="dimmed">
        Every change to flows, connections and secrets: who made it, when, from where, and the object before and after. Secret
        values never appear, only whether they are set. The log is chained by hashes, so that <Code>bistro audit verify</Code> finds
        any event changed afterwards.
      </Text>
      <Filters key={JSON.stringify(query)} query={query} />
      {list.isPending ? <Loading what="the audit log" /> : list.isError ? <ErrorAlert error={list.error} /> : list.data.events.length === 0 ? (
        <Empty title={filtered ? "No events match these filters." : "No events yet."}>
          {filtered ? "Clear a filter to see more." : "Saving a flow or a connection records an event here."}
        </Empty>
      ) : (
        <>
          <EventTable events={list.data.events} onDetails={setOpen} />
          <Pager query={query} next={list.data.next} />
        </>
      )}
      <EventModal event={open} onClose={() => setOpen(null)} />
    </Stack>
  );
}

// Filters are applied together when the form is sent (Enter in any box,
// or the button), and kept in the address.
function Filters({ query }: { query: AuditQuery }) {
  const [f, setF] = useState({
    action: query.action ?? "", target: query.target ?? "", actor: query.actor ?? "",
    since: toLocalInput(query.since), until: toLocalInput(query.until),
  });
  const set = (k: keyof typeof f) => (v: string) => setF((old) => ({ ...old, [k]: v }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(paths.audit({ action: f.action, target: f.target.trim(), actor: f.actor.trim(), since: fromLocalInput(f.since), until: fromLocalInput(f.until) }));
  };
  return (
    <Paper withBorder p="md" radius="md" component="form" onSubmit={submit} aria-label="Filters">
      <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} spacing="sm">
        <Select label="What" placeholder="Any change" clearable searchable data={auditActions} value={f.action || null} onChange={(v) => set("action")(v ?? "")} />
        <TextInput label="Changed" description="A flow's or connection's name or id" value={f.target} onChange={(e) => set("target")(e.currentTarget.value)} />
        <TextInput label="Who" description="A token's name or id" value={f.actor} onChange={(e) => set("actor")(e.currentTarget.value)} />
        <TextInput type="datetime-local" label="From" description="Your time zone" value={f.since} onChange={(e) => set("since")(e.currentTarget.value)} />
        <TextInput type="datetime-local" label="Until" description="Your time zone" value={f.until} onChange={(e) => set("until")(e.currentTarget.value)} />
      </SimpleGrid>
      <Group mt="md" gap="xs">
        <Button type="submit">Show</Button>
        <Button variant="default" onClick={() => navigate(paths.audit())}>Clear filters</Button>
      </Group>
    </Paper>
  );
}

function ExportButton({ query }: { query: AuditQuery }) {
  const m = useMutation({ mutationFn: () => downloadAuditExport(query) });
  return (
    <Stack gap={4} align="flex-end">
      <Button variant="default" onClick={() => m.mutate()} loading={m.isPending} title="Every event these filters select, oldest first, one JSON object a line, with its hashes (for a SIEM, or bistro audit verify --file)">
        Export (JSON lines)
      </Button>
      {m.isError && <ErrorAlert error={m.error} onClose={m.reset} />}
    </Stack>
  );
}

function EventTable({ events, onDetails }: { events: AuditEvent[]; onDetails: (e: AuditEvent) => void }) {
  return (
    <Table.ScrollContainer minWidth={760}>
      <Table highlightOnHover aria-label="Audit events" verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When</Table.Th><Table.Th>Who</Table.Th><Table.Th>From</Table.Th><Table.Th>What</Table.Th>
            <Table.Th>Changed</Table.Th><Table.Th><VisuallyHidden>Details</VisuallyHidden></Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {events.map((e) => (
            <Table.Tr key={e.seq}>
              <Table.Td style={{ whiteSpace: "nowrap" }}>{eventTime(e.time)}</Table.Td>
              <Table.Td>{actorLabel(e)}</Table.Td>
              <Table.Td><Text size="sm" ff="monospace">{e.source || "—"}</Text></Table.Td>
              <Table.Td>
                <Text size="sm">{actionLabel(e.action)}</Text>
                <Text size="xs" c="dimmed" ff="monospace">{e.action}</Text>
              </Table.Td>
              <Table.Td><Target e={e} /></Table.Td>
              <Table.Td>
                <Button size="compact-sm" variant="default" onClick={() => onDetails(e)} aria-label={`Details of event ${e.seq}: ${e.action} of ${e.target.name || e.target.id || e.target.kind}`}>
                  Details
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

// Target names what was changed; flows and connections link to their page
// (unless the event deleted them).
function Target({ e }: { e: AuditEvent }) {
  const t = e.target;
  const name = t.name || t.id || "";
  const href = e.action.endsWith(".delete") || !t.name ? "" : t.kind === "flow" ? paths.flow(t.name) : t.kind === "connection" ? paths.connection(t.name) : "";
  return (
    <Group gap={6} wrap="nowrap">
      <Badge size="xs" variant="light" color="gray" tt="none">{t.kind}</Badge>
      {href ? <Anchor component={Link} href={href} size="sm">{name}</Anchor> : <Text size="sm">{name}</Text>}
    </Group>
  );
}

function Pager({ query, next }: { query: AuditQuery; next?: number }) {
  if (!query.before && !next) return null;
  return (
    <Group justify="space-between">
      <Button variant="default" disabled={!query.before} onClick={() => navigate(paths.audit({ ...query, before: undefined }))}>← Newest</Button>
      <Button variant="default" disabled={!next} onClick={() => navigate(paths.audit({ ...query, before: next }))}>Older events →</Button>
    </Group>
  );
}

function EventModal({ event, onClose }: { event: AuditEvent | null; onClose: () => void }) {
  const e = event;
  return (
    <Modal opened={e !== null} onClose={onClose} size="xl" title={e ? `${actionLabel(e.action)} · event ${e.seq}` : ""}>
      {e && (
        <Stack gap="md">
          <Paper withBorder p="sm" radius="md">
            <SimpleGrid cols={{ base: 1, xs: 2, sm: 3 }} spacing="sm">
              {facts(e).map(([k, v]) => (
                <div key={k}><Text size="xs" c="dimmed">{k}</Text><Text size="sm" fw={500} style={{ wordBreak: "break-word" }}>{v}</Text></div>
              ))}
            </SimpleGrid>
            {e.target.kind === "flow" && e.target.name && e.action !== "flow.delete" && (
              <Text size="sm" mt="xs"><Anchor component={Link} href={paths.flow(e.target.name, "history")} onClick={onClose}>See the versions of {e.target.name}</Anchor></Text>
            )}
          </Paper>
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
            <State title="Before" value={e.before} absent="It did not exist before." />
            <State title="After" value={e.after} absent="It does not exist after (deleted)." />
          </SimpleGrid>
          <Text size="xs" c="dimmed" style={{ wordBreak: "break-all" }}>
            Hash <Code>{e.hash}</Code>{e.prev_hash ? <>, after <Code>{e.prev_hash}</Code></> : " (the first event)"}{e.key_id ? <>, keyed with <Code>{e.key_id}</Code></> : null}.
          </Text>
        </Stack>
      )}
    </Modal>
  );
}

function facts(e: AuditEvent): [string, string][] {
  return [
    ["When", `${eventTime(e.time)} (${e.time} UTC)`],
    ["Who", e.actor.kind === "token" ? `${actorLabel(e)} (token${e.actor.id && e.actor.id !== e.actor.name ? ` ${e.actor.id}` : ""})` : actorLabel(e)],
    ["From", e.source || "—"],
    ["What", e.action],
    ["Changed", [e.target.kind, e.target.name, e.target.id && e.target.id !== e.target.name ? `(${e.target.id})` : ""].filter(Boolean).join(" ")],
    ["Workspace", e.workspace || "the whole installation"],
  ];
}

function State({ title, value, absent }: { title: string; value: unknown; absent: string }) {
  return (
    <section aria-label={title}>
      <Title order={3} size="h5" mb="xs">{title}</Title>
      {value === undefined || value === null ? <Text size="sm" c="dimmed">{absent}</Text> : <JsonView value={value} label={`${title} (JSON)`} />}
    </section>
  );
}

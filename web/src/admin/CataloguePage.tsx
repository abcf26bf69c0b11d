import { useState } from "react";
import { Alert, Anchor, Badge, Button, Group, List, Modal, NativeSelect, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, must, type Catalogue, type ConnectorInfo, type PausedFlow } from "../api/client";
import { useMe } from "../api/me";
import { useCatalogue, useConnectors, useWorkspaces } from "../api/queries";
import { ErrorAlert } from "../components/ErrorAlert";
import { Loading } from "../components/bits";
import { Link, paths, useTitle } from "../router";
import { exceptionsOf, platformEntry, platformStatus, statusColor, statusWords, type Status } from "./admin";

/** One change to the catalogue: a connector's status platform-wide, or in one workspace. */
interface Change {
  connector: ConnectorInfo;
  status: Status | "inherit";
  workspace?: string;
}

const choices = (["approved", "review", "blocked"] as const).map((s) => ({ value: s, label: statusWords[s] }));

/** IT's connector catalogue: each connector's status platform-wide and its exceptions in workspaces; a block shows the flows it paused. */
export function CataloguePage() {
  useTitle("Connector catalogue");
  const qc = useQueryClient();
  const connectors = useConnectors();
  const cat = useCatalogue();
  const [asking, setAsking] = useState<Change | null>(null);
  const [adding, setAdding] = useState<ConnectorInfo | null>(null);
  const set = useMutation({
    mutationFn: async (c: Change) => must(await api.PUT("/api/v1/catalogue/{name}", {
      params: { path: { name: c.connector.name } }, body: { status: c.status, workspace: c.workspace || undefined },
    })),
    onSuccess: (res) => {
      qc.setQueryData(["catalogue"], res.catalogue);
      qc.invalidateQueries({ queryKey: ["connectors"] });
      qc.invalidateQueries({ queryKey: ["inventory"] });
      qc.invalidateQueries({ queryKey: ["flows"] });
    },
  });
  // Blocking pauses flows, so it is asked once more.
  const change = (c: Change) => (c.status === "blocked" ? setAsking(c) : set.mutate(c));
  return (
    <Stack>
      <Title order={1}>Connector catalogue</Title>
      <Text size="sm" c="dimmed">
        Which connectors flows may use. Approved ones are free to use; a flow that uses one reviewed by IT waits for your review
        before it is published; a blocked one cannot be used, and builders can ask for it. A workspace's own status wins over
        the platform's. Blocking pauses the enabled flows that use the connector, and tells their owners.
      </Text>
      {set.isError && <ErrorAlert error={set.error} onClose={set.reset} />}
      {set.isSuccess && <Changed change={set.variables} paused={set.data.paused ?? []} onDismiss={set.reset} />}
      {connectors.isPending || cat.isPending ? <Loading what="the catalogue" /> : connectors.isError ? <ErrorAlert error={connectors.error} /> : cat.isError ? <ErrorAlert error={cat.error} /> : (
        <ConnectorTable connectors={connectors.data} cat={cat.data} busy={set.isPending} onChange={change} onAdd={setAdding} />
      )}
      <ConfirmBlock change={asking} onClose={() => setAsking(null)} onBlock={(c) => { setAsking(null); set.mutate(c); }} />
      <AddException connector={adding} cat={cat.data} onClose={() => setAdding(null)} onAdd={(c) => { setAdding(null); change(c); }} />
    </Stack>
  );
}

function ConnectorTable({ connectors, cat, busy, onChange, onAdd }: {
  connectors: ConnectorInfo[]; cat: Catalogue; busy: boolean; onChange: (c: Change) => void; onAdd: (c: ConnectorInfo) => void;
}) {
  const sorted = [...connectors].sort((a, b) => a.title.localeCompare(b.title));
  const inherit = { value: "inherit", label: `Default (${statusWords[cat.default].toLowerCase()})` };
  return (
    <Table.ScrollContainer minWidth={760}>
      <Table aria-label="Connectors" verticalSpacing="sm">
        <Table.Thead>
          <Table.Tr><Table.Th>Connector</Table.Th><Table.Th w={220}>Platform-wide</Table.Th><Table.Th>In workspaces</Table.Th></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {sorted.map((c) => {
            const now = platformStatus(cat, c.name);
            return (
              <Table.Tr key={c.name} aria-label={c.title}>
                <Table.Td>
                  <Group gap={6} wrap="nowrap">
                    <Text fw={600}>{c.title}</Text>
                    <Badge size="sm" variant="light" color={statusColor[now]} tt="none">{statusWords[now]}</Badge>
                  </Group>
                  <Text size="xs" c="dimmed" ff="monospace">{c.name}</Text>
                </Table.Td>
                <Table.Td>
                  <NativeSelect
                    size="xs" aria-label={`Platform-wide status of ${c.title}`} disabled={busy}
                    data={[inherit, ...choices]} value={platformEntry(cat, c.name)}
                    onChange={(e) => onChange({ connector: c, status: e.currentTarget.value as Change["status"] })}
                  />
                </Table.Td>
                <Table.Td>
                  <Exceptions c={c} cat={cat} busy={busy} onChange={onChange} onAdd={() => onAdd(c)} />
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function Exceptions({ c, cat, busy, onChange, onAdd }: { c: ConnectorInfo; cat: Catalogue; busy: boolean; onChange: (c: Change) => void; onAdd: () => void }) {
  const list = exceptionsOf(cat, c.name);
  return (
    <Stack gap={4}>
      {list.map((x) => (
        <Group key={x.workspace} gap="xs" wrap="nowrap">
          <Text size="sm" miw={90} style={{ wordBreak: "break-word" }}>{x.workspace}</Text>
          <NativeSelect
            size="xs" aria-label={`Status of ${c.title} in ${x.workspace}`} disabled={busy}
            data={[...choices, { value: "inherit", label: "As platform-wide" }]} value={x.status}
            onChange={(e) => onChange({ connector: c, status: e.currentTarget.value as Change["status"], workspace: x.workspace })}
          />
        </Group>
      ))}
      <Group><Button size="compact-xs" variant="subtle" onClick={onAdd} aria-label={`Add a workspace exception for ${c.title}`}>Add a workspace</Button></Group>
    </Stack>
  );
}

function where(c: Change): string {
  return c.workspace ? `in ${c.workspace}` : "platform-wide";
}

// Changed says what the change did; for a block, which flows it paused.
function Changed({ change, paused, onDismiss }: { change: Change; paused: PausedFlow[]; onDismiss: () => void }) {
  const me = useMe();
  const title = change.status === "inherit"
    ? `${change.connector.title} ${change.workspace ? `in ${change.workspace} follows the platform-wide status again` : "follows the default again"}`
    : `${change.connector.title} is now ${statusWords[change.status].toLowerCase()} ${where(change)}`;
  return (
    <Alert color={paused.length ? "orange" : "green"} title={title} role="status" withCloseButton onClose={onDismiss} closeButtonLabel="Dismiss">
      {paused.length > 0 ? (
        <>
          <Text size="sm">The block paused {paused.length === 1 ? "1 flow" : `${paused.length} flows`} that used it; their owners were told:</Text>
          <List size="sm" mt={4} aria-label="Paused flows">
            {paused.map((p) => (
              <List.Item key={`${p.workspace}/${p.flow}`}>
                {p.workspace === me?.workspace ? <Anchor component={Link} href={paths.flow(p.flow)}>{p.flow}</Anchor> : p.flow}
                {` in ${p.workspace}`}{p.reason ? ` — ${p.reason}` : ""}
              </List.Item>
            ))}
          </List>
        </>
      ) : change.status === "blocked" ? (
        <Text size="sm">No enabled flow used it there, so none was paused.</Text>
      ) : (
        <Text size="sm">Flows use the new status from their next check, save or run.</Text>
      )}
    </Alert>
  );
}

function ConfirmBlock({ change, onClose, onBlock }: { change: Change | null; onClose: () => void; onBlock: (c: Change) => void }) {
  return (
    <Modal opened={change !== null} onClose={onClose} title={change ? `Block ${change.connector.title} ${where(change)}?` : ""}>
      <Text size="sm">
        Flows cannot use it from now on: enabled flows that use it are paused and their owners told, and saving a flow that
        uses it is refused. Builders can ask for it with “Request access”.
      </Text>
      <Group mt="md" justify="flex-end">
        <Button variant="default" onClick={onClose}>Keep it</Button>
        <Button color="red" onClick={() => change && onBlock(change)}>Block</Button>
      </Group>
    </Modal>
  );
}

// AddException gives a workspace its own status for the connector.
function AddException({ connector, cat, onClose, onAdd }: { connector: ConnectorInfo | null; cat?: Catalogue; onClose: () => void; onAdd: (c: Change) => void }) {
  return (
    <Modal opened={connector !== null} onClose={onClose} title={connector ? `${connector.title} in one workspace` : ""}>
      {connector && cat && <ExceptionForm key={connector.name} connector={connector} cat={cat} onClose={onClose} onAdd={onAdd} />}
    </Modal>
  );
}

function ExceptionForm({ connector, cat, onClose, onAdd }: { connector: ConnectorInfo; cat: Catalogue; onClose: () => void; onAdd: (c: Change) => void }) {
  const spaces = useWorkspaces();
  const [workspace, setWorkspace] = useState("");
  const [status, setStatus] = useState<Status>("approved");
  const taken = new Set(exceptionsOf(cat, connector.name).map((x) => x.workspace));
  const free = (spaces.data ?? []).filter((w) => !taken.has(w.id));
  const chosen = workspace || free[0]?.id || "";
  if (spaces.isPending) return <Loading what="the workspaces" />;
  if (spaces.isError) return <ErrorAlert error={spaces.error} />;
  if (free.length === 0) return <Text size="sm">Every workspace has its own status for it already: change it in the list.</Text>;
  return (
    <Stack gap="sm">
      <NativeSelect label="Workspace" data={free.map((w) => ({ value: w.id, label: w.name && w.name !== w.id ? `${w.name} (${w.id})` : w.id }))} value={chosen} onChange={(e) => setWorkspace(e.currentTarget.value)} />
      <NativeSelect label="Status there" data={choices} value={status} onChange={(e) => setStatus(e.currentTarget.value as Status)} />
      <Group justify="flex-end" gap="xs">
        <Button variant="default" onClick={onClose}>Cancel</Button>
        <Button onClick={() => onAdd({ connector, status, workspace: chosen })}>Set</Button>
      </Group>
    </Stack>
  );
}

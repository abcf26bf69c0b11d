import { useState } from "react";
import { Alert, Anchor, Badge, Button, Group, Paper, Stack, Table, Text, Title } from "@mantine/core";
import { useConnection, useConnections, useConnectors } from "../api/queries";
import type { ConnectorInfo } from "../api/client";
import { ErrorAlert } from "../components/ErrorAlert";
import { Empty, Loading, when } from "../components/bits";
import { Link, navigate, paths, useTitle } from "../router";
import { ConnectionForm, DeleteConnection, TestConnection } from "./ConnectionForm";
import { ConnectorPicker } from "./ConnectorPicker";
import { AccessBadge, RequestAccess } from "./Access";

const intro = "A connection keeps how to reach a system (its address, user and secrets) so that flows can use it by name. Secrets are stored encrypted and never shown again.";

/** Every connection with its connector, labels and last change; "New connection". */
export function ConnectionsList() {
  useTitle("Connections");
  const conns = useConnections();
  const connectors = useConnectors();
  const title = (name: string) => connectors.data?.find((c) => c.name === name)?.title ?? name;
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Title order={1}>Connections</Title>
        <Button component={Link} href={paths.newConnection()}>New connection</Button>
      </Group>
      <Text c="dimmed" size="sm">{intro}</Text>
      {conns.isPending ? <Loading what="connections" /> : conns.isError ? <ErrorAlert error={conns.error} /> : conns.data.length === 0 ? (
        <Empty title="No connections yet">
          Press “New connection” to connect a database, a queue, email or chat. Steps that talk to that system then choose it by name.
        </Empty>
      ) : (
        <Table.ScrollContainer minWidth={520}>
          <Table highlightOnHover aria-label="Connections">
            <Table.Thead>
              <Table.Tr><Table.Th>Name</Table.Th><Table.Th>Connector</Table.Th><Table.Th>Labels</Table.Th><Table.Th>Updated</Table.Th></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {conns.data.map((c) => (
                <Table.Tr key={c.name}>
                  <Table.Td><Anchor component={Link} href={paths.connection(c.name)} fw={600}>{c.name}</Anchor></Table.Td>
                  <Table.Td>{title(c.connector)}</Table.Td>
                  <Table.Td>
                    {(c.labels ?? []).length === 0 ? <Text size="sm" c="dimmed">—</Text> : (
                      <Group gap={4}>{(c.labels ?? []).map((l) => <Badge key={l} size="sm" variant="light" color="gray" tt="none">{l}</Badge>)}</Group>
                    )}
                  </Table.Td>
                  <Table.Td>{when(c.updated_at)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

/** A new connection: first the connector, then its form. */
export function NewConnection({ connector }: { connector: string }) {
  useTitle("New connection");
  const connectors = useConnectors();
  const c = connectors.data?.find((x) => x.name === connector);
  return (
    <Stack gap="md">
      <div>
        <Anchor component={Link} href={connector ? paths.newConnection() : paths.connections} size="sm">
          {connector ? "← Choose another connector" : "← All connections"}
        </Anchor>
        <Group gap="xs" mt={4} align="center">
          <Title order={1}>{c ? `New ${c.title} connection` : "New connection"}</Title>
          <AccessBadge access={c?.access} size="lg" />
        </Group>
        <Text c="dimmed" size="sm">{c ? c.description : "What do you want to connect? Choose the kind of system; its settings come next."}</Text>
      </div>
      {connectors.isPending ? <Loading what="the connectors" /> : connectors.isError ? <ErrorAlert error={connectors.error} /> : !connector ? (
        <ConnectorPicker connectors={connectors.data} onPick={(x) => navigate(paths.newConnection(x.name))} />
      ) : !c ? (
        <Empty title={`This server has no connector called “${connector}”.`}><Anchor component={Link} href={paths.newConnection()}>Choose one of its connectors.</Anchor></Empty>
      ) : c.access === "blocked" ? (
        <Alert color="red" title={`IT has blocked ${c.title} in this workspace`} role="alert">
          <Text size="sm" mb="sm">Flows here cannot use it, so there is no connection to make yet. Ask IT for it, saying what you need it for.</Text>
          <RequestAccess connector={c} />
        </Alert>
      ) : (
        <Paper withBorder p="md" radius="md">
          <ConnectionForm connector={c} onSaved={(saved) => navigate(paths.connection(saved.name, { created: true }), true)} onCancel={() => navigate(paths.connections)} />
        </Paper>
      )}
    </Stack>
  );
}

/** One connection: test it, change its settings, delete it. */
export function ConnectionPage({ name, created }: { name: string; created: boolean }) {
  useTitle(name);
  const [changed, setChanged] = useState(false);
  const conn = useConnection(name);
  const connectors = useConnectors();
  if (conn.isPending || connectors.isPending) return <Loading what="the connection" />;
  if (conn.isError) return <ErrorAlert error={conn.error} />;
  if (connectors.isError) return <ErrorAlert error={connectors.error} />;
  const c = conn.data;
  const connector: ConnectorInfo | undefined = connectors.data.find((x) => x.name === c.connector);
  return (
    <Stack gap="lg">
      <div>
        <Anchor component={Link} href={paths.connections} size="sm">← All connections</Anchor>
        <Group justify="space-between" align="flex-end" mt={4}>
          <Title order={1} style={{ wordBreak: "break-word" }}>{c.name}</Title>
          <Group gap="xs">
            <Badge variant="light" tt="none">{connector?.title ?? c.connector}</Badge>
            <Badge variant="light" color="gray" tt="none">Updated {when(c.updated_at)}</Badge>
          </Group>
        </Group>
      </div>
      {created && (
        <Alert color="green" title={`Saved “${c.name}”`} withCloseButton onClose={() => navigate(paths.connection(c.name), true)} closeButtonLabel="Dismiss">
          <Text size="sm">Test it to check that Bistro can reach it. Steps of flows can now choose it as their connection.</Text>
        </Alert>
      )}
      {changed && (
        <Alert color="green" title="Changes saved" withCloseButton onClose={() => setChanged(false)} closeButtonLabel="Dismiss">
          <Text size="sm">Flows use the new settings from their next run. Test the connection to check them.</Text>
        </Alert>
      )}
      <Paper withBorder p="md" radius="md" component="section" aria-label="Test the connection">
        <TestConnection name={c.name} />
      </Paper>
      <Paper withBorder p="md" radius="md" component="section" aria-label="Settings">
        <Title order={2} size="h3" mb="sm">Settings</Title>
        {connector ? (
          <ConnectionForm key={c.updated_at} connector={connector} existing={c} onSaved={() => setChanged(true)} />
        ) : (
          <Text size="sm" c="red">This server has no connector called {c.connector}, so the settings cannot be shown. Run a server that has it, or delete the connection.</Text>
        )}
      </Paper>
      <Paper withBorder p="md" radius="md" component="section" aria-label="Delete the connection">
        <DeleteConnection name={c.name} onDeleted={() => navigate(paths.connections)} />
      </Paper>
    </Stack>
  );
}

import { useState } from "react";
import { Alert, Anchor, Badge, Button, Checkbox, Group, List, Modal, Select, Stack, Table, Text, Title, Tooltip, VisuallyHidden } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, must, type InventoryItem } from "../api/client";
import { getToken } from "../api/auth";
import { useMe } from "../api/me";
import { useInventory, useUsers } from "../api/queries";
import { ErrorAlert } from "../components/ErrorAlert";
import { Empty, Loading, when } from "../components/bits";
import { Link, navigate, paths, useTitle, type InventoryQuery } from "../router";
import { filterInventory, perDay, percent, riskColor } from "./admin";

// A badge's label is cut short with an ellipsis, which lets a table squeeze
// its column below the word: the whole word is shown instead.
const whole = { label: { overflow: "visible" } };

const risks = [{ value: "", label: "Any risk" }, { value: "high", label: "High" }, { value: "medium", label: "Medium" }, { value: "low", label: "Low" }];

/** Every flow of every workspace: owner (or orphaned), on/off, connectors, destinations, runs and risk; reassign a flow; the CSV. */
export function InventoryPage({ query }: { query: InventoryQuery }) {
  useTitle("Inventory");
  const inv = useInventory();
  const [moving, setMoving] = useState<InventoryItem | null>(null);
  const [moved, setMoved] = useState<{ item: InventoryItem; to: string } | null>(null);
  const shown = filterInventory(inv.data?.flows ?? [], query);
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Title order={1}>Inventory</Title>
        <CsvButton />
      </Group>
      <Text size="sm" c="dimmed">
        Every flow of every workspace, with who owns it, what it uses and where it sends data, how often it ran and failed over
        the last 7 days, and its risk. A flow is orphaned when its owner left or it has none: reassign it to someone who looks
        after it.
      </Text>
      <Group gap="lg" align="flex-end">
        <Select
          label="Risk" data={risks} value={query.risk ?? ""} w={160} allowDeselect={false}
          onChange={(v) => navigate(paths.inventory({ ...query, risk: (v || undefined) as InventoryQuery["risk"] }), true)}
        />
        <Checkbox
          mb={8} label={`Only orphaned flows${inv.data ? ` (${inv.data.orphaned})` : ""}`} checked={!!query.orphaned}
          onChange={(e) => navigate(paths.inventory({ ...query, orphaned: e.currentTarget.checked }), true)}
        />
      </Group>
      {moved && (
        <Alert color="green" role="status" withCloseButton onClose={() => setMoved(null)} closeButtonLabel="Dismiss" title={`${moved.to} owns ${moved.item.flow} now`}>
          <Text size="sm">They were told. The change is in the audit log.</Text>
        </Alert>
      )}
      {inv.isPending ? <Loading what="the inventory" /> : inv.isError ? <ErrorAlert error={inv.error} /> : shown.length === 0 ? (
        <Empty title={inv.data.flows.length === 0 ? "No flows yet." : "No flow matches these filters."}>
          {inv.data.flows.length === 0 ? "Flows of every workspace show here once they are saved." : "Clear a filter to see more."}
        </Empty>
      ) : (
        <FlowTable items={shown} onReassign={setMoving} />
      )}
      <Reassign item={moving} onClose={() => setMoving(null)} onDone={(item, to) => { setMoving(null); setMoved({ item, to }); }} />
    </Stack>
  );
}

// The address of the inventory as CSV.
const inventoryExport = "/api/v1/inventory/export";

// downloadInventory fetches the inventory as CSV with the token in the
// request's header (an address alone carries no token) and hands the
// answer to the browser as a file.
async function downloadInventory(): Promise<void> {
  const blob = must(await api.GET("/api/v1/inventory/export", { parseAs: "blob" })) as Blob;
  const url = URL.createObjectURL(blob);
  try {
    const a = document.createElement("a");
    a.href = url;
    a.download = "bistro-inventory.csv";
    document.body.appendChild(a);
    a.click();
    a.remove();
  } finally {
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
}

// CsvButton downloads the inventory. A browser session's cookie goes with
// a plain link; a token does not, so with one the app fetches the file.
function CsvButton() {
  const m = useMutation({ mutationFn: downloadInventory });
  if (!getToken()) return <Button component="a" href={inventoryExport} download="bistro-inventory.csv" variant="default">Download CSV</Button>;
  return (
    <Stack gap={4} align="flex-end">
      <Button variant="default" onClick={() => m.mutate()} loading={m.isPending}>Download CSV</Button>
      {m.isError && <ErrorAlert error={m.error} onClose={m.reset} />}
    </Stack>
  );
}

function FlowTable({ items, onReassign }: { items: InventoryItem[]; onReassign: (it: InventoryItem) => void }) {
  const me = useMe();
  const none = <Text size="sm" c="dimmed">—</Text>;
  return (
    <Table.ScrollContainer minWidth={1120}>
      <Table highlightOnHover aria-label="Flows" verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Workspace</Table.Th><Table.Th>Flow</Table.Th><Table.Th>Owner</Table.Th><Table.Th>On</Table.Th>
            <Table.Th>Connectors</Table.Th><Table.Th>Destinations</Table.Th><Table.Th>Last run</Table.Th>
            <Table.Th>Runs a day</Table.Th><Table.Th>Failed</Table.Th><Table.Th>Risk</Table.Th><Table.Th><VisuallyHidden>Actions</VisuallyHidden></Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((it) => (
            <Table.Tr key={`${it.workspace}/${it.flow}`}>
              <Table.Td>{it.workspace}</Table.Td>
              <Table.Td>
                {it.workspace === me?.workspace ? <Anchor component={Link} href={paths.flow(it.flow)} size="sm" fw={600}>{it.flow}</Anchor> : <Text size="sm" fw={600}>{it.flow}</Text>}
                <Text size="xs" c="dimmed">{it.trigger} · version {it.version}</Text>
              </Table.Td>
              <Table.Td>
                {it.orphaned ? (
                  <Group gap={4}>
                    <Badge size="sm" color="orange" variant="light" tt="none" styles={whole}>orphaned</Badge>
                    {it.owner_email && <Text size="xs" c="dimmed" title="The owner who left">{it.owner_email}</Text>}
                  </Group>
                ) : <Text size="sm">{it.owner_email || it.owner}</Text>}
              </Table.Td>
              <Table.Td><Badge size="sm" variant="light" color={it.enabled ? "green" : "gray"} tt="none" styles={whole}>{it.enabled ? "On" : "Off"}</Badge></Table.Td>
              <Table.Td>
                {(it.connectors ?? []).length === 0 ? none : <Group gap={4} maw={200}>{(it.connectors ?? []).map((c) => <Badge key={c} size="sm" variant="light" color="gray" tt="none" styles={whole}>{c}</Badge>)}</Group>}
              </Table.Td>
              <Table.Td>{(it.destinations ?? []).length === 0 ? none : <Text size="sm" maw={220} style={{ wordBreak: "break-word" }}>{(it.destinations ?? []).join(", ")}</Text>}</Table.Td>
              <Table.Td style={{ whiteSpace: "nowrap" }}>{it.last_run_at ? when(it.last_run_at) : <Text size="sm" c="dimmed">never</Text>}</Table.Td>
              <Table.Td>{perDay(it.runs_per_day)}</Table.Td>
              <Table.Td><Text size="sm" c={it.failure_rate >= 0.1 ? "red" : undefined}>{percent(it.failure_rate)}</Text></Table.Td>
              <Table.Td><Risk it={it} /></Table.Td>
              <Table.Td>
                <Button size="compact-sm" variant={it.orphaned ? "light" : "default"} onClick={() => onReassign(it)} aria-label={`Reassign ${it.flow} in ${it.workspace}`}>Reassign</Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

// Risk is the level as a badge; the reasons are in its tooltip (and read
// out with it).
function Risk({ it }: { it: InventoryItem }) {
  const reasons = (it.risk_reasons ?? []).filter(Boolean);
  const why = reasons.length ? reasons.join("; ") : "nothing raises it";
  const label = reasons.length ? <List size="xs">{reasons.map((r) => <List.Item key={r}>{r}</List.Item>)}</List> : "Nothing raises it.";
  return (
    <Tooltip label={label} multiline maw={320} withArrow events={{ hover: true, focus: true, touch: true }}>
      <Badge size="sm" variant="light" color={riskColor[it.risk_level]} tt="none" tabIndex={0} aria-label={`Risk ${it.risk_level} (${it.risk}): ${why}`} styles={whole} style={{ cursor: "help" }}>
        {it.risk_level} · {it.risk}
      </Badge>
    </Tooltip>
  );
}

// Reassign hands a flow to someone who may own it there: a builder or
// owner of its workspace, or a platform admin.
function Reassign({ item, onClose, onDone }: { item: InventoryItem | null; onClose: () => void; onDone: (it: InventoryItem, to: string) => void }) {
  return (
    <Modal opened={item !== null} onClose={onClose} title={item ? `Reassign ${item.flow}` : ""}>
      {item && <ReassignForm key={`${item.workspace}/${item.flow}`} item={item} onClose={onClose} onDone={onDone} />}
    </Modal>
  );
}

function ReassignForm({ item, onClose, onDone }: { item: InventoryItem; onClose: () => void; onDone: (it: InventoryItem, to: string) => void }) {
  const qc = useQueryClient();
  const users = useUsers();
  const members = useQuery({
    queryKey: ["members", item.workspace],
    queryFn: async () => must(await api.GET("/api/v1/workspaces/{workspace}/members", { params: { path: { workspace: item.workspace } } })).members ?? [],
  });
  const [owner, setOwner] = useState<string | null>(null);
  const builders = new Set((members.data ?? []).filter((m) => m.role === "builder" || m.role === "owner").map((m) => m.user_id));
  const people = (users.data ?? [])
    .filter((u) => u.active && (u.admin || builders.has(u.id)) && u.id !== item.owner)
    .map((u) => ({ value: u.id, label: u.name ? `${u.name} (${u.email})` : u.email }))
    .sort((a, b) => a.label.localeCompare(b.label));
  const save = useMutation({
    mutationFn: async (id: string) => must(await api.PUT("/api/v1/flows/{name}/owner", {
      params: { path: { name: item.flow } }, body: { owner: id }, headers: { "Bistro-Workspace": item.workspace },
    })),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ["inventory"] });
      onDone(item, people.find((p) => p.value === owner)?.label ?? "The new owner");
    },
  });
  if (users.isPending || members.isPending) return <Loading what="the people" />;
  if (users.isError) return <ErrorAlert error={users.error} />;
  if (members.isError) return <ErrorAlert error={members.error} />;
  return (
    <Stack gap="sm">
      <Text size="sm">
        {item.flow} in {item.workspace} is {item.orphaned ? "orphaned" : `owned by ${item.owner_email || item.owner}`}. The new owner is told, and
        the change is in the audit log.
      </Text>
      <Select
        label="New owner" placeholder="Choose a person" searchable data={people} value={owner} onChange={setOwner} data-autofocus
        description="Builders and owners of the workspace, and platform admins"
        nothingFoundMessage="Nobody matches"
      />
      {people.length === 0 && <Text size="sm" c="dimmed">Nobody else may own it: make someone a builder of {item.workspace} first.</Text>}
      <ErrorAlert error={save.error} onClose={save.reset} />
      <Group justify="flex-end" gap="xs">
        <Button variant="default" onClick={onClose}>Cancel</Button>
        <Button onClick={() => owner && save.mutate(owner)} disabled={!owner} loading={save.isPending}>Reassign</Button>
      </Group>
    </Stack>
  );
}

import { useState } from "react";
import { Badge, Button, Checkbox, Code, Group, Paper, ScrollArea, Stack, Text, Title } from "@mantine/core";
import type { FlowVersion } from "../api/client";
import { useFlowVersion, useFlowVersions } from "../api/queries";
import { ErrorAlert } from "../components/ErrorAlert";
import { Empty, Loading, when } from "../components/bits";
import { DiffView } from "../editor/DiffView";
import { navigate, paths } from "../router";

// How many versions show before "Show all".
const firstFew = 20;

const triggerWord: Record<string, string> = { manual: "By hand", webhook: "Webhook", schedule: "Schedule", event: "Event" };

/** Who saved a version: the token's name when the audit log knows it, else its id. */
export function savedBy(v: FlowVersion): string {
  return v.created_by_name || v.created_by || "someone";
}

/**
 * Adds or removes a version from the choice of at most two: choosing a
 * third lets go of the one chosen first.
 */
export function toggleChoice(chosen: number[], version: number): number[] {
  if (chosen.includes(version)) return chosen.filter((v) => v !== version);
  return [...chosen, version].slice(-2);
}

/** A flow's versions, newest first: choose one to read it, two to compare them, and restore an older one in the editor. */
export function FlowHistory({ name }: { name: string }) {
  const versions = useFlowVersions(name);
  const [chosen, setChosen] = useState<number[]>([]);
  const [all, setAll] = useState(false);
  if (versions.isPending) return <Loading what="the versions" />;
  if (versions.isError) return <ErrorAlert error={versions.error} />;
  const list = versions.data;
  if (list.length === 0) return <Empty title="This flow has no versions." />;
  const shown = all ? list : list.slice(0, firstFew);
  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        Every save that changes the flow adds a version; versions never change. Choose one version to read it, or two to see
        what changed between them. Restoring an older version opens it in the editor: saving it makes it the newest version.
      </Text>
      <Stack gap="xs" role="list" aria-label="Versions">
        {shown.map((v) => (
          <VersionRow key={v.version} name={name} v={v} chosen={chosen.includes(v.version)} onToggle={() => setChosen((c) => toggleChoice(c, v.version))} />
        ))}
      </Stack>
      {list.length > shown.length && (
        <Group><Button variant="subtle" onClick={() => setAll(true)}>Show all {list.length} versions</Button></Group>
      )}
      <Chosen name={name} chosen={chosen} list={list} />
    </Stack>
  );
}

function VersionRow({ name, v, chosen, onToggle }: { name: string; v: FlowVersion; chosen: boolean; onToggle: () => void }) {
  return (
    <Paper withBorder p="sm" radius="md" role="listitem" aria-label={`Version ${v.version}`}>
      <Group justify="space-between" gap="sm">
        <Group gap="sm" wrap="nowrap" style={{ minWidth: 0 }}>
          <Checkbox checked={chosen} onChange={onToggle} aria-label={`Choose version ${v.version}`} />
          <div style={{ minWidth: 0 }}>
            <Group gap={6}>
              <Text fw={700}>Version {v.version}</Text>
              {v.current && <Badge size="sm" color="green" variant="light">current</Badge>}
              {v.trigger && <Badge size="sm" color="gray" variant="light" tt="none">{triggerWord[v.trigger] ?? v.trigger}</Badge>}
            </Group>
            <Text size="sm" c="dimmed" style={{ wordBreak: "break-word" }}>Saved {when(v.created_at)} by {savedBy(v)}</Text>
          </div>
        </Group>
        {!v.current && <RestoreButton name={name} version={v.version} />}
      </Group>
    </Paper>
  );
}

function RestoreButton({ name, version }: { name: string; version: number }) {
  return (
    <Button size="compact-sm" variant="default" onClick={() => navigate(paths.editFlow(name, version))} aria-label={`Restore version ${version}`}>
      Restore this version
    </Button>
  );
}

// Chosen shows the one chosen version's document, or what changed between
// the two chosen (older first, whatever order they were chosen in).
function Chosen({ name, chosen, list }: { name: string; chosen: number[]; list: FlowVersion[] }) {
  const [older, newer] = [...chosen].sort((a, b) => a - b);
  const a = useFlowVersion(name, older ?? 0);
  const b = useFlowVersion(name, newer ?? 0);
  if (chosen.length === 0) {
    return <Text size="sm" c="dimmed">{list.length > 1 ? "Choose a version to read it, or two to compare them." : "Choose the version to read it."}</Text>;
  }
  const failed = a.error ?? b.error;
  if (failed) return <ErrorAlert error={failed} />;
  if (!a.data || (newer && !b.data)) return <Loading what="the documents" />;
  if (!newer || !b.data) {
    const v = a.data;
    return (
      <section aria-label={`Version ${v.version}`}>
        <Group justify="space-between" mb="xs">
          <Title order={3} size="h4">Version {v.version}{v.current ? " (current)" : ""}</Title>
          {!v.current && <RestoreButton name={name} version={v.version} />}
        </Group>
        <ScrollArea.Autosize mah="60vh" type="auto">
          <Code block aria-label={`Document of version ${v.version}`} style={{ whiteSpace: "pre" }}>{v.document}</Code>
        </ScrollArea.Autosize>
      </section>
    );
  }
  return (
    <section aria-label="Comparison">
      <Title order={3} size="h4" mb="xs">Changes from version {older} to version {newer}</Title>
      <DiffView
        before={a.data.document ?? ""} after={b.data.document ?? ""} label={`Differences between version ${older} and version ${newer}`}
        legend={`Lines marked − are only in version ${older}; lines marked + are only in version ${newer}.`}
      />
    </section>
  );
}

import { useMemo, useState } from "react";
import { Anchor, Badge, Group, Paper, SimpleGrid, Stack, Text, Title, UnstyledButton } from "@mantine/core";
import { useFlow, useFlowVersion } from "../api/queries";
import { ErrorAlert } from "../components/ErrorAlert";
import { Loading } from "../components/bits";
import { Link, paths, useTitle } from "../router";
import { Editor } from "./Editor";
import { templates, type Template } from "./templates";

/**
 * The editor for a saved flow (name given) or for a new one, which first
 * asks what to start from. With fromVersion, a saved flow's editor starts
 * from that older version's document, to restore it.
 */
export function EditorPage({ name, fromVersion }: { name?: string; fromVersion?: number }) {
  return name ? <EditSaved name={name} fromVersion={fromVersion} /> : <NewFlow />;
}

function EditSaved({ name, fromVersion = 0 }: { name: string; fromVersion?: number }) {
  useTitle(`Edit ${name}`);
  const flow = useFlow(name);
  const old = useFlowVersion(name, fromVersion);
  if (flow.isPending || (fromVersion > 0 && old.isPending)) return <Loading what="the flow" />;
  if (flow.isError) return <ErrorAlert error={flow.error} />;
  if (old.isError) return <ErrorAlert error={old.error} />;
  const f = flow.data;
  if (old.data) {
    return <Editor initial={{ text: old.data.document ?? "", version: f.version, name: f.name, savedText: f.document ?? "", restoredFrom: old.data.version }} />;
  }
  return <Editor initial={{ text: f.document ?? "", version: f.version, name: f.name }} />;
}

function NewFlow() {
  useTitle("New flow");
  const [chosen, setChosen] = useState<Template | null>(null);
  const all = useMemo(() => templates(), []);
  if (chosen) return <Editor initial={{ text: chosen.text, version: 0 }} />;
  return (
    <Stack gap="md">
      <div>
        <Anchor component={Link} href={paths.home} size="sm">← All flows</Anchor>
        <Title order={1} mt={4}>New flow</Title>
        <Text c="dimmed">Start from a blank flow or from an example. You can change everything afterwards; nothing is saved until you press Save.</Text>
      </div>
      <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} spacing="md" role="list" aria-label="Start from">
        {all.map((t) => (
          <Paper key={t.key} withBorder radius="md" role="listitem">
            <UnstyledButton onClick={() => setChosen(t)} p="md" w="100%" h="100%" className="bistro-pick" style={{ display: "block" }}>
              <Group gap={6} mb={4}>
                <Text fw={700}>{t.title}</Text>
                {t.key.startsWith("blank") ? <Badge size="xs" variant="light">blank</Badge> : <Badge size="xs" variant="light" color="gray">example</Badge>}
              </Group>
              <Text size="sm" c="dimmed" lineClamp={3}>{t.description}</Text>
            </UnstyledButton>
          </Paper>
        ))}
      </SimpleGrid>
    </Stack>
  );
}

import { useMemo, useState } from "react";
import { Badge, Box, Chip, Group, Paper, SimpleGrid, Stack, Text, TextInput, UnstyledButton } from "@mantine/core";
import type { ConnectorInfo } from "../api/client";
import { AccessBadge, RequestAccess } from "./Access";
import { categoryWords, hasSettings, pickable } from "./settings";

/** The connectors a connection can be made for, searchable and by category; a blocked one can be asked for. */
export function ConnectorPicker({ connectors, onPick }: { connectors: ConnectorInfo[]; onPick: (c: ConnectorInfo) => void }) {
  const [query, setQuery] = useState("");
  const [category, setCategory] = useState("");
  const cats = useMemo(() => [...new Set(connectors.filter(hasSettings).map((c) => c.category))].sort(), [connectors]);
  const shown = useMemo(() => pickable(connectors, query, category), [connectors, query, category]);
  return (
    <Stack gap="sm" component="section" aria-label="Choose a connector">
      <TextInput
        label="Search connectors" placeholder="e.g. postgres, email, queue" value={query} autoFocus
        onChange={(e) => setQuery(e.currentTarget.value)}
        onKeyDown={(e) => { if (e.key === "Enter" && shown.length === 1 && shown[0].access !== "blocked") { e.preventDefault(); onPick(shown[0]); } }}
      />
      <Chip.Group value={category} onChange={(v) => setCategory(v as string)}>
        <Group gap={6} role="radiogroup" aria-label="Category">
          <Chip value="" size="xs">All</Chip>
          {cats.map((c) => <Chip key={c} value={c} size="xs">{categoryWords(c)}</Chip>)}
        </Group>
      </Chip.Group>
      {shown.length === 0 && <Text size="sm">No connector matches “{query}”. Clear the search to see them all.</Text>}
      <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} spacing="sm" role="list" aria-label="Connectors">
        {shown.map((c) => (
          <Paper key={c.name} withBorder radius="md" role="listitem">
            {c.access === "blocked" ? (
              <Box p="sm" h="100%" aria-label={`${c.title} (blocked)`} role="group">
                <Heading c={c} />
                <Text size="sm" c="dimmed" lineClamp={3}>{c.description}</Text>
                <Group mt="xs"><RequestAccess connector={c} /></Group>
              </Box>
            ) : (
              <UnstyledButton onClick={() => onPick(c)} p="sm" w="100%" h="100%" className="bistro-pick" style={{ display: "block" }}>
                <Heading c={c} />
                <Text size="sm" c="dimmed" lineClamp={3}>{c.description}</Text>
              </UnstyledButton>
            )}
          </Paper>
        ))}
      </SimpleGrid>
    </Stack>
  );
}

function Heading({ c }: { c: ConnectorInfo }) {
  // A badge about access may need a line of its own next to a long name.
  return (
    <Group gap={6} mb={4} wrap={c.access && c.access !== "approved" ? "wrap" : "nowrap"}>
      <Text fw={700} c={c.access === "blocked" ? "dimmed" : undefined}>{c.title}</Text>
      <Badge size="xs" variant="light" color="gray">{categoryWords(c.category)}</Badge>
      <AccessBadge access={c.access} />
    </Group>
  );
}

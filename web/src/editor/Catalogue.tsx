import { useMemo, useState } from "react";
import { Badge, Box, Button, Chip, Group, Paper, ScrollArea, Stack, Text, TextInput, Title, UnstyledButton } from "@mantine/core";
import { AccessBadge, RequestAccess } from "../connections/Access";
import { categories, search, type CatalogueItem } from "./catalogue";

/** The list of steps to add, searchable and grouped by category; a step whose connector IT blocked can be asked for, not added. */
export function Catalogue({ items, where, onPick, onCancel }: { items: CatalogueItem[]; where: string; onPick: (it: CatalogueItem) => void; onCancel: () => void }) {
  const [query, setQuery] = useState("");
  const [category, setCategory] = useState<string>("all");
  const shown = useMemo(() => search(items, query).filter((it) => category === "all" || it.category === category), [items, query, category]);
  return (
    <Stack gap="sm" component="section" aria-label="Add a step">
      <Group justify="space-between">
        <Title order={2} size="h3">Add a step</Title>
        <Button variant="subtle" size="compact-sm" onClick={onCancel}>Cancel</Button>
      </Group>
      <Text size="sm" c="dimmed">{where}</Text>
      <TextInput
        label="Search steps" placeholder="e.g. email, filter, http" value={query} data-autofocus autoFocus
        onChange={(e) => setQuery(e.currentTarget.value)}
        onKeyDown={(e) => { if (e.key === "Enter") { const first = shown.find((it) => it.access !== "blocked"); if (first) { e.preventDefault(); onPick(first); } } if (e.key === "Escape") onCancel(); }}
      />
      <Chip.Group value={category} onChange={(v) => setCategory(v as string)}>
        <Group gap={6} role="radiogroup" aria-label="Category">
          <Chip value="all" size="xs">All</Chip>
          {categories.map((c) => <Chip key={c} value={c} size="xs">{c}</Chip>)}
        </Group>
      </Chip.Group>
      <ScrollArea.Autosize mah={520} type="auto">
        <Stack gap="md">
          {shown.length === 0 && <Text size="sm">No step matches “{query}”.</Text>}
          {categories.map((c) => {
            const inCat = shown.filter((it) => it.category === c);
            if (inCat.length === 0) return null;
            return (
              <div key={c}>
                <Text size="xs" tt="uppercase" fw={700} c="dimmed" mb={4}>{c}</Text>
                <Stack gap={4} role="list" aria-label={c}>
                  {inCat.map((it) => (
                    <Paper key={it.key} withBorder radius="md" role="listitem">
                      {it.access === "blocked" ? <Blocked it={it} /> : (
                        <UnstyledButton onClick={() => onPick(it)} p="xs" w="100%" className="bistro-pick" aria-label={`Add ${it.title}`}>
                          <ItemTitle it={it} />
                          <Text size="xs" c="dimmed" lineClamp={2}>{it.description}</Text>
                        </UnstyledButton>
                      )}
                    </Paper>
                  ))}
                </Stack>
              </div>
            );
          })}
        </Stack>
      </ScrollArea.Autosize>
    </Stack>
  );
}

function ItemTitle({ it }: { it: CatalogueItem }) {
  // A badge about access may need a line of its own next to a long name.
  return (
    <Group gap={6} wrap={it.access && it.access !== "approved" ? "wrap" : "nowrap"}>
      <Text size="sm" fw={600} c={it.access === "blocked" ? "dimmed" : undefined}>{it.title}</Text>
      {it.connector && <Badge size="xs" variant="light">{it.connector}</Badge>}
      <AccessBadge access={it.access} />
    </Group>
  );
}

// Blocked is a step whose connector IT blocked in this workspace: it
// cannot be added, only asked for.
function Blocked({ it }: { it: CatalogueItem }) {
  const name = it.connector ?? it.kind;
  return (
    <Box p="xs" role="group" aria-label={`${it.title} (blocked)`}>
      <ItemTitle it={it} />
      <Text size="xs" c="dimmed" mt={2}>IT has blocked {it.connectorTitle ?? name} in this workspace.</Text>
      <Group mt={4}><RequestAccess connector={{ name, title: it.connectorTitle ?? name }} /></Group>
    </Box>
  );
}

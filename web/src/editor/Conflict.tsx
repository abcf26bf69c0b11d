import { Alert, Anchor, Button, Group, Modal, Stack, Text } from "@mantine/core";
import type { Flow } from "../api/client";
import { Link, paths } from "../router";
import { DiffView } from "./DiffView";

/** Why a save was refused: someone saved first, the name is taken, or the flow is gone. */
export type Conflict =
  | { kind: "changed"; flow: Flow; base: number }
  | { kind: "exists"; flow: Flow }
  | { kind: "deleted"; name: string };

/** The time of day, e.g. 10:42, in the reader's own clock. */
export function clock(ts: string): string {
  const d = new Date(ts);
  return isNaN(d.getTime()) ? ts : d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

/** Says why the save was refused and what can be done about it. */
export function ConflictAlert({ c, onReload, onCompare, onDismiss }: { c: Conflict; onReload: () => void; onCompare: () => void; onDismiss: () => void }) {
  if (c.kind === "exists") {
    return (
      <Alert color="orange" role="alert" title={`There is already a flow called “${c.flow.name}”`} withCloseButton onClose={onDismiss} closeButtonLabel="Dismiss">
        <Text size="sm">Nothing was saved. Give this flow another name, or <Anchor component={Link} href={paths.flow(c.flow.name)}>open that one</Anchor> to change it.</Text>
      </Alert>
    );
  }
  if (c.kind === "deleted") {
    return (
      <Alert color="orange" role="alert" title={`The flow “${c.name}” was deleted meanwhile`} withCloseButton onClose={onDismiss} closeButtonLabel="Dismiss">
        <Text size="sm">Nothing was saved. Save again to create it anew with your changes.</Text>
      </Alert>
    );
  }
  return (
    <Alert color="orange" role="alert" title={`Changed by someone else at ${clock(c.flow.updated_at)} — reload or compare`}>
      <Text size="sm">
        Version {c.flow.version} was saved after you opened version {c.base}, so your changes were not saved over it.
        Reload to take their version (Undo brings your changes back), or compare the two.
      </Text>
      <Group mt="sm" gap="xs">
        <Button size="compact-sm" onClick={onReload}>Reload</Button>
        <Button size="compact-sm" variant="default" onClick={onCompare}>Compare</Button>
      </Group>
    </Alert>
  );
}

/** Their saved document next to yours, line by line, with the ways out. */
export function CompareModal({ opened, theirs, mine, version, onClose, onReload, onKeepMine }: {
  opened: boolean; theirs: string; mine: string; version: number; onClose: () => void; onReload: () => void; onKeepMine: () => void;
}) {
  return (
    <Modal opened={opened} onClose={onClose} title={`Your changes compared with version ${version}`} size="xl">
      <Stack gap="sm">
        {opened && (
          <DiffView before={theirs} after={mine} label="Differences"
            legend={`Lines marked − are only in version ${version}; lines marked + are only in yours.`} />
        )}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onReload}>Take version {version}</Button>
          <Button color="orange" onClick={onKeepMine}>Save mine over it</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

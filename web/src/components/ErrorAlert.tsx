import { Alert, List, Text } from "@mantine/core";
import { friendly } from "../api/problem";

/** Shows an error from the API (or the network) in plain words; title, when given, replaces the one chosen by status. */
export function ErrorAlert({ error, onClose, title }: { error: unknown; onClose?: () => void; title?: string }) {
  if (!error) return null;
  const f = friendly(error);
  return (
    <Alert color="red" title={title ?? f.title} role="alert" withCloseButton={!!onClose} onClose={onClose} closeButtonLabel="Dismiss">
      {f.message && <Text size="sm">{f.message}</Text>}
      {f.items.length > 0 && (
        <List size="sm" mt="xs">
          {f.items.map((m, i) => <List.Item key={i}>{m}</List.Item>)}
        </List>
      )}
    </Alert>
  );
}

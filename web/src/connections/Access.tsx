import { useState, type FormEvent } from "react";
import { Alert, Badge, Button, Group, Modal, Stack, Text, Textarea } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, must, type Access } from "../api/client";
import { useMe } from "../api/me";
import { ApiError } from "../api/problem";
import { ErrorAlert } from "../components/ErrorAlert";
import { Link, paths } from "../router";

/** A connector as far as asking for it goes. */
export interface Asked {
  name: string;
  title: string;
}

// The whole word, never cut short: a list squeezing the badge would hide it.
const whole = { label: { overflow: "visible" } };

/** What IT's catalogue says about a connector in this workspace, as a badge; nothing when it is simply approved. */
export function AccessBadge({ access, size = "xs" }: { access?: Access; size?: "xs" | "sm" | "md" | "lg" }) {
  if (access === "blocked") return <Badge size={size} color="red" variant="light" tt="none" styles={whole} style={{ flexShrink: 0 }} title="IT has blocked it in this workspace: ask for it with “Request access”">Blocked</Badge>;
  if (access === "review") return <Badge size={size} color="yellow" variant="light" tt="none" styles={whole} style={{ flexShrink: 0 }} title="A flow that uses it waits for IT's review before it is published">Reviewed by IT</Badge>;
  return null;
}

/**
 * "Request access" to a blocked connector: a short form whose reason goes
 * to IT. Platform admins decide themselves, so they get the catalogue.
 */
export function RequestAccess({ connector }: { connector: Asked }) {
  const me = useMe();
  const [open, setOpen] = useState(false);
  if (me?.admin) {
    return <Button component={Link} href={paths.catalogue} size="compact-xs" variant="default">Change it in the catalogue</Button>;
  }
  return (
    <>
      <Button size="compact-xs" variant="light" onClick={() => setOpen(true)} aria-label={`Request access to ${connector.title}`}>Request access</Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={`Request access to ${connector.title}`}>
        {open && <RequestForm connector={connector} onClose={() => setOpen(false)} />}
      </Modal>
    </>
  );
}

function RequestForm({ connector, onClose }: { connector: Asked; onClose: () => void }) {
  const qc = useQueryClient();
  const [reason, setReason] = useState("");
  const [missing, setMissing] = useState(false);
  const send = useMutation({
    mutationFn: async () => must(await api.POST("/api/v1/connector-requests", { body: { connector: connector.name, reason: reason.trim() } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["connector-requests"] }),
    // Allowed meanwhile: the list of connectors is out of date.
    onError: (err) => {
      if (err instanceof ApiError && err.status === 409) qc.invalidateQueries({ queryKey: ["connectors"] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) {
      setMissing(true);
      return;
    }
    send.mutate();
  };
  if (send.isSuccess) {
    return (
      <Stack gap="sm">
        <Alert color="green" title="Sent to IT" role="status">
          <Text size="sm">Your request for {connector.title} waits for IT's answer. It comes as a notification (the bell at the top).</Text>
        </Alert>
        <Group justify="flex-end"><Button onClick={onClose}>Close</Button></Group>
      </Stack>
    );
  }
  const allowed = send.error instanceof ApiError && send.error.status === 409;
  return (
    <Stack gap="sm" component="form" onSubmit={submit} aria-label={`Request access to ${connector.title}`}>
      <Text size="sm">IT has blocked {connector.title} in this workspace. Say what you need it for: the platform admins are told, and their answer comes as a notification.</Text>
      <Textarea
        label="What do you need it for?" placeholder="e.g. Post won deals to the sales channel" withAsterisk autosize minRows={3} data-autofocus
        value={reason} error={missing ? "Say what you need it for, so that IT can decide." : undefined}
        onChange={(e) => { setReason(e.currentTarget.value); setMissing(false); }}
      />
      <ErrorAlert error={send.error} title={allowed ? "No need to ask" : undefined} onClose={send.reset} />
      <Group justify="flex-end" gap="xs">
        <Button variant="default" onClick={onClose}>Cancel</Button>
        <Button type="submit" loading={send.isPending}>Send the request</Button>
      </Group>
    </Stack>
  );
}

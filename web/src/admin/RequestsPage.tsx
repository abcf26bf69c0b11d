import { useState } from "react";
import { Alert, Badge, Button, Group, Paper, Stack, Text, Textarea, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, must, type ConnectorRequest } from "../api/client";
import { useConnectorRequests, useConnectors, useUsers } from "../api/queries";
import { ErrorAlert } from "../components/ErrorAlert";
import { Empty, Loading, when } from "../components/bits";
import { useTitle } from "../router";
import { pendingFirst, personName } from "./admin";

const answered: Record<ConnectorRequest["status"], { word: string; color: string }> = {
  pending: { word: "Waiting", color: "blue" },
  approved: { word: "Approved", color: "green" },
  declined: { word: "Declined", color: "red" },
};

/** Builders' requests for blocked connectors, the pending ones first: approve or decline each with an answer. */
export function RequestsPage() {
  useTitle("Requests");
  const list = useConnectorRequests();
  const users = useUsers();
  const connectors = useConnectors();
  const [done, setDone] = useState<ConnectorRequest | null>(null);
  const title = (name: string) => connectors.data?.find((c) => c.name === name)?.title ?? name;
  const who = (id: string) => personName(users.data, id) || "someone";
  const all = pendingFirst(list.data ?? []);
  const waiting = all.filter((r) => r.status === "pending").length;
  return (
    <Stack>
      <Title order={1}>Requests</Title>
      <Text size="sm" c="dimmed">
        Builders ask here for connectors the catalogue blocks, saying what for. Approving allows the connector in the request's
        workspace; either way the person who asked is told, with your answer.
      </Text>
      {done && (
        <Alert color="green" role="status" withCloseButton onClose={() => setDone(null)} closeButtonLabel="Dismiss"
          title={`${done.status === "approved" ? "Approved" : "Declined"} ${title(done.connector)} for ${done.workspace}`}>
          <Text size="sm">{who(done.requested_by)} was told{done.status === "approved" ? ": flows of that workspace may use it now." : "."}</Text>
        </Alert>
      )}
      {list.isPending ? <Loading what="the requests" /> : list.isError ? <ErrorAlert error={list.error} /> : all.length === 0 ? (
        <Empty title="No requests yet.">When a builder asks for a blocked connector, the request shows here and you get a notification.</Empty>
      ) : (
        <>
          <Text size="sm" fw={600}>{waiting === 0 ? "Every request is answered." : waiting === 1 ? "1 request waits for an answer." : `${waiting} requests wait for an answer.`}</Text>
          <Stack gap="sm" role="list" aria-label="Requests">
            {all.map((r) => <RequestCard key={r.id} r={r} title={title(r.connector)} who={who} onAnswered={setDone} />)}
          </Stack>
        </>
      )}
    </Stack>
  );
}

function RequestCard({ r, title, who, onAnswered }: { r: ConnectorRequest; title: string; who: (id: string) => string; onAnswered: (r: ConnectorRequest) => void }) {
  const qc = useQueryClient();
  const [answer, setAnswer] = useState("");
  const send = useMutation({
    mutationFn: async (approve: boolean) => must(await api.POST("/api/v1/connector-requests/{id}/answer", {
      params: { path: { id: r.id } }, body: { approve, answer: answer.trim() || undefined },
    })),
    onSuccess: (res) => {
      onAnswered(res);
      qc.invalidateQueries({ queryKey: ["connector-requests"] });
      qc.invalidateQueries({ queryKey: ["catalogue"] });
      qc.invalidateQueries({ queryKey: ["connectors"] });
    },
  });
  const s = answered[r.status];
  return (
    <Paper withBorder p="md" radius="md" role="listitem" aria-label={`${title} for ${r.workspace}`}>
      <Group justify="space-between" gap="xs" mb={4}>
        <Group gap="xs">
          <Title order={2} size="h4">{title}</Title>
          <Badge variant="light" color="gray" tt="none">{r.workspace}</Badge>
        </Group>
        <Badge variant="light" color={s.color} tt="none">{s.word}</Badge>
      </Group>
      <Text size="sm" c="dimmed">{who(r.requested_by)} asked {when(r.created_at)}:</Text>
      <Text size="sm" mt={2} style={{ whiteSpace: "pre-wrap", wordBreak: "break-word" }}>“{r.reason}”</Text>
      {r.status === "pending" ? (
        <Stack gap="xs" mt="sm">
          <Textarea
            label="Answer" description={`Sent to ${who(r.requested_by)} with your decision`} autosize minRows={2}
            value={answer} onChange={(e) => setAnswer(e.currentTarget.value)}
          />
          <ErrorAlert error={send.error} onClose={send.reset} />
          <Group gap="xs">
            <Button color="green" onClick={() => send.mutate(true)} loading={send.isPending && send.variables === true} disabled={send.isPending}>Approve for {r.workspace}</Button>
            <Button color="red" variant="light" onClick={() => send.mutate(false)} loading={send.isPending && send.variables === false} disabled={send.isPending}>Decline</Button>
          </Group>
        </Stack>
      ) : (
        <Text size="sm" mt="xs">
          {s.word} {when(r.answered_at)}{r.answered_by ? ` by ${who(r.answered_by)}` : ""}{r.answer ? `: “${r.answer}”` : "."}
        </Text>
      )}
    </Paper>
  );
}

import { useState, type FormEvent } from "react";
import { Alert, Anchor, Badge, Button, Code, Group, List, NumberInput, Paper, ScrollArea, SegmentedControl, Stack, Text, Textarea, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, must, type Review } from "../api/client";
import { useMe } from "../api/me";
import { useFlowIn, useReviewSettings, useReviews, useUsers } from "../api/queries";
import { ErrorAlert } from "../components/ErrorAlert";
import { Empty, Loading, when } from "../components/bits";
import { DiffView } from "../editor/DiffView";
import { Link, navigate, paths, useTitle } from "../router";
import { personName, riskColor, riskLevel } from "./admin";

const outcome: Record<Review["status"], { word: string; color: string }> = {
  submitted: { word: "Waiting for review", color: "blue" },
  approved: { word: "Published", color: "green" },
  changes_requested: { word: "Changes requested", color: "orange" },
};

/** Builders' changes waiting for IT: each with its risk and reasons, the document and what it changes; approve or send back. The threshold too. */
export function ReviewsPage({ all }: { all: boolean }) {
  useTitle("Reviews");
  const list = useReviews(all ? undefined : "submitted");
  const users = useUsers();
  const [done, setDone] = useState<Review | null>(null);
  const who = (id?: string) => personName(users.data, id ?? "") || "someone";
  const shown = [...(list.data ?? [])].sort((a, b) => (all ? b.created_at.localeCompare(a.created_at) : a.created_at.localeCompare(b.created_at)));
  return (
    <Stack>
      <Title order={1}>Reviews</Title>
      <Text size="sm" c="dimmed">
        A builder's change waits here when its risk reaches the threshold, or when it uses a connector IT reviews; the flow keeps
        running its published version meanwhile. Approving publishes the change as the flow's next version, in the builder's
        name. Either way the builder is told, with your comment.
      </Text>
      <Threshold />
      <SegmentedControl
        aria-label="Show" value={all ? "all" : "submitted"} style={{ alignSelf: "flex-start" }}
        onChange={(v) => navigate(paths.reviews(v === "all" ? "all" : undefined), true)}
        data={[{ label: "Waiting", value: "submitted" }, { label: "All", value: "all" }]}
      />
      {done && (
        <Alert color="green" role="status" withCloseButton onClose={() => setDone(null)} closeButtonLabel="Dismiss"
          title={done.status === "approved" ? `Published ${done.flow}${done.version ? ` as version ${done.version}` : ""}` : `Sent ${done.flow} back with your comment`}>
          <Text size="sm">{who(done.submitted_by)} was told.</Text>
        </Alert>
      )}
      {list.isPending ? <Loading what="the reviews" /> : list.isError ? <ErrorAlert error={list.error} /> : shown.length === 0 ? (
        <Empty title={all ? "No reviews yet." : "Nothing waits for review."}>
          A builder's change that needs review shows here, and you get a notification.
        </Empty>
      ) : (
        <Stack gap="md" role="list" aria-label="Reviews">
          {shown.map((r) => <ReviewCard key={r.id} r={r} who={who} onDone={setDone} />)}
        </Stack>
      )}
    </Stack>
  );
}

// Threshold is the risk score from which changes wait for review.
function Threshold() {
  const qc = useQueryClient();
  const settings = useReviewSettings();
  const [value, setValue] = useState<number | null>(null);
  const save = useMutation({
    mutationFn: async (threshold: number) => must(await api.PUT("/api/v1/review-settings", { body: { threshold } })),
    onSuccess: (s) => {
      qc.setQueryData(["review-settings"], s);
      setValue(null);
    },
  });
  if (settings.isPending) return <Loading what="the threshold" />;
  if (settings.isError) return <ErrorAlert error={settings.error} />;
  const shown = value ?? settings.data.threshold;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(shown);
  };
  return (
    <Paper withBorder p="md" radius="md" component="form" onSubmit={submit} aria-label="Review threshold">
      <Group align="flex-end" gap="sm">
        <NumberInput
          label="Review changes from risk" min={0} max={101} clampBehavior="strict" allowDecimal={false} w={200} value={shown}
          onChange={(v) => { setValue(typeof v === "number" ? v : Number(v) || 0); save.reset(); }}
        />
        <Button type="submit" variant="default" loading={save.isPending} disabled={shown === settings.data.threshold}>Save</Button>
      </Group>
      <Text size="xs" c="dimmed" mt={6}>
        A builder's change whose risk score (0 to 100) reaches this waits for review. 0 reviews every change; 101 none, except
        changes that use a connector IT reviews.
      </Text>
      {save.isSuccess && <Text size="sm" c="green" mt="xs" role="status">Saved: changes from risk {save.data.threshold} wait for review.</Text>}
      {save.isError && <ErrorAlert error={save.error} onClose={save.reset} />}
    </Paper>
  );
}

/** A risk score as a coloured badge with its level. */
export function RiskBadge({ score }: { score: number }) {
  const level = riskLevel(score);
  return <Badge variant="light" color={riskColor[level]} tt="none">Risk {score} · {level}</Badge>;
}

function ReviewCard({ r, who, onDone }: { r: Review; who: (id?: string) => string; onDone: (r: Review) => void }) {
  const s = outcome[r.status];
  const reasons = (r.reasons ?? []).filter(Boolean);
  return (
    <Paper withBorder p="md" radius="md" role="listitem" aria-label={`Change to ${r.flow}`}>
      <Group justify="space-between" gap="xs" mb={4}>
        <Group gap="xs">
          <Title order={2} size="h4" style={{ wordBreak: "break-word" }}>{r.flow}</Title>
          <Badge variant="light" color="gray" tt="none">{r.workspace}</Badge>
        </Group>
        <Group gap="xs">
          <RiskBadge score={r.risk} />
          <Badge variant="light" color={s.color} tt="none">{s.word}</Badge>
        </Group>
      </Group>
      <Text size="sm" c="dimmed">
        Submitted by {who(r.submitted_by)}, {when(r.created_at)}: {r.base_version > 0 ? `a change to version ${r.base_version}` : "a new flow"}.
      </Text>
      <Text size="sm" fw={600} mt="xs">Why it waits for review</Text>
      {reasons.length > 0 ? (
        <List size="sm" aria-label="Reasons">{reasons.map((x) => <List.Item key={x}>{x}</List.Item>)}</List>
      ) : (
        <Text size="sm">Every change waits for review at this threshold, or it uses a connector IT reviews.</Text>
      )}
      <Change r={r} />
      {r.status === "submitted" ? <Answer r={r} onDone={onDone} /> : (
        <Text size="sm" mt="sm">
          {s.word} {when(r.reviewed_at)}{r.reviewed_by ? ` by ${who(r.reviewed_by)}` : ""}{r.version ? ` as version ${r.version}` : ""}
          {r.comment ? `: “${r.comment}”` : "."}
        </Text>
      )}
    </Paper>
  );
}

// Change shows what the change does to the flow as it runs now, or the
// submitted document as a whole.
function Change({ r }: { r: Review }) {
  const me = useMe();
  const [view, setView] = useState<"diff" | "document">("diff");
  const [open, setOpen] = useState(r.status === "submitted");
  const current = useFlowIn(r.workspace, open ? r.flow : "");
  if (!open) return <Button mt="sm" size="compact-sm" variant="default" onClick={() => setOpen(true)}>Show the change</Button>;
  const flow = current.data;
  return (
    <Stack gap="xs" mt="sm" component="section" aria-label={`The change to ${r.flow}`}>
      <Group justify="space-between" gap="xs">
        <SegmentedControl size="xs" aria-label="Show the change as" value={view} onChange={(v) => setView(v as "diff" | "document")}
          data={[{ label: "Changes", value: "diff" }, { label: "Submitted document", value: "document" }]} />
        <Button size="compact-sm" variant="subtle" onClick={() => setOpen(false)}>Hide</Button>
      </Group>
      {view === "document" ? (
        <ScrollArea.Autosize mah="60vh" type="auto">
          <Code block aria-label={`Submitted document of ${r.flow}`} style={{ whiteSpace: "pre" }}>{r.document}</Code>
        </ScrollArea.Autosize>
      ) : current.isPending ? <Loading what="the flow's current version" /> : current.isError ? <ErrorAlert error={current.error} /> : (
        <>
          {r.status === "submitted" && flow && flow.version !== r.base_version && (
            <Alert color="orange" title={`Version ${flow.version} was saved after this was submitted`}>
              <Text size="sm">The change was made on version {r.base_version}, so approving it is refused. Request changes, so that the builder starts again from the current version.</Text>
            </Alert>
          )}
          <DiffView
            before={flow?.document ?? ""} after={r.document} label={`Differences of the change to ${r.flow}`} maxHeight="50vh"
            legend={flow
              ? <>Lines marked − are only in the current version {flow.version}{r.workspace === me?.workspace ? <> (<Anchor component={Link} href={paths.flow(flow.name)}>open it</Anchor>)</> : null}; lines marked + are only in the submitted change.</>
              : "A new flow: every line is added."}
          />
        </>
      )}
    </Stack>
  );
}

// Answer approves the change (a comment is optional) or sends it back (a
// comment is needed, so that the builder knows what to change).
function Answer({ r, onDone }: { r: Review; onDone: (r: Review) => void }) {
  const qc = useQueryClient();
  const [comment, setComment] = useState("");
  const [missing, setMissing] = useState(false);
  const send = useMutation({
    mutationFn: async (approve: boolean) => {
      const opts = { params: { path: { id: r.id } }, body: { comment: comment.trim() || undefined } };
      return must(approve ? await api.POST("/api/v1/reviews/{id}/approve", opts) : await api.POST("/api/v1/reviews/{id}/request-changes", opts));
    },
    onSuccess: (res) => {
      onDone(res);
      for (const key of ["reviews", "inventory", "flows", "flow-in"]) qc.invalidateQueries({ queryKey: [key] });
    },
  });
  const sendBack = () => {
    if (!comment.trim()) {
      setMissing(true);
      return;
    }
    send.mutate(false);
  };
  return (
    <Stack gap="xs" mt="sm">
      <Textarea
        label="Comment" description="Sent to the builder; needed to request changes" autosize minRows={2} value={comment}
        error={missing ? "Say what should change, so that the builder knows." : undefined}
        onChange={(e) => { setComment(e.currentTarget.value); setMissing(false); }}
      />
      <ErrorAlert error={send.error} onClose={send.reset} />
      <Group gap="xs">
        <Button color="green" onClick={() => send.mutate(true)} loading={send.isPending && send.variables === true} disabled={send.isPending}>Approve and publish</Button>
        <Button color="orange" variant="light" onClick={sendBack} loading={send.isPending && send.variables === false} disabled={send.isPending}>Request changes</Button>
      </Group>
    </Stack>
  );
}

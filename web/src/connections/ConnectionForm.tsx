import { useMemo, useState, type FormEvent } from "react";
import { Alert, Anchor, Button, Group, Modal, Stack, TagsInput, Text, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, must, type Connection, type ConnectionTest, type ConnectorInfo } from "../api/client";
import { sentence } from "../api/problem";
import { ErrorAlert } from "../components/ErrorAlert";
import { formatPath, type Path } from "../editor/document";
import { SchemaField, words, type FormContext } from "../editor/SchemaForm";
import { Link, paths } from "../router";
import { configSchema, fieldOrder, fromConnection, getIn, placeErrors, requestConfig, secretPaths, setIn, usedBy, type Settings } from "./settings";
import "../editor/editor.css";

/** Props of ConnectionForm. */
export interface ConnectionFormProps {
  connector: ConnectorInfo;
  /** The connection being changed; none for a new one. */
  existing?: Connection;
  onSaved: (c: Connection) => void;
  onCancel?: () => void;
}

/**
 * A connection's settings as a form made from the connector's spec. Secrets
 * are password boxes that never show a stored value; problems the server
 * finds are shown under the settings they are about.
 */
export function ConnectionForm({ connector, existing, onSaved, onCancel }: ConnectionFormProps) {
  const qc = useQueryClient();
  const schema = configSchema(connector);
  const start = useMemo(() => fromConnection(existing), [existing]);
  const [name, setName] = useState("");
  const [labels, setLabels] = useState<string[]>(existing?.labels ?? []);
  const [settings, setSettings] = useState<Settings>(start.settings);
  const [fields, setFields] = useState<Map<string, string[]>>(new Map());
  const secrets = useMemo(() => secretPaths(schema), [schema]);
  const order = useMemo(() => fieldOrder(schema), [schema]);
  const [moreOpen, setMoreOpen] = useState(() => order.more.some((k) => start.settings[k] !== undefined));

  const unplace = (key: string) => setFields((m) => {
    if (!m.has(key)) return m;
    const next = new Map(m);
    next.delete(key);
    return next;
  });
  const ctx: FormContext = {
    set: (path, value) => {
      setSettings((s) => setIn(s, path, value));
      unplace(formatPath(path));
    },
    rename: (path, from, to) => setSettings((s) => {
      const map = { ...((getIn(s, path) ?? {}) as Settings) };
      const v = map[from];
      delete map[from];
      return setIn(s, path, { ...map, [to]: v });
    }),
    problems: fields,
    suggestions: [],
    plain: true,
    secrets: start.stored,
  };

  const save = useMutation({
    mutationFn: async (): Promise<Connection> => {
      if (existing) {
        const body = { connector: connector.name, labels, config: requestConfig(settings, secrets, true) };
        return must(await api.PUT("/api/v1/connections/{name}", { params: { path: { name: existing.name } }, body }));
      }
      const body = { name: name.trim(), connector: connector.name, labels, config: requestConfig(settings, secrets, false) };
      return must(await api.POST("/api/v1/connections", { body }));
    },
    onSuccess: (c) => {
      setFields(new Map());
      qc.invalidateQueries({ queryKey: ["connections"] });
      qc.setQueryData(["connection", c.name], c);
      onSaved(c);
    },
    onError: (err) => {
      const placed = placeErrors(err).fields;
      setFields(placed);
      if (order.more.some((k) => placed.has(k))) setMoreOpen(true);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!save.isPending) save.mutate();
  };
  const shown = save.isError ? placeErrors(save.error).rest : null;
  const field = (k: string) => (
    <SchemaField key={k} schema={schema.properties![k]} path={[k] as Path} value={settings[k]} label={words(k)} required={schema.required?.includes(k)} ctx={ctx} />
  );

  return (
    <form onSubmit={submit} noValidate aria-label={existing ? `Settings of ${existing.name}` : `New ${connector.title} connection`}>
      <Stack gap="sm">
        {!existing && (
          <TextInput
            label="Connection name" required value={name} placeholder={`e.g. ${connector.category === "database" ? "shop-db" : `my-${connector.name}`}`}
            description="Flows name the connection in their steps. Letters, digits, '-', '_' and '.'."
            error={fields.get("@name")?.join(" ")} onChange={(e) => { setName(e.currentTarget.value); unplace("@name"); }}
            autoComplete="off" data-autofocus
          />
        )}
        {order.main.map(field)}
        {order.more.length > 0 && (
          <details className="bistro-section" open={moreOpen} onToggle={(e) => setMoreOpen(e.currentTarget.open)}>
            <summary><Text span fw={600} size="sm">More settings</Text><Text span size="sm" c="dimmed"> — each has a default that usually fits</Text></summary>
            <Stack gap="sm" mt="xs">{order.more.map(field)}</Stack>
          </details>
        )}
        <TagsInput
          label="Labels" description="Optional words for the kind of data the connection reaches, e.g. pii or finance; admins' rules can refer to them. Press Enter after each one."
          value={labels} onChange={(v) => { setLabels(v); unplace("@labels"); }} error={fields.get("@labels")?.join(" ")}
        />
        {shown !== null && <ErrorAlert error={shown} onClose={save.reset} />}
        <Group gap="xs">
          <Button type="submit" loading={save.isPending}>{existing ? "Save changes" : "Save connection"}</Button>
          {onCancel && <Button variant="default" onClick={onCancel}>Cancel</Button>}
        </Group>
      </Stack>
    </form>
  );
}

/** "Test connection" and its answer in plain words. The test uses the saved settings. */
export function TestConnection({ name }: { name: string }) {
  const test = useMutation({
    mutationFn: async (): Promise<ConnectionTest> => must(await api.POST("/api/v1/connections/{name}/test", { params: { path: { name } } })),
  });
  return (
    <Stack gap="xs">
      <Group gap="sm">
        <Button variant="light" onClick={() => test.mutate()} loading={test.isPending}>Test connection</Button>
        <Text size="sm" c="dimmed">Bistro connects with the saved settings and checks that the other side answers.</Text>
      </Group>
      <div role="status" aria-live="polite">
        {test.isSuccess && (
          <Alert color={test.data.ok ? "green" : "red"} title={test.data.ok ? "It works" : "It does not work yet"} withCloseButton onClose={test.reset} closeButtonLabel="Dismiss">
            <Text size="sm">{sentence(test.data.message)}</Text>
            {!test.data.ok && <Text size="sm" mt={4} c="dimmed">Check the settings above, change them, save, and test again.</Text>}
          </Alert>
        )}
      </div>
      {test.isError && <ErrorAlert error={test.error} onClose={test.reset} />}
    </Stack>
  );
}

/** "Delete connection", asked again first; a connection that flows use is not deleted, and the answer names them. */
export function DeleteConnection({ name, onDeleted }: { name: string; onDeleted: () => void }) {
  const qc = useQueryClient();
  const [asking, setAsking] = useState(false);
  const del = useMutation({
    mutationFn: async () => must(await api.DELETE("/api/v1/connections/{name}", { params: { path: { name } } })),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ["connections"] });
      qc.removeQueries({ queryKey: ["connection", name] });
      onDeleted();
    },
    onSettled: () => setAsking(false),
  });
  const flows = usedBy(del.error);
  return (
    <Stack gap="xs">
      <Group><Button color="red" variant="light" onClick={() => setAsking(true)}>Delete connection</Button></Group>
      <Modal opened={asking} onClose={() => setAsking(false)} title={`Delete the connection “${name}”?`}>
        <Text size="sm">Its settings and secrets are deleted. Bistro does not delete a connection that flows still use.</Text>
        <Group mt="md" justify="flex-end">
          <Button variant="default" onClick={() => setAsking(false)}>Keep it</Button>
          <Button color="red" onClick={() => del.mutate()} loading={del.isPending}>Delete</Button>
        </Group>
      </Modal>
      {flows ? (
        <Alert color="orange" role="alert" title={`“${name}” is used by ${flows.length === 1 ? "a flow" : `${flows.length} flows`}, so it was not deleted`} withCloseButton onClose={del.reset} closeButtonLabel="Dismiss">
          <Text size="sm">
            Used by {flows.length === 1 ? "the flow" : "the flows"}{" "}
            {flows.map((f, i) => (
              <span key={f}>{i > 0 && (i === flows.length - 1 ? " and " : ", ")}<Anchor component={Link} href={paths.flow(f)}>{f}</Anchor></span>
            ))}
            . Change {flows.length === 1 ? "it" : "them"} to use another connection, or delete {flows.length === 1 ? "it" : "them"}, then delete this connection.
          </Text>
        </Alert>
      ) : del.isError ? <ErrorAlert error={del.error} onClose={del.reset} /> : null}
    </Stack>
  );
}

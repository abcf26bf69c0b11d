import { useState } from "react";
import { Modal, Select } from "@mantine/core";
import type { ConnectorInfo } from "../api/client";
import { useConnections } from "../api/queries";
import { ConnectionForm } from "./ConnectionForm";

// The option that opens the form instead of choosing a connection. Not a
// valid connection name, so it cannot clash with one.
const newOption = " new";

/** Props of ConnectionSelect. */
export interface ConnectionSelectProps {
  /** The connector's id, e.g. postgres. */
  connector: string;
  /** The connector's spec; without it, no new connection can be made here. */
  info?: ConnectorInfo;
  value: string;
  onChange: (name: string) => void;
  error?: string;
  label?: string;
}

/**
 * Chooses one of the connections of a connector, or makes a new one in a
 * form that opens over the page and is chosen once saved.
 */
export function ConnectionSelect(p: ConnectionSelectProps) {
  const conns = useConnections();
  const [creating, setCreating] = useState(false);
  const title = p.info?.title ?? p.connector;
  const names = (conns.data ?? []).filter((c) => c.connector === p.connector).map((c) => c.name);
  // A name the document has but the server does not is still shown, so the
  // box says what the flow holds (its problem says the rest).
  const data = [
    ...names.map((n) => ({ value: n, label: n })),
    ...(p.value && !names.includes(p.value) ? [{ value: p.value, label: `${p.value} (not on this server)` }] : []),
    ...(p.info ? [{ value: newOption, label: "New connection…" }] : []),
  ];
  const description = conns.isError
    ? "The connections could not be listed; reload the page to try again."
    : names.length > 0 ? `The ${title} connection the step uses.` : `There is no ${title} connection yet: choose “New connection…” to make one.`;
  return (
    <>
      <Select
        label={p.label ?? "Connection"} required data={data} value={p.value || null} description={description} error={p.error}
        placeholder={conns.isPending ? "Loading the connections…" : "Choose a connection"} allowDeselect={false}
        onChange={(v) => (v === newOption ? setCreating(true) : v !== null && p.onChange(v))}
      />
      {p.info && (
        <Modal opened={creating} onClose={() => setCreating(false)} title={`New ${title} connection`} size="lg">
          <ConnectionForm connector={p.info} onCancel={() => setCreating(false)} onSaved={(c) => { setCreating(false); p.onChange(c.name); }} />
        </Modal>
      )}
    </>
  );
}

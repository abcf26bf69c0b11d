import { useEffect, useState, type ReactNode } from "react";
import { ActionIcon, Badge, Button, Group, NumberInput, PasswordInput, Select, Stack, Switch, TagsInput, Text, Textarea, TextInput } from "@mantine/core";
import { parse, stringify } from "yaml";
import { formatPath, type Path } from "./document";
import { ExpressionInput } from "./ExpressionInput";
import type { Suggestion } from "./completions";
import { isStepList, resolve, textKind, type Schema, type TextKind } from "./schema";

// Forms generated from JSON Schemas: the flow schema's step and trigger
// settings, and the connectors' action settings. Every field writes its
// value straight into the document at its path.

/** What every field needs from the editor. */
export interface FormContext {
  /** Writes value at path (undefined removes it); group joins typing into one undo step. */
  set: (path: Path, value: unknown, group?: string) => void;
  /** Renames a key of the map at path. */
  rename: (path: Path, from: string, to: string) => void;
  /** Problems by path (as problems write it, e.g. steps[0].set.email). */
  problems: Map<string, string[]>;
  suggestions: Suggestion[];
  /** Values are taken as they are, not as templates: text settings are plain text boxes. */
  plain?: boolean;
  /**
   * For a connection's settings: which secret settings have a stored value
   * (by path). With it, secrets are password boxes that are never filled
   * in; a secret's value is new text, null to clear it, or absent to keep it.
   */
  secrets?: Map<string, boolean>;
}

/** Props of one field. */
export interface FieldProps {
  schema: Schema;
  path: Path;
  value: unknown;
  label: string;
  required?: boolean;
  ctx: FormContext;
}

/** A field for any schema: text, expression, number, switch, choice, list, map, object, or YAML. */
export function SchemaField(p: FieldProps): ReactNode {
  const s = resolve(p.schema);
  if (isStepList(s)) return null;
  if (s.writeOnly && s.type === "string" && p.ctx.secrets) return <SecretField {...p} schema={s} />;
  if (s.anyOf) return <AnyOfField {...p} schema={s} />;
  if (s.enum) return <EnumField {...p} schema={s} />;
  switch (s.type) {
    case "string":
      return <TextField {...p} schema={s} />;
    case "integer": case "number":
      return typeof p.value === "string" ? <TextField {...p} schema={{ ...s, type: "string", description: (s.description ?? "") + " (a template)" }} /> : <NumberField {...p} schema={s} />;
    case "boolean":
      return <Switch label={p.label} description={s.description} checked={p.value === true} error={errorOf(p)} onChange={(e) => p.ctx.set(p.path, e.currentTarget.checked)} />;
    case "object":
      return s.properties ? <ObjectField {...p} schema={s} /> : <MapField {...p} schema={s} />;
    case "array":
      return resolve(s.items).type === "string" ? <ListField {...p} schema={s} /> : <YamlField {...p} schema={s} />;
  }
  return <YamlField {...p} schema={s} />;
}

/** The problems reported exactly at the field's path, in one line. */
function errorOf(p: { path: Path; ctx: FormContext }): string | undefined {
  const list = p.ctx.problems.get(formatPath(p.path));
  return list && list.length > 0 ? list.join(" ") : undefined;
}

function TextField(p: FieldProps) {
  const kind = textKind(p.schema);
  const value = p.value === undefined || p.value === null ? "" : String(p.value);
  const group = formatPath(p.path);
  const set = (v: string) => p.ctx.set(p.path, v === "" && !p.required ? undefined : v, group);
  if (kind === "text" || p.ctx.plain) {
    return <TextInput label={p.label} description={p.schema.description} required={p.required} value={value} placeholder={hint(p.schema)} error={errorOf(p)} onChange={(e) => set(e.currentTarget.value)} />;
  }
  return <ExpressionInput label={p.label} description={p.schema.description} required={p.required} value={value} error={errorOf(p)} mode={kind} suggestions={p.ctx.suggestions} onChange={set} />;
}

function NumberField(p: FieldProps) {
  return (
    <NumberInput
      label={p.label} description={p.schema.description} required={p.required} error={errorOf(p)}
      value={typeof p.value === "number" ? p.value : ""} min={p.schema.minimum} max={p.schema.maximum} placeholder={hint(p.schema)}
      allowDecimal={p.schema.type === "number"}
      onChange={(v) => p.ctx.set(p.path, v === "" ? (p.required ? 0 : undefined) : Number(v), formatPath(p.path))}
    />
  );
}

function EnumField(p: FieldProps) {
  const values = (p.schema.enum ?? []).map(String);
  const numeric = typeof p.schema.enum?.[0] === "number";
  return (
    <Select
      label={p.label} description={p.schema.description} required={p.required} error={errorOf(p)}
      data={values} value={p.value === undefined || p.value === null ? null : String(p.value)} clearable={!p.required}
      placeholder={p.schema.default !== undefined ? `${p.schema.default} (the default)` : "Choose…"}
      onChange={(v) => p.ctx.set(p.path, v === null ? undefined : numeric ? Number(v) : v)}
    />
  );
}

// AnyOfField covers the two unions of the flow schema: StringList (one
// expression or a list of them) and on_error (a word or an error branch).
function AnyOfField(p: FieldProps) {
  const opts = (p.schema.anyOf ?? []).map(resolve);
  const word = opts.find((o) => o.type === "string" && o.enum);
  if (word) {
    if (p.value !== undefined && typeof p.value !== "string") {
      return <Text size="sm" c="dimmed">{p.label}: an error branch (its steps are on the canvas; change it in the YAML view).</Text>;
    }
    return <EnumField {...p} schema={{ ...word, description: p.schema.description }} />;
  }
  const list = Array.isArray(p.value) ? p.value.map(String) : typeof p.value === "string" && p.value ? [p.value] : [];
  return (
    <TagsInput
      label={p.label} description={(p.schema.description ?? "") + " Press Enter after each one."} required={p.required} error={errorOf(p)}
      value={list} onChange={(v) => p.ctx.set(p.path, v.length === 0 ? (p.required ? "" : undefined) : v.length === 1 ? v[0] : v)}
    />
  );
}

function ListField(p: FieldProps) {
  const list = Array.isArray(p.value) ? p.value.map(String) : [];
  return (
    <TagsInput
      label={p.label} description={(p.schema.description ?? "") + " Press Enter after each one."} required={p.required} error={errorOf(p)}
      value={list} onChange={(v) => p.ctx.set(p.path, v.length === 0 && !p.required ? undefined : v)}
    />
  );
}

/** An object with named settings: each one a field; nested objects fold away until used. */
export function ObjectField(p: FieldProps & { open?: boolean; skip?: string[] }) {
  const obj = (p.value && typeof p.value === "object" && !Array.isArray(p.value) ? p.value : {}) as Record<string, unknown>;
  const req = new Set(p.schema.required ?? []);
  const fields = Object.entries(p.schema.properties ?? {}).filter(([k, s]) => !isStepList(resolve(s)) && !p.skip?.includes(k));
  const body = (
    <Stack gap="sm">
      {fields.map(([k, s]) => (
        <SchemaField key={k} schema={s} path={[...p.path, k]} value={obj[k]} label={words(k)} required={req.has(k)} ctx={p.ctx} />
      ))}
    </Stack>
  );
  if (p.open) return body;
  return (
    <details open={p.required || p.value !== undefined} className="bistro-section">
      <summary><Text span fw={600} size="sm">{p.label}</Text>{errorOf(p) && <Text span c="red" size="sm"> — {errorOf(p)}</Text>}</summary>
      {p.schema.description && <Text size="xs" c="dimmed" mb="xs">{p.schema.description}</Text>}
      {body}
    </details>
  );
}

/** A map of names to values (set, headers, vars, ...): a row per entry. */
export function MapField(p: FieldProps & { noun?: string }) {
  const obj = (p.value && typeof p.value === "object" && !Array.isArray(p.value) ? p.value : {}) as Record<string, unknown>;
  const noun = p.noun ?? "field";
  const valueSchema: Schema = typeof p.schema.additionalProperties === "object" ? resolve(p.schema.additionalProperties) : {};
  const mode = valueKind(p.schema, valueSchema);
  const add = () => {
    let n = Object.keys(obj).length + 1;
    while (`${noun}_${n}` in obj) n++;
    p.ctx.set([...p.path, `${noun}_${n}`], "");
  };
  return (
    <Stack gap={6} role="group" aria-label={p.label}>
      <Text size="sm" fw={500}>{p.label}</Text>
      {p.schema.description && <Text size="xs" c="dimmed">{p.schema.description}</Text>}
      {errorOf(p) && <Text size="xs" c="red">{errorOf(p)}</Text>}
      {Object.entries(obj).map(([k, v], i) => (
        <Group key={`${i}`} align="flex-start" wrap="nowrap" gap="xs">
          <KeyInput label={`Name of ${noun} ${i + 1}`} value={k} onCommit={(to) => p.ctx.rename(p.path, k, to)} taken={Object.keys(obj)} />
          <div style={{ flex: 1, minWidth: 0 }}>
            {(typeof v === "string" || v === null) && (mode === "text" || p.ctx.plain) ? (
              <TextInput
                label={`Value of ${k}`} value={v ?? ""} error={errorOf({ path: [...p.path, k], ctx: p.ctx })}
                onChange={(e) => p.ctx.set([...p.path, k], e.currentTarget.value, formatPath([...p.path, k]))}
              />
            ) : typeof v === "string" || v === null ? (
              <ExpressionInput
                label={`Value of ${k}`} value={v ?? ""} mode={mode === "text" ? "template" : mode} suggestions={p.ctx.suggestions}
                error={errorOf({ path: [...p.path, k], ctx: p.ctx })} onChange={(x) => p.ctx.set([...p.path, k], x, formatPath([...p.path, k]))}
              />
            ) : (
              <YamlField schema={{}} path={[...p.path, k]} value={v} label={`Value of ${k}`} ctx={p.ctx} />
            )}
          </div>
          <ActionIcon variant="subtle" color="red" mt={26} aria-label={`Remove ${noun} ${k}`} title={`Remove ${k}`} onClick={() => p.ctx.set([...p.path, k], undefined)}>
            <span aria-hidden>✕</span>
          </ActionIcon>
        </Group>
      ))}
      <Group><Button variant="light" size="compact-sm" onClick={add}>Add a {noun}</Button></Group>
    </Stack>
  );
}

// valueKind says how a map's values are read: from the values' schema,
// else from the map's description; values of any type are templates.
function valueKind(map: Schema, values: Schema): TextKind {
  const v = textKind(values);
  if (v !== "text") return v;
  const m = textKind(map);
  if (m !== "text") return m;
  return values.type === undefined ? "template" : "text";
}

// KeyInput edits a map key; the document changes when the box is left (or
// Enter is pressed), so half-typed names do not become keys.
function KeyInput({ label, value, onCommit, taken }: { label: string; value: string; onCommit: (v: string) => void; taken: string[] }) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  const clash = draft !== value && taken.includes(draft) ? `There is already a ${draft}.` : draft.trim() === "" ? "Give it a name." : undefined;
  const commit = () => {
    if (!clash && draft !== value) onCommit(draft.trim());
  };
  return (
    <TextInput
      label={label} value={draft} error={clash} w={170} styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
      onChange={(e) => setDraft(e.currentTarget.value)} onBlur={commit}
      onKeyDown={(e) => { if (e.key === "Enter") { e.preventDefault(); commit(); } }}
    />
  );
}

/** Any value, written as YAML (or JSON) in a text box; applied when it reads well. */
export function YamlField(p: FieldProps) {
  const shown = p.value === undefined ? "" : stringify(p.value, { lineWidth: 0 }).trimEnd();
  const [draft, setDraft] = useState(shown);
  const [bad, setBad] = useState("");
  useEffect(() => setDraft(shown), [shown]);
  const commit = () => {
    if (draft === shown) return;
    try {
      const v = draft.trim() === "" ? undefined : parse(draft);
      setBad("");
      p.ctx.set(p.path, v);
    } catch (e) {
      setBad(`This is not valid YAML or JSON yet: ${(e as Error).message.split("\n")[0]}`);
    }
  };
  return (
    <Textarea
      label={p.label} description={p.schema.description ? `${p.schema.description} Written as YAML or JSON.` : "Written as YAML or JSON."}
      required={p.required} value={draft} error={bad || errorOf(p)} autosize minRows={2} maxRows={12}
      styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
      onChange={(e) => setDraft(e.currentTarget.value)} onBlur={commit}
    />
  );
}

// SecretField is a password box that starts empty even when a value is
// stored: the stored value never comes back from the server. Left empty,
// the stored value stays; "Clear" removes it when the form is saved.
function SecretField(p: FieldProps) {
  const stored = p.ctx.secrets?.get(formatPath(p.path)) === true;
  const cleared = p.value === null;
  const typed = typeof p.value === "string" ? p.value : "";
  const state = cleared ? "cleared when you save" : stored ? "set — leave empty to keep" : "";
  return (
    <Stack gap={4}>
      <PasswordInput
        label={<>{p.label}{stored && !cleared && <Badge ml={6} size="xs" variant="light" color="green">set</Badge>}</>}
        description={[p.schema.description, stored ? (cleared ? "The stored value is cleared when you save." : "A value is stored: leave this empty to keep it, or type a new one.") : ""].filter(Boolean).join(" ")}
        required={p.required && !stored} value={typed} placeholder={state || undefined} error={errorOf(p)} autoComplete="new-password"
        onChange={(e) => p.ctx.set(p.path, e.currentTarget.value === "" ? (cleared ? null : undefined) : e.currentTarget.value, formatPath(p.path))}
      />
      {stored && (
        <Group gap="xs">
          {cleared ? (
            <Button variant="subtle" size="compact-xs" onClick={() => p.ctx.set(p.path, undefined)}>Keep the stored {p.label.toLowerCase()}</Button>
          ) : (
            <Button variant="subtle" color="red" size="compact-xs" onClick={() => p.ctx.set(p.path, null)}>Clear the stored {p.label.toLowerCase()}</Button>
          )}
        </Group>
      )}
    </Stack>
  );
}

// hint is what an empty box shows: the default, or else an example.
function hint(s: Schema): string | undefined {
  if (s.default !== undefined && s.default !== "") return `${String(s.default)} (the default)`;
  const ex = s.examples?.[0];
  return typeof ex === "string" || typeof ex === "number" ? `e.g. ${ex}` : undefined;
}

// Abbreviations that read better in capitals, and keys written as one word.
const capitals = new Set(["api", "ca", "id", "ip", "jwt", "pem", "smtp", "ssl", "tls", "url", "utc"]);
const joined: Record<string, string> = { sslmode: "ssl mode", helo: "HELO" };

/** A setting's key in words: "max_backoff" → "Max backoff", "base_url" → "Base URL". */
export function words(key: string): string {
  const s = key.split("_").map((w) => joined[w] ?? w).join(" ").split(" ").map((w) => (capitals.has(w) ? w.toUpperCase() : w)).join(" ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

import { useState, type FormEvent } from "react";
import { Anchor, Button, Code, List, PasswordInput, Stack, Text, TextInput } from "@mantine/core";
import { setUp } from "../api/session";
import { ApiError } from "../api/problem";
import { ErrorAlert } from "../components/ErrorAlert";
import { useTitle } from "../router";
import { AuthFrame } from "./AuthFrame";
import { longEnough, minPassword, placeErrors } from "./signin";

/**
 * The first start: the person at the server's own machine creates the first
 * admin and is signed in as them. onRefused asks again whether setup is still
 * needed (someone may have finished it meanwhile).
 */
export function SetupForm({ onRefused }: { onRefused: () => void }) {
  useTitle("Set up Bistro");
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [checks, setChecks] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const c: Record<string, string> = {};
    if (!email.trim()) c.email = "Enter your email address.";
    if (!longEnough(password)) c.password = `The password needs at least ${minPassword} characters.`;
    else if (confirm !== password) c.confirm = "The two passwords are not the same.";
    setChecks(c);
    setError(null);
    if (Object.keys(c).length) return;
    setBusy(true);
    try {
      await setUp({ name, email, password });
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && err.status === 403) onRefused();
    } finally {
      setBusy(false);
    }
  };

  const placed = placeErrors(error, ["name", "email", "password"]);
  const fields = { ...placed.fields, ...checks };
  return (
    <AuthFrame
      title="Set up Bistro" label="Set up Bistro" onSubmit={submit}
      intro="Bistro has no admin yet. Create the first one: the admin may do everything, and adds everyone else."
    >
      <Stack>
        <TextInput label="Your name" autoComplete="name" value={name} autoFocus data-autofocus
          onChange={(e) => setName(e.currentTarget.value)} error={fields.name} />
        <TextInput label="Email" type="email" autoComplete="username" value={email} withAsterisk
          onChange={(e) => setEmail(e.currentTarget.value)} error={fields.email} />
        <PasswordInput label="Password" autoComplete="new-password" value={password} withAsterisk
          description={`At least ${minPassword} characters.`}
          onChange={(e) => setPassword(e.currentTarget.value)} error={fields.password} />
        <PasswordInput label="Confirm the password" autoComplete="new-password" value={confirm} withAsterisk
          onChange={(e) => setConfirm(e.currentTarget.value)} error={fields.confirm} />
        <ErrorAlert error={placed.rest} />
        <Button type="submit" loading={busy}>Create the admin and sign in</Button>
        <Text size="xs" c="dimmed">You sign in with this email and password from now on.</Text>
      </Stack>
    </AuthFrame>
  );
}

/** What a browser elsewhere sees on first start: setup is done on the server's machine. */
export function NotLocal({ checking, onCheck, onToken }: { checking: boolean; onCheck: () => void; onToken: () => void }) {
  useTitle("Set up Bistro");
  return (
    <AuthFrame title="Set up Bistro" label="Setup is needed" intro="Bistro has no admin yet.">
      <Stack>
        <Text size="sm">
          The first admin can only be created on the server's own machine, so that nobody who finds the
          server first can claim it. There, either:
        </Text>
        <List size="sm" spacing={4}>
          <List.Item>open Bistro in a browser on that machine, at <Code>http://127.0.0.1:&lt;port&gt;/</Code>, or</List.Item>
          <List.Item>run <Code>bistro admin create --email you@example.com</Code></List.Item>
        </List>
        <Text size="sm">Then sign in here.</Text>
        <Button variant="default" onClick={onCheck} loading={checking}>Check again</Button>
        <Anchor component="button" type="button" size="xs" onClick={onToken} style={{ alignSelf: "flex-start" }}>Use an API token instead</Anchor>
      </Stack>
    </AuthFrame>
  );
}

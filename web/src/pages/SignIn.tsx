import { useState, type FormEvent } from "react";
import { Anchor, Button, Code, Container, Paper, PasswordInput, Stack, Text, Title } from "@mantine/core";
import { checkToken } from "../api/client";
import { setToken } from "../api/auth";
import { ErrorAlert } from "../components/ErrorAlert";
import { useTitle } from "../router";

/** The sign-in page: the person pastes the admin token. */
export function SignIn({ expired }: { expired?: boolean }) {
  useTitle("Sign in");
  const [token, setValue] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (!token.trim()) {
      setError(new Error("Paste the token first."));
      return;
    }
    setBusy(true);
    try {
      await checkToken(token);
      setToken(token);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Container size={480} py={48}>
      <Title order={1} mb="xs">Bistro</Title>
      <Text c="dimmed" mb="lg">Sign in to see your flows and their runs.</Text>
      <Paper withBorder p="lg" radius="md" component="form" onSubmit={submit} aria-label="Sign in">
        <Stack>
          {expired && !error && <Text size="sm" c="orange">Your sign-in has ended. Paste the token again.</Text>}
          <PasswordInput
            label="Admin token" placeholder="bistro_…" value={token} autoFocus autoComplete="off"
            onChange={(e) => setValue(e.currentTarget.value)} data-autofocus
            description={<>
              <Code>bistro serve</Code> printed it the first time it started, and saved it in the file{" "}
              <Code>bistro-data/admin-token</Code> (in the data folder). Run <Code>cat bistro-data/admin-token</Code> to see it.
            </>}
          />
          <ErrorAlert error={error} />
          <Button type="submit" loading={busy}>Sign in</Button>
          <Text size="xs" c="dimmed">
            The token is kept only in this browser tab and forgotten when you close it.{" "}
            <Anchor href="/api/v1/openapi.json" size="xs">API reference</Anchor>
          </Text>
        </Stack>
      </Paper>
    </Container>
  );
}

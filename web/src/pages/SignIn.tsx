import { useEffect, useRef, useState, type FormEvent } from "react";
import { Alert, Anchor, Button, Code, Divider, PasswordInput, Stack, Text, TextInput } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { setupState, signIn, signInWithToken } from "../api/session";
import { ApiError, sentence } from "../api/problem";
import { ErrorAlert } from "../components/ErrorAlert";
import { Loading } from "../components/bits";
import { useTitle } from "../router";
import { AuthFrame } from "./AuthFrame";
import { NotLocal, SetupForm } from "./Setup";
import { placeErrors, ssoError, withoutSsoError } from "./signin";

/**
 * The page for someone not signed in: on first start the setup of the first
 * admin, then sign-in with email and password (or single sign-on), and an
 * API token for those who have one. note says why the person is here again.
 */
export function SignIn({ note }: { note?: string }) {
  const [withToken, setWithToken] = useState(false);
  const setup = useQuery({ queryKey: ["setup"], queryFn: setupState, gcTime: 0 });
  const sso = useSsoError();
  if (withToken) return <TokenSignIn note={note} onBack={() => setWithToken(false)} />;
  if (setup.isPending) return <Loading what="Bistro" />;
  const s = setup.data;
  if (s?.needed && s.local) return <SetupForm onRefused={() => setup.refetch()} />;
  if (s?.needed) return <NotLocal checking={setup.isFetching} onCheck={() => setup.refetch()} onToken={() => setWithToken(true)} />;
  // When the setup state cannot be read, sign-in is still offered: its own answer will say more.
  return <PasswordSignIn sso={!!s?.sso} note={note} ssoError={sso} problem={setup.error} onToken={() => setWithToken(true)} />;
}

// useSsoError reads the reason single sign-on failed from the address, once,
// and takes it out of the address so that a reload does not show it again.
function useSsoError(): string {
  const [reason] = useState(() => ssoError(location.search));
  useEffect(() => {
    if (ssoError(location.search)) history.replaceState(null, "", withoutSsoError(location.pathname, location.search));
  }, []);
  return reason;
}

function PasswordSignIn({ sso, note, ssoError, problem, onToken }: {
  sso: boolean; note?: string; ssoError: string; problem: unknown; onToken: () => void;
}) {
  useTitle("Sign in");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [missing, setMissing] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const passwordBox = useRef<HTMLInputElement>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const m: Record<string, string> = {};
    if (!email.trim()) m.email = "Enter your email address.";
    if (!password) m.password = "Enter your password.";
    setMissing(m);
    setError(null);
    if (Object.keys(m).length) return;
    setBusy(true);
    try {
      await signIn(email, password);
    } catch (err) {
      // The email stays as typed; the password is typed again.
      setError(err);
      setPassword("");
      passwordBox.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  const placed = placeErrors(error, ["email", "password"]);
  const fields = { ...placed.fields, ...missing };
  const refused = error instanceof ApiError && [401, 403, 429].includes(error.status);
  const quiet = !!error || !!ssoError;
  return (
    <AuthFrame title="Sign in" intro="Sign in to see your flows and their runs." label="Sign in" onSubmit={submit}>
      <Stack>
        {note && !quiet && <Alert color="orange" title="Signed out" role="status">{note}</Alert>}
        {ssoError && !error && <Alert color="red" title="Single sign-on did not work" role="alert">{sentence(ssoError)}</Alert>}
        <ErrorAlert error={problem && !error ? problem : null} />
        <TextInput
          label="Email" type="email" autoComplete="username" value={email} autoFocus data-autofocus
          onChange={(e) => setEmail(e.currentTarget.value)} error={fields.email}
        />
        <PasswordInput
          label="Password" autoComplete="current-password" value={password} ref={passwordBox}
          onChange={(e) => setPassword(e.currentTarget.value)} error={fields.password}
        />
        <ErrorAlert error={placed.rest} title={refused ? "Not signed in" : undefined} />
        <Button type="submit" loading={busy}>Sign in</Button>
        {sso && <>
          <Divider label="or" labelPosition="center" />
          {/* A full page visit: the server sends the browser on to the identity provider. */}
          <Button component="a" href="/auth/sso/start" variant="default">Sign in with SSO</Button>
        </>}
        <Text size="xs" c="dimmed">Forgot your password? An admin can give you a link to choose a new one.</Text>
        <Anchor component="button" type="button" size="xs" onClick={onToken} style={{ alignSelf: "flex-start" }}>Use an API token instead</Anchor>
      </Stack>
    </AuthFrame>
  );
}

function TokenSignIn({ note, onBack }: { note?: string; onBack: () => void }) {
  useTitle("Sign in with a token");
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
      await signInWithToken(token);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const refused = error instanceof ApiError && error.status === 401;
  return (
    <AuthFrame title="Sign in with an API token" intro="For the installation's admin token, or a token made for a script." label="Sign in with a token" onSubmit={submit}>
      <Stack>
        {note && !error && <Alert color="orange" title="Signed out" role="status">{note}</Alert>}
        <PasswordInput
          label="API token" placeholder="bistro_…" value={token} autoFocus autoComplete="off" data-autofocus
          onChange={(e) => setValue(e.currentTarget.value)}
          description={<>
            <Code>bistro serve</Code> saved the admin token in <Code>bistro-data/admin-token</Code> the first
            time it started.
          </>}
        />
        {refused
          ? <Alert color="red" title="That token was not accepted" role="alert">
            <Text size="sm">{sentence(error.problem?.detail || error.message)} Check that you pasted the whole token.</Text>
          </Alert>
          : <ErrorAlert error={error} />}
        <Button type="submit" loading={busy}>Sign in</Button>
        <Text size="xs" c="dimmed">The token is kept only in this browser tab and forgotten when you close it.</Text>
        <Anchor component="button" type="button" size="xs" onClick={onBack} style={{ alignSelf: "flex-start" }}>Sign in with email and password instead</Anchor>
      </Stack>
    </AuthFrame>
  );
}

import { useState, type ReactNode } from "react";
import { ActionIcon, AppShell, Box, Burger, Button, Container, Group, Menu, Text, useComputedColorScheme, useMantineColorScheme } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import type { Me } from "../api/auth";
import { signOut as endSession } from "../api/session";
import { ErrorAlert } from "../components/ErrorAlert";
import { Link, navigate, paths, useLocation } from "../router";
import { NotificationBell } from "./Notifications";

// The pages in the navigation, and the paths that belong to each.
const sections: { label: string; href: string; active: (path: string) => boolean }[] = [
  { label: "Flows", href: paths.home, active: (p) => p === "/" || p.startsWith("/flows") || p === "/new-flow" },
  { label: "Runs", href: paths.runs(), active: (p) => p.startsWith("/runs") || p.startsWith("/dead-letters") },
  { label: "Connections", href: paths.connections, active: (p) => p.startsWith("/connections") || p === "/new-connection" },
  { label: "Audit log", href: paths.audit(), active: (p) => p.startsWith("/audit") },
];

// The platform admins' pages, in a menu of their own: only they see it.
const adminPages: typeof sections = [
  { label: "Connector catalogue", href: paths.catalogue, active: (p) => p.startsWith(paths.catalogue) },
  { label: "Requests", href: paths.requests, active: (p) => p.startsWith(paths.requests) },
  { label: "Reviews", href: paths.reviews(), active: (p) => p.startsWith(paths.reviews()) },
  { label: "Inventory", href: paths.inventory(), active: (p) => p.startsWith(paths.inventory()) },
];

/** Who is signed in, in words: the person's name and email, or the token's name. */
export function who(me: Me): { name: string; detail?: string } {
  if (me.user) return me.user.name ? { name: me.user.name, detail: me.user.email } : { name: me.user.email };
  return { name: me.token_name || "API token", detail: "API token" };
}

/** The frame around every signed-in page: name, navigation (with the admin pages for platform admins), notifications, who is signed in, theme, sign out. On a phone the navigation is a menu. */
export function Shell({ me, children }: { me: Me; children: ReactNode }) {
  const { setColorScheme } = useMantineColorScheme();
  const scheme = useComputedColorScheme("light");
  const { path } = useLocation();
  const [menu, { toggle, close }] = useDisclosure(false);
  const [error, setError] = useState<unknown>(null);
  const [leaving, setLeaving] = useState(false);
  const signOut = async () => {
    setError(null);
    setLeaving(true);
    try {
      await endSession();
    } catch (err) {
      setError(err);
      setLeaving(false);
    }
  };
  const person = who(me);
  return (
    <AppShell header={{ height: 56 }} padding="md">
      <AppShell.Header>
        <Container size="lg" h="100%">
          <Group h="100%" justify="space-between" wrap="nowrap">
            <Group gap="xs" wrap="nowrap">
              <Text component={Link} href={paths.home} fw={800} size="lg" mr="sm" style={{ textDecoration: "none", color: "inherit" }}>Bistro</Text>
              <Group gap="xs" wrap="nowrap" visibleFrom="sm" component="nav" aria-label="Pages">
                {sections.map((s) => {
                  const on = s.active(path);
                  return (
                    <Button key={s.label} component={Link} href={s.href} variant={on ? "light" : "subtle"} size="compact-md" aria-current={on ? "page" : undefined}>
                      {s.label}
                    </Button>
                  );
                })}
                {me.admin && <AdminMenu path={path} />}
              </Group>
            </Group>
            <Group gap="xs" wrap="nowrap">
              <NotificationBell />
              <ActionIcon
                variant="default" size="lg" onClick={() => setColorScheme(scheme === "dark" ? "light" : "dark")}
                aria-label={scheme === "dark" ? "Use the light theme" : "Use the dark theme"}
                title={scheme === "dark" ? "Light theme" : "Dark theme"}
              >
                <span aria-hidden>{scheme === "dark" ? "☀" : "☾"}</span>
              </ActionIcon>
              <Box visibleFrom="md" ta="right" maw={220} aria-label="Signed in as" role="group">
                <Text size="sm" fw={500} lh={1.25} truncate="end">{person.name}</Text>
                {person.detail && <Text size="xs" c="dimmed" lh={1.25} truncate="end">{person.detail}</Text>}
              </Box>
              <Button variant="default" size="compact-md" onClick={signOut} loading={leaving} visibleFrom="sm">Sign out</Button>
              <Menu opened={menu} onChange={(o) => (o ? toggle() : close())} position="bottom-end" width={200}>
                <Menu.Target>
                  <Burger opened={menu} hiddenFrom="sm" aria-label={menu ? "Close the menu" : "Open the menu"} size="sm" />
                </Menu.Target>
                <Menu.Dropdown>
                  {sections.map((s) => (
                    <Menu.Item key={s.label} onClick={() => navigate(s.href)} aria-current={s.active(path) ? "page" : undefined} fw={s.active(path) ? 700 : undefined}>
                      {s.label}
                    </Menu.Item>
                  ))}
                  {me.admin && (
                    <>
                      <Menu.Divider />
                      <Menu.Label>Admin</Menu.Label>
                      {adminPages.map((s) => (
                        <Menu.Item key={s.label} onClick={() => navigate(s.href)} aria-current={s.active(path) ? "page" : undefined} fw={s.active(path) ? 700 : undefined}>
                          {s.label}
                        </Menu.Item>
                      ))}
                    </>
                  )}
                  <Menu.Divider />
                  <Menu.Label>{person.name}{person.detail && <><br />{person.detail}</>}</Menu.Label>
                  <Menu.Item onClick={signOut}>Sign out</Menu.Item>
                </Menu.Dropdown>
              </Menu>
            </Group>
          </Group>
        </Container>
      </AppShell.Header>
      <AppShell.Main>
        <Container size="lg" px={0}>
          {error ? <Box mb="md"><ErrorAlert error={error} title="You are still signed in" onClose={() => setError(null)} /></Box> : null}
          {children}
        </Container>
      </AppShell.Main>
    </AppShell>
  );
}

// AdminMenu opens the platform admins' pages from the navigation.
function AdminMenu({ path }: { path: string }) {
  const on = adminPages.some((s) => s.active(path));
  return (
    <Menu position="bottom-start" width={220}>
      <Menu.Target>
        <Button variant={on ? "light" : "subtle"} size="compact-md" aria-current={on ? "page" : undefined} rightSection={<span aria-hidden>▾</span>}>Admin</Button>
      </Menu.Target>
      <Menu.Dropdown>
        {adminPages.map((s) => (
          <Menu.Item key={s.label} component={Link} href={s.href} aria-current={s.active(path) ? "page" : undefined} fw={s.active(path) ? 700 : undefined}>
            {s.label}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

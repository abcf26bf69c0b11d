import type { ReactNode } from "react";
import { ActionIcon, AppShell, Button, Container, Group, Text, useComputedColorScheme, useMantineColorScheme } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { clearToken } from "../api/auth";
import { Link, paths, useLocation } from "../router";

/** The frame around every signed-in page: name, navigation, theme, sign out. */
export function Shell({ children }: { children: ReactNode }) {
  const { setColorScheme } = useMantineColorScheme();
  const scheme = useComputedColorScheme("light");
  const qc = useQueryClient();
  const { path } = useLocation();
  const nav = (href: string, label: string, active: boolean) => (
    <Button component={Link} href={href} variant={active ? "light" : "subtle"} size="compact-md" aria-current={active ? "page" : undefined}>
      {label}
    </Button>
  );
  const signOut = () => {
    qc.clear();
    clearToken();
  };
  return (
    <AppShell header={{ height: 56 }} padding="md">
      <AppShell.Header>
        <Container size="lg" h="100%">
          <Group h="100%" justify="space-between" wrap="nowrap">
            <Group gap="xs" wrap="nowrap">
              <Text component={Link} href={paths.home} fw={800} size="lg" mr="sm" style={{ textDecoration: "none", color: "inherit" }}>Bistro</Text>
              {nav(paths.home, "Flows", path === "/" || path.startsWith("/flows"))}
              {nav(paths.runs(), "Runs", path.startsWith("/runs"))}
            </Group>
            <Group gap="xs" wrap="nowrap">
              <ActionIcon
                variant="default" size="lg" onClick={() => setColorScheme(scheme === "dark" ? "light" : "dark")}
                aria-label={scheme === "dark" ? "Use the light theme" : "Use the dark theme"}
                title={scheme === "dark" ? "Light theme" : "Dark theme"}
              >
                <span aria-hidden>{scheme === "dark" ? "☀" : "☾"}</span>
              </ActionIcon>
              <Button variant="default" size="compact-md" onClick={signOut}>Sign out</Button>
            </Group>
          </Group>
        </Container>
      </AppShell.Header>
      <AppShell.Main>
        <Container size="lg" px={0}>{children}</Container>
      </AppShell.Main>
    </AppShell>
  );
}

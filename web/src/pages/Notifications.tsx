import { useState } from "react";
import { ActionIcon, Box, Indicator, Menu, ScrollArea, Text } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, must, type Notification } from "../api/client";
import { useNotifications, type Notifications } from "../api/queries";
import { ErrorAlert } from "../components/ErrorAlert";
import { Loading, when } from "../components/bits";
import { navigate, paths } from "../router";

/**
 * Where a notification leads in the app. The server names a few places by
 * what they are about rather than by the app's pages: a request for a
 * connector (to the admins) opens the requests, an answer to one (to the
 * person who asked) the connectors a connection can be made for.
 */
export function notificationHref(link?: string): string {
  if (!link || !link.startsWith("/")) return "";
  if (link.startsWith("/flows/") && !link.slice(7).includes("/")) return paths.flow(decoded(link.slice(7)));
  const path = link.split(/[?#]/)[0];
  if (path === "/admin/connectors") return paths.requests;
  if (path === "/connectors") return paths.newConnection();
  return link;
}

function decoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Newest first, whatever order they came in. */
export function newestFirst(list: Notification[]): Notification[] {
  return [...list].sort((a, b) => b.created_at.localeCompare(a.created_at));
}

/** The bell in the header: how many notifications are unread, and the list of them; opening one marks it read and goes where it leads. */
export function NotificationBell() {
  const list = useNotifications();
  const qc = useQueryClient();
  const [opened, setOpened] = useState(false);
  const read = useMutation({
    mutationFn: async (id: string) => must(await api.POST("/api/v1/notifications/{id}/read", { params: { path: { id } } })),
    // The count goes down at once; the next answer from the server settles it.
    onMutate: (id) => qc.setQueryData<Notifications>(["notifications"], (old) => old && markRead(old, id)),
    onSettled: () => qc.invalidateQueries({ queryKey: ["notifications"] }),
  });
  const unread = list.data?.unread ?? 0;
  const open = (n: Notification) => {
    if (!n.read_at) read.mutate(n.id);
    const href = notificationHref(n.link);
    if (href) navigate(href);
  };
  const toggle = (o: boolean) => {
    setOpened(o);
    if (o) list.refetch();
  };
  return (
    <Menu opened={opened} onChange={toggle} position="bottom-end" width={360} shadow="md">
      <Indicator label={unread > 99 ? "99+" : unread} size={16} offset={4} color="red" disabled={unread === 0} zIndex={2}>
        <Menu.Target>
          <ActionIcon variant="default" size="lg" aria-label={unread ? `Notifications: ${unread} unread` : "Notifications"} title="Notifications">
            <Bell />
          </ActionIcon>
        </Menu.Target>
      </Indicator>
      <Menu.Dropdown maw="calc(100vw - 16px)" aria-label="Notifications">
        <Menu.Label>Notifications</Menu.Label>
        <Items list={list} onOpen={open} />
      </Menu.Dropdown>
    </Menu>
  );
}

function Items({ list, onOpen }: { list: ReturnType<typeof useNotifications>; onOpen: (n: Notification) => void }) {
  if (list.isPending) return <Loading what="notifications" />;
  if (list.isError) return <Box p="xs"><ErrorAlert error={list.error} /></Box>;
  if (list.data.notifications.length === 0) {
    return <Text size="sm" c="dimmed" px="sm" pb="sm">Nothing yet. Answers to your requests and reviews, and changes to your flows, show here.</Text>;
  }
  return (
    <ScrollArea.Autosize mah={420} type="auto">
      {newestFirst(list.data.notifications).map((n) => (
        <Menu.Item key={n.id} onClick={() => onOpen(n)} leftSection={<Dot on={!n.read_at} />} aria-label={`${n.read_at ? "" : "New: "}${n.message}`}>
          <Text size="sm" fw={n.read_at ? 400 : 600} style={{ whiteSpace: "normal" }}>{n.message}</Text>
          <Text size="xs" c="dimmed">{when(n.created_at)}</Text>
        </Menu.Item>
      ))}
    </ScrollArea.Autosize>
  );
}

function markRead(list: Notifications, id: string): Notifications {
  const now = new Date().toISOString();
  const was = list.notifications.find((n) => n.id === id);
  return {
    notifications: list.notifications.map((n) => (n.id === id ? { ...n, read_at: n.read_at ?? now } : n)),
    unread: was && !was.read_at ? Math.max(0, list.unread - 1) : list.unread,
  };
}

// Dot marks an unread notification; read ones keep the space, so the messages line up.
function Dot({ on }: { on: boolean }) {
  return <Box w={8} h={8} style={{ borderRadius: 4, background: on ? "var(--mantine-primary-color-filled)" : "transparent" }} aria-hidden />;
}

function Bell() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden>
      <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
    </svg>
  );
}

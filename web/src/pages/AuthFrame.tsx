import type { FormEvent, ReactNode } from "react";
import { Container, Paper, Text, Title } from "@mantine/core";

/** The frame of the pages shown before anyone is signed in: a heading, a line saying what for, and a card. */
export function AuthFrame({ title, intro, label, onSubmit, children }: {
  title: string;
  intro?: ReactNode;
  /** The card's accessible name; with onSubmit the card is a form. */
  label: string;
  onSubmit?: (e: FormEvent<HTMLFormElement>) => void;
  children: ReactNode;
}) {
  const card = onSubmit
    ? <Paper withBorder shadow="xs" p="lg" radius="md" component="form" onSubmit={onSubmit} aria-label={label} noValidate>{children}</Paper>
    : <Paper withBorder shadow="xs" p="lg" radius="md" component="section" aria-label={label}>{children}</Paper>;
  return (
    <Container size={440} py={48}>
      <Text fw={800} size="lg" mb="lg">Bistro</Text>
      <Title order={1} size="h2" mb={4}>{title}</Title>
      {intro && <Text c="dimmed" mb="lg">{intro}</Text>}
      {card}
    </Container>
  );
}

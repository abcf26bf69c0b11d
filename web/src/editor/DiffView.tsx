import type { ReactNode } from "react";
import { Code, ScrollArea, Stack, Text, VisuallyHidden } from "@mantine/core";
import { diffLines, type DiffLine } from "./diff";
import "./diff.css";

/** How many lines were added and removed, in words ("2 lines added, 1 removed"). */
export function diffSummary(lines: DiffLine[]): string {
  const added = lines.filter((l) => l.kind === "added").length;
  const removed = lines.filter((l) => l.kind === "removed").length;
  if (added === 0 && removed === 0) return "No differences: the two documents are the same.";
  const n = (k: number, word: string) => `${k} line${k === 1 ? "" : "s"} ${word}`;
  if (removed === 0) return n(added, "added") + ".";
  if (added === 0) return n(removed, "removed") + ".";
  return `${n(added, "added")}, ${removed} removed.`;
}

/**
 * Two texts compared line by line: lines only in the first are marked −
 * (red), lines only in the second + (green). Screen readers hear "removed"
 * and "added" instead of the marks.
 */
export function DiffView({ before, after, label, legend, maxHeight = "60vh" }: {
  before: string; after: string; label: string; legend?: ReactNode; maxHeight?: string | number;
}) {
  const lines = diffLines(before, after);
  return (
    <Stack gap="xs">
      {legend && <Text size="sm">{legend}</Text>}
      <Text size="sm" c="dimmed" aria-live="polite">{diffSummary(lines)}</Text>
      <ScrollArea.Autosize mah={maxHeight} type="auto">
        <Code block aria-label={label} style={{ whiteSpace: "pre" }}>
          {lines.map((l, i) => (
            <div key={i} className={l.kind === "added" ? "bistro-diff-added" : l.kind === "removed" ? "bistro-diff-removed" : undefined}>
              <span aria-hidden>{l.kind === "added" ? "+ " : l.kind === "removed" ? "− " : "  "}</span>
              {l.kind !== "same" && <VisuallyHidden>{l.kind}: </VisuallyHidden>}
              {l.text}
            </div>
          ))}
        </Code>
      </ScrollArea.Autosize>
    </Stack>
  );
}

/** One line of a comparison: the same in both, only in the old text, or only in the new. */
export interface DiffLine {
  kind: "same" | "removed" | "added";
  text: string;
}

/**
 * Compares two texts line by line (longest common subsequence), for
 * showing what someone else saved next to one's own changes. Flow
 * documents are short, so the quadratic table is fine; past a few
 * thousand lines each, the texts are shown as all removed then all added.
 */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  if (a.length * b.length > 4_000_000) {
    return [...a.map((text) => ({ kind: "removed" as const, text })), ...b.map((text) => ({ kind: "added" as const, text }))];
  }
  // lcs[i][j] = length of the longest common subsequence of a[i:] and b[j:].
  const lcs: Uint32Array[] = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out: DiffLine[] = [];
  let i = 0, j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ kind: "same", text: a[i] });
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
      out.push({ kind: "removed", text: a[i++] });
    } else {
      out.push({ kind: "added", text: b[j++] });
    }
  }
  while (i < a.length) out.push({ kind: "removed", text: a[i++] });
  while (j < b.length) out.push({ kind: "added", text: b[j++] });
  return out;
}

/** Only the changed lines, as "- old" and "+ new": handy in tests and summaries. */
export function changes(before: string, after: string): string[] {
  return diffLines(before, after)
    .filter((l) => l.kind !== "same")
    .map((l) => (l.kind === "added" ? "+ " : "- ") + l.text);
}

function splitLines(s: string): string[] {
  const lines = s.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

import { Document, isMap, isNode, isPair, isSeq, parseDocument, YAMLMap, YAMLSeq, type Node, type Pair } from "yaml";

// Editing a YAML document without rewriting what the person wrote: the
// change is made on a parsed copy, then the text is printed again piece by
// piece. Every part of a block mapping or list whose value did not change
// keeps its original lines (comments, quotes, flow style, blank lines);
// only what changed is printed afresh. A final check parses the result and
// falls back to printing the whole document if it ever differed.

/** Options for printing changed parts. */
const printOptions = { lineWidth: 0 } as const;

type Coll = YAMLMap | YAMLSeq;

// Where one item of a block collection sits in the original text.
interface Span {
  start: number; // first line (leading comments and blank lines included)
  keyLine: number; // the line where the item itself starts
  end: number; // one past the last line
  col: number; // column of the key (maps) or of the dash (lists)
  dashCol?: number; // for the first key of a map that is a list item: the dash's column
}

class Fallback extends Error {}

/** Applies edit to a parsed copy of text and returns the new text, changing as few lines as it can. */
export function editYaml(text: string, edit: (doc: Document) => void): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(doc.errors[0].message);
  edit(doc);
  const whole = () => ensureNewline(doc.toString(printOptions));
  let out: string;
  try {
    out = reprint(text, parseDocument(text), doc);
  } catch (e) {
    if (e instanceof Fallback) return whole();
    throw e;
  }
  return same(parseDocument(out).toJS(), doc.toJS()) ? out : whole();
}

function ensureNewline(s: string): string {
  return s.endsWith("\n") ? s : s + "\n";
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function reprint(text: string, orig: Document, next: Document): string {
  const root = orig.contents;
  if (!isMap(root) || root.flow || !isMap(next.contents) || next.contents.items.length === 0) throw new Fallback();
  const p = new Printer(text, orig, next);
  const spans = p.spansOf(root);
  if (spans.length === 0) throw new Fallback();
  const head = p.lines.slice(0, spans[0].keyLine);
  const tail = p.lines.slice(spans[spans.length - 1].end);
  const body = p.mergeMap(root, next.contents, spans);
  return ensureNewline([...head, ...body, ...tail].join("\n").replace(/\n+$/, "") + "\n");
}

class Printer {
  readonly lines: string[];
  private readonly lineStarts: number[] = [0];
  // Items of the original's block collections, by the offset (and kind)
  // where their node starts; the parsed copy's unchanged nodes keep it.
  private readonly spans = new Map<string, Span>();
  private readonly nodes = new Map<string, Node | Pair>();

  constructor(private readonly text: string, private readonly orig: Document, private readonly next: Document) {
    this.lines = text.split("\n");
    for (let i = 0; i < text.length; i++) if (text[i] === "\n") this.lineStarts.push(i + 1);
    this.index(orig.contents);
  }

  private line(offset: number): number {
    let lo = 0, hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private col(offset: number): number {
    return offset - this.lineStarts[this.line(offset)];
  }

  // index records every block collection's item spans, recursively.
  private index(n: unknown) {
    if (!isMap(n) && !isSeq(n)) return;
    const items = n.items as unknown[];
    if (!n.flow) this.spansOf(n);
    items.forEach((it) => {
      if (isPair(it)) this.index(it.value);
      else this.index(it);
    });
  }

  /** The spans of a block collection's items in the original text. */
  spansOf(c: Coll): Span[] {
    const out: Span[] = [];
    const items = c.items as unknown[];
    let prevEnd = -1;
    const dashFirst = isMap(c) && this.isListItem(c);
    items.forEach((it, i) => {
      const first = itemStart(it);
      const last = itemEnd(it);
      if (first === undefined || last === undefined) throw new Fallback();
      const keyLine = this.line(first);
      let start = keyLine;
      if (i > 0) {
        while (start - 1 > prevEnd && /^\s*(#.*)?$/.test(this.lines[start - 1])) start--;
      }
      const endLine = this.line(this.lastContent(last)) + 1;
      const span: Span = { start, keyLine, end: endLine, col: this.col(first) };
      if (isSeq(c)) span.col = this.dashCol(first);
      if (dashFirst && i === 0) span.dashCol = this.dashCol(first);
      out.push(span);
      prevEnd = endLine - 1;
      this.spans.set(keyOf(it), span);
      this.nodes.set(keyOf(it), it as Node | Pair);
    });
    for (let i = 0; i < out.length - 1; i++) out[i].end = out[i + 1].start;
    return out;
  }

  // lastContent moves back from an end offset over trailing blanks.
  private lastContent(end: number): number {
    let i = Math.min(end, this.text.length) - 1;
    while (i > 0 && /\s/.test(this.text[i])) i--;
    return Math.max(i, 0);
  }

  private dashCol(offset: number): number {
    const l = this.line(offset);
    const line = this.lines[l];
    for (let c = this.col(offset) - 1; c >= 0; c--) if (line[c] === "-") return c;
    throw new Fallback();
  }

  // isListItem says whether a block map is the value of a "- " item.
  private isListItem(m: YAMLMap): boolean {
    const first = m.items[0];
    if (!first || !isNode(first.key) || !first.key.range) return false;
    const off = first.key.range[0];
    const before = this.lines[this.line(off)].slice(0, this.col(off));
    return /-\s*$/.test(before) && before.trim().length > 0;
  }

  private origOf<T>(it: unknown): { node: T; span: Span } | undefined {
    const k = keyOf(it);
    const node = this.nodes.get(k);
    const span = this.spans.get(k);
    return node && span ? { node: node as T, span } : undefined;
  }

  // slice returns an original item's lines, moved to column col.
  private slice(span: Span, col: number): string[] {
    const out = this.lines.slice(span.start, span.end);
    if (span.dashCol !== undefined) {
      const i = span.keyLine - span.start;
      const l = out[i];
      out[i] = l.slice(0, span.dashCol) + " " + l.slice(span.dashCol + 1);
    }
    return reindent(out, col - span.col);
  }

  /** Lines for the items of a block map, changed as little as possible. */
  mergeMap(o: YAMLMap, n: YAMLMap, spans: Span[]): string[] {
    const col = spans[0].col;
    const out: string[] = [];
    for (const p of n.items) {
      const found = this.origOf<Pair>(p);
      if (!found) {
        out.push(...this.fresh(pairDoc(p), col));
      } else if (same(js(this.orig, found.node.key), js(this.next, p.key)) && same(js(this.orig, found.node.value), js(this.next, p.value))) {
        out.push(...this.slice(found.span, col));
      } else if (o.items.includes(found.node as Pair) && same(js(this.orig, found.node.key), js(this.next, p.key)) && sameBlock(found.node.value, p.value)) {
        out.push(...this.nested(found.span, found.node.value as Coll, p.value as Coll, col));
      } else {
        out.push(...this.fresh(pairDoc(p), col));
      }
    }
    if (this.isListItem(o)) {
      const dash = spans[0].dashCol ?? col - 2;
      const l = (out[0] ?? "").padEnd(dash + 1, " ");
      out[0] = l.slice(0, dash) + "-" + l.slice(dash + 1);
    }
    return out;
  }

  /** Lines for the items of a block list. */
  mergeSeq(o: YAMLSeq, n: YAMLSeq, spans: Span[]): string[] {
    const col = spans[0].col;
    const out: string[] = [];
    for (const it of n.items) {
      const found = this.origOf<Node>(it);
      if (!found) {
        out.push(...this.fresh(itemDoc(it), col));
      } else if (same(js(this.orig, found.node), js(this.next, it))) {
        out.push(...this.slice(found.span, col));
      } else if (o.items.includes(found.node) && sameBlock(found.node, it) && isMap(it)) {
        // A changed item that is a map (a step): its own keys are merged.
        const inner = this.spansOf(found.node as YAMLMap);
        const head = this.lines.slice(found.span.start, inner[0].keyLine);
        out.push(...head, ...this.mergeMap(found.node as YAMLMap, it, inner));
        out.push(...this.lines.slice(inner[inner.length - 1].end, found.span.end));
      } else {
        out.push(...this.fresh(itemDoc(it), col));
      }
    }
    return out;
  }

  // nested prints a pair whose value is a changed block collection: its
  // key line and trailing lines as they were, its items merged.
  private nested(span: Span, o: Coll, n: Coll, col: number): string[] {
    const inner = this.spansOf(o);
    const head = this.lines.slice(span.start, inner[0].keyLine);
    if (span.dashCol !== undefined) {
      const i = span.keyLine - span.start;
      head[i] = head[i].slice(0, span.dashCol) + " " + head[i].slice(span.dashCol + 1);
    }
    const tail = this.lines.slice(inner[inner.length - 1].end, span.end);
    const body = isMap(o) ? this.mergeMap(o, n as YAMLMap, inner) : this.mergeSeq(o as YAMLSeq, n as YAMLSeq, inner);
    return reindent([...head, ...body, ...tail], col - span.col);
  }

  private fresh(d: Document, col: number): string[] {
    const s = d.toString(printOptions).replace(/\n+$/, "");
    return reindent(s.split("\n"), col);
  }
}

function keyOf(it: unknown): string {
  if (isPair(it)) {
    const k = it.key;
    return isNode(k) && k.range ? `pair@${k.range[0]}` : "pair@?";
  }
  const n = it as Node;
  const kind = isMap(n) ? "map" : isSeq(n) ? "seq" : "scalar";
  return n?.range ? `${kind}@${n.range[0]}` : `${kind}@?`;
}

function itemStart(it: unknown): number | undefined {
  if (isPair(it)) return isNode(it.key) ? it.key.range?.[0] : undefined;
  return isNode(it) ? it.range?.[0] : undefined;
}

function itemEnd(it: unknown): number | undefined {
  if (isPair(it)) {
    const v = isNode(it.value) ? it.value : isNode(it.key) ? it.key : undefined;
    return v?.range?.[1];
  }
  return isNode(it) ? it.range?.[1] : undefined;
}

function sameBlock(a: unknown, b: unknown): boolean {
  if (isMap(a) && isMap(b)) return !a.flow && !b.flow && a.items.length > 0 && b.items.length > 0;
  if (isSeq(a) && isSeq(b)) return !a.flow && !b.flow && a.items.length > 0 && b.items.length > 0;
  return false;
}

function js(doc: Document, n: unknown): unknown {
  if (isNode(n)) return n.toJS(doc);
  return n ?? null;
}

function pairDoc(p: Pair): Document {
  const d = new Document();
  const m = new YAMLMap();
  m.items.push(p);
  d.contents = m;
  return d;
}

function itemDoc(it: unknown): Document {
  const d = new Document();
  const s = new YAMLSeq();
  s.items.push(isNode(it) ? it : d.createNode(it));
  d.contents = s;
  return d;
}

// reindent moves lines left or right; blank lines stay blank.
function reindent(lines: string[], by: number): string[] {
  if (by === 0) return lines;
  return lines.map((l) => {
    if (l.trim() === "") return l;
    if (by > 0) return " ".repeat(by) + l;
    const cut = Math.min(-by, l.length - l.trimStart().length);
    return l.slice(cut);
  });
}

import { useEffect, useId, useRef } from "react";
import { Input } from "@mantine/core";
import { Annotation, EditorState } from "@codemirror/state";
import { EditorView, keymap, placeholder as cmPlaceholder } from "@codemirror/view";
import { autocompletion, completionKeymap, type CompletionContext, type CompletionResult } from "@codemirror/autocomplete";
import { history, historyKeymap, standardKeymap } from "@codemirror/commands";
import type { Suggestion } from "./completions";
import type { TextKind } from "./schema";

/** Props of ExpressionInput. */
export interface ExpressionInputProps {
  label: string;
  value: string;
  onChange: (v: string) => void;
  /** expression: bare (record.total > 100); template: text with {{ }} parts. */
  mode: Exclude<TextKind, "text">;
  suggestions: Suggestion[];
  description?: string;
  error?: string;
  required?: boolean;
  placeholder?: string;
}

// Changes that come from outside (undo, reload) are not reported back.
const external = Annotation.define<boolean>();

/**
 * A one-line code box for an expression or a template, with the fields
 * and functions the step can use offered as you type (Ctrl+Space asks).
 * Tab leaves the box as in any form.
 */
export function ExpressionInput(p: ExpressionInputProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const latest = useRef(p);
  latest.current = p;
  const id = useId();
  const labelId = `${id}-label`;
  const descId = `${id}-description`;
  const errId = `${id}-error`;

  useEffect(() => {
    const multiline = p.value.includes("\n");
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: p.value,
        extensions: [
          history(),
          keymap.of([...completionKeymap, ...historyKeymap, ...standardKeymap]),
          autocompletion({ override: [(ctx) => complete(ctx, latest.current)], icons: false, activateOnTyping: true }),
          multiline ? [] : EditorState.transactionFilter.of((tr) => (tr.newDoc.lines > 1 ? [] : tr)),
          EditorView.lineWrapping,
          cmPlaceholder(p.placeholder ?? (p.mode === "template" ? "text or {{ record.field }}" : "e.g. record.field")),
          EditorView.contentAttributes.of({
            "aria-labelledby": labelId,
            "aria-describedby": [p.description ? descId : "", errId].filter(Boolean).join(" "),
            "aria-multiline": multiline ? "true" : "false",
            role: "textbox",
          }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged && !u.transactions.some((t) => t.annotation(external))) latest.current.onChange(u.state.doc.toString());
          }),
          theme,
        ],
      }),
    });
    view.current = v;
    return () => v.destroy();
    // The editor is made once; later props are read through latest.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== p.value) {
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: p.value }, annotations: external.of(true) });
    }
  }, [p.value]);

  useEffect(() => {
    view.current?.contentDOM.setAttribute("aria-invalid", p.error ? "true" : "false");
  }, [p.error]);

  return (
    <Input.Wrapper
      label={p.label} description={p.description} error={p.error} required={p.required}
      labelProps={{ id: labelId, onClick: () => view.current?.focus() }}
      descriptionProps={{ id: descId }} errorProps={{ id: errId }}
    >
      <div ref={host} data-error={p.error ? "true" : undefined} className="bistro-expr" />
    </Input.Wrapper>
  );
}

// complete offers the suggestions that start like the word at the cursor.
// In a template, outside {{ }}, choosing one writes the braces too.
function complete(ctx: CompletionContext, p: ExpressionInputProps): CompletionResult | null {
  const before = ctx.state.sliceDoc(0, ctx.pos);
  const word = ctx.matchBefore(/[A-Za-z_][\w.]*/);
  const afterOpen = /\{\{\s*$/.test(before);
  if (!word && !afterOpen && !ctx.explicit) return null;
  const inside = p.mode === "expression" || insideBraces(before);
  // In a template's open {{, a chosen field also closes it.
  const closing = p.mode === "template" && inside && !/^[^{]*\}\}/.test(ctx.state.sliceDoc(ctx.pos));
  return {
    from: word ? word.from : ctx.pos,
    validFor: /^[\w.]*$/,
    options: p.suggestions.map((s) => ({
      label: s.label,
      info: s.detail,
      type: s.kind === "function" ? "function" : "variable",
      apply: inside ? s.label + (closing && s.kind !== "function" ? " }}" : "") : `{{ ${s.label}${s.kind === "function" ? "" : " }}"}`,
    })),
  };
}

function insideBraces(before: string): boolean {
  return before.lastIndexOf("{{") > before.lastIndexOf("}}");
}

// theme makes the box look like the form's other inputs, in light and dark.
const theme = EditorView.theme({
  "&": {
    border: "1px solid var(--mantine-color-default-border)", borderRadius: "var(--mantine-radius-md)",
    background: "var(--mantine-color-default)", color: "var(--mantine-color-text)", fontSize: "var(--mantine-font-size-sm)",
  },
  "&.cm-focused": { outline: "none", borderColor: "var(--mantine-primary-color-filled)" },
  ".cm-content": { fontFamily: "var(--mantine-font-family-monospace)", padding: "6px 10px", caretColor: "var(--mantine-color-text)" },
  ".cm-placeholder": { color: "var(--mantine-color-placeholder)" },
  ".cm-tooltip": { background: "var(--mantine-color-body)", border: "1px solid var(--mantine-color-default-border)", borderRadius: "6px" },
  ".cm-tooltip-autocomplete ul li[aria-selected]": { background: "var(--mantine-primary-color-light)", color: "var(--mantine-color-text)" },
  ".cm-completionInfo": { maxWidth: "320px", padding: "6px 8px", whiteSpace: "normal", fontSize: "12px" },
  ".cm-completionLabel": { fontFamily: "var(--mantine-font-family-monospace)" },
});

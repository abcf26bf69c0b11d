/**
 * The undo and redo lists of a document's texts. Changes made with the
 * same group one after another (typing in one field) are one step to undo;
 * any other change, or an undo, starts a new step.
 */
export interface History {
  past: string[];
  present: string;
  future: string[];
  group?: string;
}

/** Undo keeps this many steps; older ones are dropped. */
export const historyLimit = 200;

/** A history that starts at text. */
export function start(text: string): History {
  return { past: [], present: text, future: [] };
}

/** Records a change to text; a change that changes nothing is ignored. */
export function record(h: History, text: string, group?: string): History {
  if (text === h.present) return h;
  if (group !== undefined && group === h.group && h.past.length > 0) {
    return { past: h.past, present: text, future: [], group };
  }
  const past = [...h.past, h.present].slice(-historyLimit);
  return { past, present: text, future: [], group };
}

/** Goes back one step; nothing happens at the start. */
export function undo(h: History): History {
  if (h.past.length === 0) return h;
  return { past: h.past.slice(0, -1), present: h.past[h.past.length - 1], future: [h.present, ...h.future] };
}

/** Goes forward one step after an undo. */
export function redo(h: History): History {
  if (h.future.length === 0) return h;
  return { past: [...h.past, h.present], present: h.future[0], future: h.future.slice(1) };
}

/** Whether there is something to undo or redo. */
export function can(h: History): { undo: boolean; redo: boolean } {
  return { undo: h.past.length > 0, redo: h.future.length > 0 };
}

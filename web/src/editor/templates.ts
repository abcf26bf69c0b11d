import { read } from "./document";

// What a new flow starts from: the example flows of the repository (read
// at build time) and two blank ones.

/** A document a new flow can start from. */
export interface Template {
  key: string;
  title: string;
  description: string;
  text: string;
}

const examples = import.meta.glob("../../../examples/*.yaml", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

/** A webhook flow that answers the caller. */
export const blankWebhook = `bistro: 1
name: My webhook flow
description: Runs when another app calls its web address.
trigger:
  webhook:
    method: POST
    mode: sync
    example: { email: ann@example.com, name: Ann Lee }
steps:
  - id: reply
    respond:
      status: 200
      body: { ok: true }
`;

/** A flow run by hand. */
export const blankManual = `bistro: 1
name: My flow
description: Runs when someone presses "Run now".
trigger:
  manual:
    example: { email: ann@example.com, name: Ann Lee }
steps:
  - id: note
    log: "Got {{ record.email }}"
`;

/** The blank templates first, then the examples by title. */
export function templates(): Template[] {
  const out: Template[] = [
    { key: "blank-webhook", title: "Blank: webhook", description: "Starts when another app calls the flow's web address, and answers it.", text: blankWebhook },
    { key: "blank-manual", title: "Blank: manual", description: "Starts when you press “Run now” with a record.", text: blankManual },
  ];
  const ex: Template[] = [];
  for (const [file, text] of Object.entries(examples)) {
    try {
      const d = read(text);
      ex.push({ key: file.split("/").pop() ?? file, title: String(d.name ?? file), description: String(d.description ?? "").trim(), text });
    } catch {
      // An example that does not parse is not offered.
    }
  }
  ex.sort((a, b) => a.title.localeCompare(b.title));
  return [...out, ...ex];
}

// End-to-end test: the real `bistro serve` with a fresh data directory, the
// embedded UI (as committed in internal/webui/dist) and headless Chromium.
// It builds no web assets; it builds the Go binary once.
//
//   npm run e2e            (CHROMIUM=/path/to/chromium to use another browser)
//
// Screenshots of every page go to web/e2e-screenshots/.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const repo = resolve(import.meta.dirname, "../..");
const shots = resolve(import.meta.dirname, "../e2e-screenshots");
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const work = mkdtempSync(join(tmpdir(), "bistro-e2e-"));
const timeout = 15_000;

function fail(msg) {
  throw new Error(msg);
}

async function freePort() {
  return new Promise((ok, ko) => {
    const s = createServer();
    s.once("error", ko);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

// waitFor polls until check() is truthy: the server takes a moment to start.
async function waitFor(what, check, ms = 30_000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch {
      // not yet
    }
    if (Date.now() > end) fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startServer() {
  const bin = join(work, "bistro");
  console.log("e2e: building bistro");
  execFileSync("go", ["build", "-o", bin, "./cmd/bistro"], { cwd: repo, stdio: "inherit" });
  const port = await freePort();
  const data = join(work, "data");
  const log = [];
  const proc = spawn(bin, ["serve", "--data", data, "--listen", `127.0.0.1:${port}`], { stdio: ["ignore", "pipe", "pipe"] });
  proc.stdout.on("data", (b) => log.push(String(b)));
  proc.stderr.on("data", (b) => log.push(String(b)));
  const base = `http://127.0.0.1:${port}`;
  await waitFor("the server", async () => (await fetch(`${base}/readyz`)).ok);
  const token = readFileSync(join(data, "admin-token"), "utf8").trim();
  return { proc, base, token, log };
}

// branchy draws every kind of side path: if, switch, for_each and on_error.
const branchy = `bistro: 1
name: Sort orders
trigger: { manual: { example: { total: 120, lines: [{ sku: a }] } } }
steps:
  - id: big
    title: Is it a big order?
    if:
      condition: record.total > 100
      then: [{ id: flag, title: Flag it, set: { big: true } }]
  - id: route
    switch:
      cases:
        - { when: "record.total > 1000", steps: [{ id: vip, log: "vip order" }] }
      default: [{ id: normal, set: { vip: false } }]
  - id: lines
    for_each: { items: record.lines, steps: [{ id: line_total, set: { seen: true } }] }
  - id: note
    log: "done"
    on_error: { steps: [{ id: tell, log: "could not note" }] }
`;

async function applyFlow(base, token, file, document = readFileSync(join(repo, "examples", file), "utf8")) {
  const res = await fetch(`${base}/api/v1/flows`, {
    method: "PUT",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ document, file }),
  });
  if (!res.ok) fail(`applying ${file}: ${res.status} ${await res.text()}`);
  return (await res.json()).flow;
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function scenario(page, base, token, flow, branched) {
  const t = (s) => page.getByText(s, { exact: false });

  // Sign in: a wrong token is refused in plain words, the right one works.
  await page.goto(base + "/");
  const box = page.getByLabel("Admin token");
  await box.waitFor({ timeout });
  await shot(page, "01-sign-in");
  await box.pressSequentially("bistro_wrong");
  await page.keyboard.press("Enter");
  await page.getByRole("alert").getByText("That token was not accepted").waitFor({ timeout });
  await shot(page, "02-sign-in-wrong-token");
  await box.fill("");
  await box.pressSequentially(token);
  await page.getByRole("button", { name: "Sign in" }).click();

  // Home: the applied flow is listed.
  const link = page.getByRole("link", { name: flow.name, exact: true });
  await link.waitFor({ timeout });
  await t("No runs yet").first().waitFor({ timeout });
  await shot(page, "03-home");

  // Flow page: diagram, webhook address, and Run now with a JSON input.
  await link.click();
  await page.getByRole("heading", { name: flow.name }).waitFor({ timeout });
  await page.locator(".react-flow__node").first().waitFor({ timeout });
  const nodes = await page.locator(".react-flow__node").count();
  if (nodes !== 5) fail(`the diagram shows ${nodes} boxes, want 5 (trigger and 4 steps)`);
  const hook = await page.getByLabel("Webhook address").inputValue();
  if (!hook.startsWith(base + "/hooks/")) fail(`webhook address is ${hook}`);
  await shot(page, "04-flow");
  const input = page.getByLabel("Input");
  await input.fill("{ not json");
  await page.getByRole("button", { name: "Run now" }).click();
  await t("This is not valid JSON").waitFor({ timeout });
  await input.fill(JSON.stringify({ email: "  Ann@Example.COM ", name: " ann lee " }));
  await page.getByRole("button", { name: "Run now" }).click();

  // Run page: it succeeded and shows the cleaned output record.
  await page.waitForURL(/\/runs\/[^/]+$/, { timeout });
  await page.getByText("Succeeded").first().waitFor({ timeout });
  const output = page.getByRole("table", { name: "Output records" });
  await output.getByText("ann@example.com").waitFor({ timeout });
  await output.getByText("Ann Lee").waitFor({ timeout });
  await shot(page, "05-run");

  // A step opens to show the records that reached it and that it passed on.
  await page.getByRole("button", { name: "Show the records of step clean" }).click();
  await page.getByRole("table", { name: "Into clean records" }).getByText("Ann@Example.COM", { exact: false }).waitFor({ timeout });
  await page.getByRole("table", { name: "Out of clean records" }).getByText("ann@example.com").waitFor({ timeout });
  await shot(page, "05b-run-step-records");

  // Runs page: the run is listed under its flow's filter.
  await page.getByRole("link", { name: `Runs of ${flow.name}` }).click();
  await page.getByRole("heading", { name: "Runs" }).waitFor({ timeout });
  await page.getByRole("table", { name: "Runs" }).getByText("Succeeded").waitFor({ timeout });
  await shot(page, "06-runs");

  // Dark theme, then the home page on a phone-sized screen.
  await page.getByRole("button", { name: /Use the dark theme/ }).click();
  await page.getByRole("link", { name: "Flows" }).click();
  await page.getByRole("link", { name: flow.name, exact: true }).waitFor({ timeout });
  await shot(page, "07-home-dark");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole("link", { name: flow.name, exact: true }).click();
  await page.getByRole("heading", { name: flow.name }).waitFor({ timeout });
  await shot(page, "08-flow-phone-dark");

  // A flow with branches, a loop and error handling draws them all.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.getByRole("button", { name: /Use the light theme/ }).click();
  await page.goto(base + "/flows/" + encodeURIComponent(branched.name));
  await page.locator(".react-flow__edge-text").first().waitFor({ timeout });
  const labels = await page.locator(".react-flow__edge-text").allTextContents();
  for (const want of ["yes", "no", "otherwise", "for each item", "on error"]) {
    if (!labels.includes(want)) fail(`edge labels ${JSON.stringify(labels)} lack "${want}"`);
  }
  await shot(page, "09-flow-branches");

  await editor(page, base, token);

  // Sign out returns to the sign-in page.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("Admin token").waitFor({ timeout });
}

// editor makes a flow in the browser with clicks and typing only, saves
// it, reads it as YAML, then meets a save by someone else.
async function editor(page, base, token) {
  const t = (s) => page.getByText(s, { exact: false });
  const name = "Greet a lead";
  await page.getByRole("link", { name: "Flows", exact: true }).click();
  await page.getByRole("link", { name: "New flow" }).click();
  await page.getByRole("button", { name: /Blank: webhook/ }).click();
  await page.locator(".react-flow__node").first().waitFor({ timeout });
  const nameBox = page.getByLabel("Flow name");
  await nameBox.click();
  await page.keyboard.press("ControlOrMeta+A");
  await nameBox.pressSequentially(name);

  // Add a set step from the catalogue and fill its field; the value is
  // completed from the trigger's example.
  await page.getByRole("button", { name: "Add a step" }).click();
  await page.getByLabel("Search steps").pressSequentially("set fields");
  await page.getByRole("button", { name: "Add Set fields" }).click();
  const field = page.getByLabel("Name of field 1");
  await field.click();
  await page.keyboard.press("ControlOrMeta+A");
  await field.pressSequentially("greeting");
  await page.keyboard.press("Tab");
  const value = page.getByLabel("Value of greeting");
  await value.click();
  await value.pressSequentially("Hello {{ rec");
  await page.getByRole("option", { name: /record\.email/ }).waitFor({ timeout });
  // Half a template is a problem, shown on the step in plain words.
  await page.getByRole("status").getByText("is never closed").waitFor({ timeout });
  await shot(page, "10-editor-completion");
  await page.keyboard.press("Enter");
  await waitFor("the completed value", async () => (await value.textContent()) === "Hello {{ record.email }}", timeout);
  await t("No problems").waitFor({ timeout });

  // Undo takes the typing back as one step; redo brings it again.
  await page.getByRole("button", { name: "Undo" }).click();
  await waitFor("undo", async () => !(await value.textContent()).includes("Hello"), timeout);
  await page.getByRole("button", { name: "Redo" }).click();
  await waitFor("redo", async () => (await value.textContent()) === "Hello {{ record.email }}", timeout);
  await shot(page, "11-editor-set-step");

  await page.getByRole("button", { name: "Save" }).click();
  await t("Saved as version 1").waitFor({ timeout });
  await page.getByText("YAML", { exact: true }).click();
  const yaml = await page.getByLabel("The flow document (YAML)").inputValue();
  if (!yaml.includes(`name: ${name}`) || !yaml.includes('greeting: "Hello {{ record.email }}"')) fail(`the YAML view shows:\n${yaml}`);
  await shot(page, "12-editor-yaml");

  // The new flow is listed.
  await page.getByRole("link", { name: "Flows", exact: true }).click();
  await page.getByRole("link", { name, exact: true }).click();
  await page.getByRole("heading", { name }).waitFor({ timeout });

  // Someone else saves while the flow is open: the second save is refused.
  await page.getByRole("link", { name: "Edit flow" }).click();
  await page.getByRole("button", { name: /^Set fields, set/ }).click();
  const saved = await (await fetch(`${base}/api/v1/flows/${encodeURIComponent(name)}`, { headers: { Authorization: `Bearer ${token}` } })).json();
  await applyFlow(base, token, "greet.yaml", saved.document.replace("steps:", "# Bo was here\nsteps:"));
  const again = page.getByLabel("Value of greeting");
  await again.click();
  await page.keyboard.press("End");
  await again.pressSequentially("!");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("alert").getByText(/Changed by someone else at .+ — reload or compare/).waitFor({ timeout });
  await shot(page, "13-editor-conflict");
  await page.getByRole("button", { name: "Compare" }).click();
  await page.getByLabel("Differences").getByText("# Bo was here").waitFor({ timeout });
  await page.getByRole("button", { name: "Take version 2" }).click();
  await page.getByText("YAML", { exact: true }).click();
  const theirs = await page.getByLabel("The flow document (YAML)").inputValue();
  if (!theirs.includes("# Bo was here") || theirs.includes("record.email }}!")) fail(`after reloading, the document is:\n${theirs}`);

  // The editor in the dark theme.
  await page.getByText("Canvas", { exact: true }).click();
  await page.getByRole("button", { name: /Use the dark theme/ }).click();
  await shot(page, "14-editor-dark");
  await page.getByRole("button", { name: /Use the light theme/ }).click();
}

async function main() {
  if (!existsSync(browserPath)) fail(`no Chromium at ${browserPath}; install it (apt-get install chromium) or set CHROMIUM`);
  rmSync(shots, { recursive: true, force: true });
  mkdirSync(shots, { recursive: true });
  const server = await startServer();
  let ctx;
  try {
    const flow = await applyFlow(server.base, server.token, "lead-cleanup.yaml");
    const branched = await applyFlow(server.base, server.token, "sort-orders.yaml", branchy);
    ctx = await chromium.launchPersistentContext(join(work, "profile"), {
      executablePath: browserPath,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"],
    });
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    try {
      await scenario(page, server.base, server.token, flow, branched);
    } catch (e) {
      await shot(page, "99-failure").catch(() => {});
      throw e;
    }
    if (errors.length) fail(`the page threw: ${errors.join("\n")}`);
    console.log(`e2e: ok (screenshots in ${shots})`);
  } catch (e) {
    console.error(server.log.join("").split("\n").slice(-30).join("\n"));
    throw e;
  } finally {
    await ctx?.close().catch(() => {});
    server.proc.kill("SIGTERM");
    await new Promise((r) => (server.proc.exitCode !== null ? r() : server.proc.once("exit", r)));
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error("e2e: FAILED:", e.message ?? e);
  process.exit(1);
});

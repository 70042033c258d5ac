import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { chromium, type Browser, type Locator, type Page, type Response } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { pgInput } from "../support/fixtures";
import { startGateway, type TestGateway } from "../support/gateway";
import { expectNoSecretLeak } from "../support/secrets";
import { graphqlTransport } from "../support/transports";

/**
 * GraphiQL in a real headless Chromium (Debian's package): the page a person opens, the header editor they type the
 * token into, the button they click, the result they read. The page may load nothing from, nor even try, another host:
 * the gateway must work offline and behind a strict network policy.
 */
const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = path.resolve(__dirname, "../artifacts");
const TITLE = "GraphiQL in a headless browser";
const LABEL = "browser-visible warehouse";
/** Long enough for a loaded CI machine; a page that is broken fails well inside the test's own timeout. */
const SOON = { timeout: 10_000 };

/** Like requireService: skipped with the reason printed, except under REQUIRE_SERVICES=1 (CI), where it fails. */
function haveChromium(): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  if (process.env.REQUIRE_SERVICES === "1") {
    throw new Error(`REQUIRE_SERVICES=1 but ${CHROMIUM} is missing: the GraphiQL browser test cannot run (apt-get install chromium)`);
  }
  console.warn(`skipping the GraphiQL browser test: ${CHROMIUM} is missing (apt-get install chromium)`);
  return false;
}

/**
 * The browser's proxy, standing in for every outside host. Page requests never get here (the route stops them first);
 * what does is Chromium's own traffic, which the launch flags do not fully silence (in Chromium 156: the component
 * updater, accounts.google.com/ListAccounts, autofill field predictions). Sunk here, it never leaves the machine, not
 * even as a DNS lookup, and it is reported rather than failed on: it is the browser's, not the page's, and changes
 * with every Chromium update. Loopback bypasses a proxy by default, so the gateway is reached directly.
 */
async function startProxyTrap(): Promise<{ port: number; attempts: string[]; close(): Promise<void> }> {
  const attempts: string[] = [];
  const server = net.createServer((socket) => {
    socket.once("data", (chunk) => {
      attempts.push(chunk.toString("latin1").split("\r\n")[0]);
      socket.destroy();
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    attempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What a person sees in a Monaco editor: its rendered lines (Monaco draws spaces as no-break spaces). */
async function editorText(editor: Locator): Promise<string> {
  return (await editor.locator(".view-lines").innerText()).replace(/\u00a0/g, " ");
}

async function typeInto(page: Page, editor: Locator, text: string): Promise<void> {
  await editor.click();
  // Typed over a selection, Monaco keeps the brackets and quotes it auto-closes; a person clears the editor first.
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("Backspace");
  // Monaco types over the closers it inserted only once it has caught up; keys sent back to back leave stray ones.
  await page.keyboard.type(text, { delay: 25 });
  await expect.poll(() => editorText(editor), SOON).toBe(text);
}

const available = haveChromium();

(available ? describe : describe.skip)(available ? TITLE : `${TITLE} (skipped: ${CHROMIUM} is missing)`, () => {
  let gw: TestGateway;
  let browser: Browser;
  let page: Page;
  let trap: Awaited<ReturnType<typeof startProxyTrap>>;
  let origin = "";
  let connectionId = "";
  const requested: string[] = [];
  const blocked: string[] = [];
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];

  const resultPane = () => page.locator("section.result-window");
  const headerEditor = () => page.locator(".graphiql-editor-tool .graphiql-editor").filter({ visible: true });
  const operationEditor = () => page.locator(".graphiql-query-editor .graphiql-editor");

  /** Clicks the run button and returns the gateway's answer to the request it caused. */
  async function run(operation: string): Promise<Response> {
    const answered = page.waitForResponse((r) => r.url() === `${origin}/graphql` && r.request().method() === "POST" && (r.request().postData() ?? "").includes(operation), SOON);
    await page.getByRole("button", { name: /^Execute query/ }).click();
    const response = await answered;
    gw.captured.push(await response.text());
    return response;
  }

  beforeAll(async () => {
    gw = await startGateway("pglite");
    origin = new URL(gw.url).origin;
    const created = await graphqlTransport(gw).create(gw.a.admin, pgInput(LABEL));
    if (!created.ok) throw new Error(created.message);
    connectionId = created.data.id;

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    // A screenshot left by an earlier failure would pass for this run's.
    fs.rmSync(path.join(ARTIFACTS, "graphiql-failed.png"), { force: true });
    trap = await startProxyTrap();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--proxy-server=http://127.0.0.1:${trap.port}`,
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.route("**/*", (route) => {
      const url = route.request().url();
      requested.push(url);
      if (new URL(url).origin === origin) return route.continue();
      blocked.push(url);
      return route.abort("blockedbyclient");
    });
    page = await context.newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("console", (m) => void (m.type() === "error" && consoleErrors.push(m.text())));
    page.on("requestfailed", (r) => pageErrors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(async () => void (await page?.screenshot({ path: path.join(ARTIFACTS, "graphiql-failed.png") })));
  });

  afterAll(async () => {
    await browser?.close();
    await trap?.close();
    if (!gw) return;
    await gw.stop();
    expectNoSecretLeak(gw.captured);
    expect(gw.logs.join("\n")).not.toContain(gw.a.admin);
  });

  it("loads from the gateway alone, without errors, and fetches the schema", async () => {
    const introspected = page.waitForResponse((r) => (r.request().postData() ?? "").includes("IntrospectionQuery"), SOON);
    const loaded = await page.goto(`${gw.url}/graphql`, { waitUntil: "load" });
    expect(loaded?.status()).toBe(200);
    expect(await page.title()).toBe("Connections gateway");
    // The schema is public (it is committed as schema.graphql): the placeholder header does not stop introspection.
    expect((await introspected).status()).toBe(200);
    await page.getByRole("button", { name: /^Execute query/ }).waitFor();
    expect(await editorText(operationEditor())).toContain("query ConnectionTypes {");
    expect(await editorText(headerEditor())).toContain('"Authorization": "paste your API token here"');
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it("with the placeholder still in the header editor, the first query shows UNAUTHENTICATED", async () => {
    const response = await run("ConnectionTypes");
    expect(response.status()).toBe(401);
    expect(response.request().headers().authorization).toBe("paste your API token here");
    await expect.poll(() => editorText(resultPane()), SOON).toContain('"code": "UNAUTHENTICATED"');
    // The one console error that belongs: Chromium's own line for the 401.
    await expect.poll(() => consoleErrors, SOON).toEqual([expect.stringMatching(/status of 401/)]);
    consoleErrors.length = 0;
  });

  it("with the token typed into the header editor, the first query lists the connection types", async () => {
    await page.locator('.graphiql-editor-tools button[data-name="headers"]').click();
    await typeInto(page, headerEditor(), `{"Authorization": "Bearer ${gw.a.admin}"}`);
    const response = await run("ConnectionTypes");
    expect(response.status()).toBe(200);
    expect(response.request().headers().authorization).toBe(`Bearer ${gw.a.admin}`);
    const first = (await response.json()).data.connectionConfigs[0];
    await expect.poll(() => editorText(resultPane()), SOON).toContain('"connectionConfigs": [');
    expect(await editorText(resultPane())).toContain(`"slug": "${first.slug}"`);
  });

  it("a query typed into the editor lists the connection created through the API", async () => {
    await typeInto(page, operationEditor(), "query MyConnections { connections { id label connectionConfigSlug } }");
    // GraphiQL reads the operation name from the editor a moment after the last key (the tab title shows it); run before
    // that and it asks for the previous operation ("Cannot infer operation ConnectionTypes"), as a quick person would see.
    await expect.poll(() => page.locator(".graphiql-tab-active").innerText(), SOON).toBe("MyConnections");
    const response = await run("MyConnections");
    expect(response.status()).toBe(200);
    expect(await response.json()).toEqual({ data: { connections: [{ id: connectionId, label: LABEL, connectionConfigSlug: "postgres" }] } });
    await expect.poll(() => editorText(resultPane()), SOON).toContain(`"label": "${LABEL}"`);
    const shown = await editorText(resultPane());
    expect(shown).toContain(`"id": "${connectionId}"`);
    expect(shown).not.toContain("errors");
    // One-line editors stay scrolled to their ends; prettified, the screenshot shows the whole query and header.
    await page.getByRole("button", { name: /^Prettify query/ }).click();
    await expect.poll(() => editorText(operationEditor()), SOON).toMatch(/^query MyConnections \{\n/);
    await page.screenshot({ path: path.join(ARTIFACTS, "graphiql.png") });
  });

  it("asked nothing of any other host, and nothing went wrong in the page", () => {
    console.info(
      `GraphiQL in Chromium: ${requested.length} page requests, all to ${origin}; blocked: ${JSON.stringify(blocked)}; ` +
        `the browser's own attempts, sunk at the proxy: ${JSON.stringify(trap.attempts.map((a) => a.replace(/\?.*? /, " ")))}`,
    );
    expect(blocked).toEqual([]);
    expect(requested.every((u) => u.startsWith(`${origin}/graphql`))).toBe(true);
    // A load refused by the content security policy never reaches the route; Chromium reports it as a console error.
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});

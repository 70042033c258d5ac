import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectNoSecretLeak } from "../support/secrets";
import { serve, type Served } from "../support/processes";

/** `npm start` on an empty DATA_DIR with no services: the newcomer's first five minutes. */
describe("first start", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-first-"));
  const env = { DATA_DIR: dataDir, PORT: "0", DEMO_DB_PORT: "0", LOG_LEVEL: "info" };
  const captured: string[] = [];
  let token = "";
  let first: Served | null = null;

  afterAll(async () => {
    await first?.stop("SIGKILL");
    fs.rmSync(dataDir, { recursive: true, force: true });
    expectNoSecretLeak(captured);
  });

  it("prints an admin token once and registers the Chinook demo connection", async () => {
    first = await serve("npm", ["start"], env);
    const match = /Admin API token \(shown once, store it now\): (gwt_[A-Za-z0-9_-]+)/.exec(first.output());
    expect(match).not.toBeNull();
    token = match![1];
    expect(fs.existsSync(path.join(dataDir, "encryption-keys"))).toBe(true);

    const res = await fetch(`${first.url}/v2/connection`, { headers: { authorization: token } });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({ label: "Chinook demo (embedded PostgreSQL)", connection_config_slug: "postgres", config: { host: "127.0.0.1", database: "postgres" } });

    // The newcomer's next step: the demo's tables, and a scan of one.
    const demoId = body.data[0].id;
    const schema = await (await fetch(`${first.url}/v2/connection/${demoId}/schema`, { headers: { authorization: token } })).json();
    expect(schema.data).toContainEqual(expect.objectContaining({ table_name: "album", fully_qualified_name: "public.album", num_columns: 3, error: null, kind: "table" }));
    const scan = await fetch(`${first.url}/v2/connection/${demoId}/scan?limit=2`, {
      method: "POST",
      headers: { authorization: token, "content-type": "application/json" },
      body: JSON.stringify({ query: "SELECT name FROM artist ORDER BY artist_id" }),
    });
    expect((await scan.json()).data).toMatchObject({ rows: [{ name: "AC/DC" }, { name: "Accept" }], row_count: 2, truncated: true });

    // Embeddings are computed by the in-process runner; search answers from them.
    const gql = (query: string, variables: object) =>
      fetch(`${first!.url}/graphql`, { method: "POST", headers: { authorization: token, "content-type": "application/json" }, body: JSON.stringify({ query, variables }) }).then(
        (r) => r.json(),
      );
    let state = "";
    for (let i = 0; i < 100 && state !== "READY"; i++) {
      state = (await gql(`query($id: ID!) { connection(id: $id) { embedding { state } } }`, { id: demoId })).data.connection.embedding.state;
      if (state !== "READY") await new Promise((r) => setTimeout(r, 300));
    }
    expect(state).toBe("READY");
    const found = await gql(`query($id: ID!) { searchSchema(connectionId: $id, text: "music genres", k: 3) { fullyQualifiedName } }`, { id: demoId });
    expect(found.data.searchSchema.map((m: { fullyQualifiedName: string }) => m.fullyQualifiedName)).toContain("public.genre");

    const page = await fetch(`${first.url}/graphql`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("connectionConfigs");
  }, 180_000);

  it("stops cleanly on SIGTERM", async () => {
    const exit = await first!.stop("SIGTERM");
    // npm exits as soon as it is signalled; the gateway under it writes its last lines after: wait for it to close
    // the pipe they share (it exits), or fail after 15 s.
    const stdout = first!.child.stdout!;
    if (!stdout.closed)
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("the gateway under npm did not exit within 15 s of SIGTERM")), 15_000);
        stdout.once("close", () => resolve(clearTimeout(timer)));
      });
    const output = first!.output();
    captured.push(output);
    first = null;
    // npm re-raises the signal its child got; the gateway itself logs an orderly shutdown and no failure.
    expect(exit.code === 0 || exit.signal === "SIGTERM").toBe(true);
    expect(output).toContain('"msg":"shutting down"');
    expect(output).not.toContain("shutdown failed");
  });

  it("on the next start prints no token, keeps the account and does not duplicate the demo", async () => {
    const again = await serve(process.execPath, ["dist/src/cli.js", "serve"], env);
    try {
      expect(again.output()).not.toContain("Admin API token");
      const res = await fetch(`${again.url}/graphql`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ query: "{ connections { id label config } }" }),
      });
      const body = await res.json();
      expect(body.data.connections).toHaveLength(1);
      // The demo database was started again (on whatever port it got); the stored connection still reaches it.
      const scan = await fetch(`${again.url}/v2/connection/${body.data.connections[0].id}/scan?limit=1`, {
        method: "POST",
        headers: { authorization: token, "content-type": "application/json" },
        body: JSON.stringify({ query: "SELECT name FROM artist ORDER BY artist_id" }),
      });
      expect((await scan.json()).data).toMatchObject({ rows: [{ name: "AC/DC" }], row_count: 1 });
    } finally {
      expect(await again.stop()).toEqual({ code: 0, signal: null });
      captured.push(again.output());
    }
  });
});

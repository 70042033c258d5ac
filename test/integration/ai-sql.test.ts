import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATASET_DB, datasetUrl } from "../support/datasets";
import { startGateway, type TestGateway } from "../support/gateway";
import { expectNoSecretLeak } from "../support/secrets";
import { describeWith } from "../support/services";
import { aiStandIn } from "../support/ai-stand-in";
import { pgInput } from "../support/fixtures";

const API_KEY = "sk-test-ai-key-never-logged";
describeWith("postgres", "AI SQL", (pgBase) => {
  let ai: Awaited<ReturnType<typeof aiStandIn>>;
  let gw: TestGateway;
  let chinook = "";
  let chinookOfB = "";
  const pg = new URL(datasetUrl(pgBase));

  beforeAll(async () => {
    ai = await aiStandIn();
    gw = await startGateway("pglite", { ALLOWED_HOSTS: "127.0.0.1/32", AI_URL: ai.url, AI_MODEL: "test-model", AI_API_KEY: API_KEY, AI_TIMEOUT_MS: "1000" });
    const created = await gw.http("POST", "/v2/connection", {
      token: gw.a.admin,
      body: { label: "chinook", connection_config_slug: "postgres", config: { host: pg.hostname, port: Number(pg.port || 5432), database: DATASET_DB, user: "postgres" } },
    });
    chinook = created.body.data.id;
    // The same database for account b: a budget of its own, so the comment test does not spend account a's.
    const other = await gw.http("POST", "/v2/connection", {
      token: gw.b.admin,
      body: { label: "chinook", connection_config_slug: "postgres", config: { host: pg.hostname, port: Number(pg.port || 5432), database: DATASET_DB, user: "postgres" } },
    });
    chinookOfB = other.body.data.id;
    // The tables given to the model come from the schema embeddings: wait for them.
    const deadline = Date.now() + 90_000;
    for (const [id, token] of [
      [chinook, gw.a.admin],
      [chinookOfB, gw.b.admin],
    ]) {
      while ((await gw.http("GET", `/v2/connection/${id}`, { token })).body.data.embedding_status.state !== "READY") {
        if (Date.now() > deadline) throw new Error("embeddings never became READY");
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
    await ai?.close();
    expectNoSecretLeak(gw.captured);
    expect([...gw.captured, ...gw.logs].join("\n")).not.toContain(API_KEY);
  });

  const generate = (text: string, run = false, token = gw.a.reader) =>
    gw.gql(
      `mutation($id: ID!, $t: String!, $r: Boolean) { generateSql(connectionId: $id, text: $t, run: $r) { query tables attempts scan { rowCount rows } } }`,
      { id: chinook, t: text, r: run },
      token,
    );
  const lastPrompt = () => ai.seen.at(-1)!.body.messages;

  it("gives the model the closest tables with their columns, and answers its checked statement", async () => {
    ai.queue.push({ sql: "```sql\nSELECT title FROM public.album ORDER BY album_id LIMIT 3;\n```" });
    const res = await generate("titles of the albums");
    expect(res.body.errors).toBeUndefined();
    const out = res.body.data.generateSql;
    expect(out).toMatchObject({ query: "SELECT title FROM public.album ORDER BY album_id LIMIT 3", attempts: 1, scan: null });
    expect(out.tables).toHaveLength(5);
    expect(out.tables).toContain("public.album");
    const seen = ai.seen.at(-1)!;
    expect(seen.authorization).toBe(`Bearer ${API_KEY}`);
    expect(seen.body.model).toBe("test-model");
    const user = lastPrompt().find((m) => m.role === "user")!.content;
    expect(user).toContain("- public.album");
    expect(user).toContain("  - album_id integer (primary key)");
    expect(user).toContain("  - title character varying(160)");
    expect(user).toMatch(/Question: titles of the albums$/);
    expect(lastPrompt()[0].content).toContain("read-only SQL query for a PostgreSQL database");
  });

  it("gives the model each table's comment and its columns' comments", async () => {
    ai.queue.push({ sql: "SELECT price FROM public.gw_types" });
    const res = await gw.gql(
      `mutation($id: ID!, $t: String!) { generateSql(connectionId: $id, text: $t) { tables } }`,
      { id: chinookOfB, t: "every kind of column, with its price in euros" },
      gw.b.reader,
    );
    expect(res.body.data.generateSql.tables).toContain("public.gw_types");
    const user = lastPrompt().find((m) => m.role === "user")!.content;
    expect(user).toContain("- public.gw_types (Every kind of column)");
    expect(user).toContain("(Price in euros)");
  });

  it("also scans the statement with run, through REST as Lytics' path", async () => {
    ai.queue.push({ sql: "SELECT name FROM public.genre ORDER BY genre_id LIMIT 3" });
    const res = await gw.http("POST", `/v2/ai/sql/${chinook}`, { token: gw.a.reader, body: { text: "music genres", run: true } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({
      query: "SELECT name FROM public.genre ORDER BY genre_id LIMIT 3",
      attempts: 1,
      scan: { row_count: 3, rows: [{ name: "Rock" }, expect.any(Object), expect.any(Object)] },
    });
    ai.queue.push({ sql: "SELECT 1 AS one" });
    const plain = await gw.http("POST", `/v2/ai/sql/${chinook}`, { token: gw.a.reader, body: { text: "one" } });
    expect(plain.body.data.scan).toBeNull();
  });

  it.each([
    ["a write, refused by the gate", "DELETE FROM public.album", "DELETE"],
    ["a missing column, refused by the source's EXPLAIN", "SELECT no_such_column FROM public.album", "no_such_column"],
  ])("sends %s back to the model once, and answers its correction", async (_name, bad, mentioned) => {
    ai.queue.push({ sql: bad }, { sql: "SELECT count(*) AS albums FROM public.album" });
    const res = await generate("how many albums");
    expect(res.body.data.generateSql).toMatchObject({ query: "SELECT count(*) AS albums FROM public.album", attempts: 2 });
    const feedback = lastPrompt().at(-1)!;
    expect(feedback.role).toBe("user");
    expect(feedback.content).toMatch(/^That statement was refused: /);
    expect(feedback.content).toContain(mentioned);
    expect(lastPrompt().at(-2)).toEqual({ role: "assistant", content: bad });
  });

  it("refuses a statement refused twice, by the code clients do not retry", async () => {
    ai.queue.push({ sql: "DROP TABLE public.album" }, { sql: "UPDATE public.album SET title = 'x'" });
    const res = await gw.http("POST", `/v2/ai/sql/${chinook}`, { token: gw.a.reader, body: { text: "drop it" } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ code: "QUERY_ERROR", message: expect.stringContaining("ai: the generated statement was refused twice") });
  });

  it("retries 429 and 5xx answers, honouring Retry-After, and gives up after 3 attempts", async () => {
    const before = ai.seen.length;
    ai.queue.push({ status: 429, headers: { "retry-after": "1" } }, { status: 503 }, { sql: "SELECT 1 AS one" });
    const started = Date.now();
    expect((await generate("anything")).body.data.generateSql.query).toBe("SELECT 1 AS one");
    expect(ai.seen.length - before).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    ai.queue.push({ status: 500 }, { status: 502 }, { status: 500 });
    const down = await gw.http("POST", `/v2/ai/sql/${chinook}`, { token: gw.a.reader, body: { text: "anything" } });
    expect(down.status).toBe(503);
    expect(down.body.errors[0].message).toBe("ai: the AI endpoint answered HTTP 500, after 3 attempts");
  });

  it("gives up on an endpoint that does not answer within AI_TIMEOUT_MS", async () => {
    ai.queue.push({ sql: "SELECT 1", delayMs: 3_000 }, { sql: "SELECT 1", delayMs: 3_000 }, { sql: "SELECT 1", delayMs: 3_000 });
    const res = await gw.http("POST", `/v2/ai/sql/${chinook}`, { token: gw.a.reader, body: { text: "slow" } });
    expect(res.status).toBe(504);
    expect(res.body.errors[0]).toMatchObject({ code: "UPSTREAM_TIMEOUT", message: "ai: the AI endpoint did not answer within 1000 ms (AI_TIMEOUT_MS)" });
  });

  it("refuses bad input by name before asking the model", async () => {
    const before = ai.seen.length;
    for (const [body, message] of [
      [{ text: "  " }, "text: must not be empty"],
      [{ text: "x".repeat(2_001) }, "text: longer than"],
      [{ text: "albums", limit: 5 }, "limit: unknown field"],
      [{}, "text: required"],
    ] as const) {
      const res = await gw.http("POST", `/v2/ai/sql/${chinook}`, { token: gw.a.reader, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.errors[0].message).toContain(message);
    }
    expect(ai.seen.length).toBe(before);
  });

  it("spends the scan budget when it runs the statement, and a budget of its own when it does not", async () => {
    const account = await gw.gateway.core.accounts.create("budget");
    const admin = (await gw.gateway.core.auth.createToken(account.id, "admin")).token;
    const made = await gw.http("POST", "/v2/connection", {
      token: admin,
      body: { label: "budget", connection_config_slug: "postgres", config: { host: pg.hostname, port: Number(pg.port || 5432), database: DATASET_DB, user: "postgres" } },
    });
    const id = made.body.data.id;
    const scan = () => gw.http("POST", `/v2/connection/${id}/scan`, { token: admin, body: { query: "SELECT 1" } });
    for (let i = 0; i < 10; i++) expect((await scan()).status).toBe(200);
    const ask = (run: boolean) => gw.http("POST", `/v2/ai/sql/${id}`, { token: admin, body: { text: "one", run } });
    expect((await ask(true)).status).toBe(429);
    // Embeddings of a new connection may still be coming: 409 says so; either way the budget is not the scan's.
    ai.queue.push({ sql: "SELECT 1 AS one" });
    expect([200, 409]).toContain((await ask(false)).status);
  });
});

describe("AI SQL without an endpoint", () => {
  it("answers 503 naming AI_URL", async () => {
    const gw = await startGateway("pglite");
    try {
      const made = await gw.gql(`mutation($i: CreateConnectionInput!) { createConnection(input: $i) { id } }`, { i: pgInput("no ai") }, gw.a.admin);
      const res = await gw.gql(`mutation($id: ID!) { generateSql(connectionId: $id, text: "albums") { query } }`, { id: made.body.data.createConnection.id }, gw.a.reader);
      expect(res.body.errors[0]).toMatchObject({ extensions: { code: "UPSTREAM_UNAVAILABLE" }, message: expect.stringContaining("AI_URL") });
    } finally {
      await gw.stop();
    }
  });
});

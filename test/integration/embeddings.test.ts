import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createScratchDatabase, randomKeyRing } from "../support/databases";
import { chinookConnection, sourceConfig } from "../support/datasets";
import { startGateway, type TestGateway } from "../support/gateway";
import { runCli, serve, type Served } from "../support/processes";
import { expectNoSecretLeak, PLAIN } from "../support/secrets";
import { describeWith } from "../support/services";
import { BullmqQueue } from "../../src/datasources/queue/bullmq-queue";

const STATUS = `query($id: ID!) { connection(id: $id) { embedding { state progress tableCount model error } } }`;

async function waitForState(gw: TestGateway, id: string, state: string, ms = 60_000, model?: string) {
  const end = Date.now() + ms;
  let last: unknown = null;
  while (Date.now() < end) {
    const res = await gw.gql(STATUS, { id }, gw.a.reader);
    last = res.body.data?.connection?.embedding;
    const e = last as { state?: string; model?: string } | null;
    if (e?.state === state && (model === undefined || e.model === model)) return last as { state: string; tableCount: number; model: string };
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`embedding never reached ${state}; last ${JSON.stringify(last)}`);
}

async function connectChinook(gw: TestGateway, pgBase: string, label: string): Promise<string> {
  const body = chinookConnection(label, "postgres", pgBase);
  const res = await gw.http("POST", "/v2/connection", { token: gw.a.admin, body: { ...body, config: { ...body.config, password: PLAIN.password } } });
  expect(res.body.data.embedding_status.state).toBe("PENDING");
  return res.body.data.id;
}

describeWith("postgres", "schema embeddings in embedded mode (in-process runner)", (pgBase) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway("pglite", { ALLOWED_HOSTS: "127.0.0.1/32", RECONCILE_INTERVAL_MS: "300" });
  });
  afterAll(async () => {
    await gw.stop();
    expectNoSecretLeak(gw.captured);
  });

  it("removes the vectors of tables that vanished from the source, and embeds new ones, with comments", async () => {
    const scratch = await createScratchDatabase(pgBase);
    const source = new Client({ connectionString: scratch.url });
    await source.connect();
    try {
      await source.query(`CREATE TABLE keep_me (a int); CREATE TABLE drop_me (b int);
        COMMENT ON TABLE keep_me IS 'Pictures of the products'`);
      const res = await gw.http("POST", "/v2/connection", {
        token: gw.a.admin,
        body: { label: "vanishing", connection_config_slug: "postgres", config: sourceConfig(scratch.url) },
      });
      const id = res.body.data.id;
      await waitForState(gw, id, "READY");
      const names = async () =>
        (await gw.gateway.core.store.dataSource.query("SELECT fully_qualified_name AS n FROM schema_embeddings WHERE connection_id = $1 ORDER BY 1", [id])).map(
          (r: { n: string }) => r.n,
        );
      expect(await names()).toEqual(["public.drop_me", "public.keep_me"]);
      // The table comment took part: a question in its words finds the table.
      const hit = await gw.gql(`query($id: ID!) { searchSchema(connectionId: $id, text: "product photos", k: 1) { fullyQualifiedName } }`, { id }, gw.a.reader);
      expect(hit.body.data.searchSchema[0].fullyQualifiedName).toBe("public.keep_me");
      await source.query("DROP TABLE drop_me; CREATE TABLE brand_new (c int); COMMENT ON TABLE brand_new IS 'Invoices sent to customers'");
      await gw.http("POST", `/v2/connection/${id}/schema/refresh`, { token: gw.a.admin });
      const ready = await waitForState(gw, id, "READY");
      expect(ready.tableCount).toBe(2);
      expect(await names()).toEqual(["public.brand_new", "public.keep_me"]);
      // The search index kept from the first question is not used past the re-embedding: the new table is found.
      const again = await gw.gql(
        `query($id: ID!) { searchSchema(connectionId: $id, text: "bills we sent to clients", k: 2) { fullyQualifiedName table { comment } } }`,
        { id },
        gw.a.reader,
      );
      expect(again.body.data.searchSchema.map((m: { fullyQualifiedName: string }) => m.fullyQualifiedName)).toEqual(["public.brand_new", "public.keep_me"]);
      expect(again.body.data.searchSchema[0].table.comment).toBe("Invoices sent to customers");
    } finally {
      await source.end();
      await scratch.drop().catch(() => undefined);
    }
  });

  it("re-embeds a connection whose vectors were made by another model", async () => {
    const id = await connectChinook(gw, pgBase, "model change");
    const ready = await waitForState(gw, id, "READY");
    const db = gw.gateway.core.store.dataSource;
    await db.query("UPDATE connections SET embedding_model = 'older-model' WHERE id = $1", [id]);
    await db.query("UPDATE schema_embeddings SET model = 'older-model' WHERE connection_id = $1", [id]);
    // The reconciler notices the other model, and the job brings the connection back to READY with the current one.
    const again = await waitForState(gw, id, "READY", 60_000, ready.model);
    expect(again.model).toBe(ready.model);
    const models = await db.query("SELECT DISTINCT model FROM schema_embeddings WHERE connection_id = $1", [id]);
    expect(models).toEqual([{ model: ready.model }]);
  });

  it("reaches READY after create, and search ranks tables by meaning", async () => {
    const id = await connectChinook(gw, pgBase, "embedded");
    const ready = await waitForState(gw, id, "READY");
    expect(ready.tableCount).toBeGreaterThanOrEqual(11);
    // Both models name the rows: the local embedder's and the sentence model's (installed by npm install; CI requires it).
    expect(ready.model).toMatch(/^local-lexsem-.*\|minilm-l6-v2-q:[0-9a-f]{12}\|rrf-v1$/);
    const res = await gw.gql(
      `query($id: ID!) { searchSchema(connectionId: $id, text: "which songs are on each album", k: 5) { fullyQualifiedName score table { name columns { name } } } }`,
      { id },
      gw.a.reader,
    );
    const names = res.body.data.searchSchema.map((m: { fullyQualifiedName: string }) => m.fullyQualifiedName);
    expect(names).toHaveLength(5);
    expect(names).toContain("public.track");
    const rest = await gw.http("GET", `/v2/connection/${id}/search?q=${encodeURIComponent("who bought what")}&k=3`, { token: gw.a.reader });
    expect(rest.status).toBe(200);
    expect(rest.body.data).toHaveLength(3);
    expect(rest.body.data[0]).toMatchObject({
      table_name: expect.any(String),
      fully_qualified_name: expect.any(String),
      score: expect.any(Number),
      matched_columns: expect.any(Array),
      matched_words: expect.any(Array),
      columns: expect.any(Array),
    });
  });

  it("says why each table matched: the columns that made it and the question's words it holds", async () => {
    const id = await connectChinook(gw, pgBase, "explained");
    await waitForState(gw, id, "READY");
    const res = await gw.gql(
      `query($id: ID!) { searchSchema(connectionId: $id, text: "how much does one song cost", k: 3) { fullyQualifiedName score matchedColumns matchedWords } }`,
      { id },
      gw.a.reader,
    );
    const [first, ...rest] = res.body.data.searchSchema;
    // No table is named or commented "cost": the meaning of one column (unit_price) finds the track table.
    expect(first).toMatchObject({ fullyQualifiedName: "public.track", matchedColumns: expect.arrayContaining(["unit_price"]) });
    expect(first.score).toBeGreaterThan(0);
    expect(first.score).toBeLessThanOrEqual(1);
    for (const m of rest) expect(m.score).toBeLessThanOrEqual(first.score);
    // An exact word is named as such, and only words the table holds.
    const words = await gw.gql(
      `query($id: ID!) { searchSchema(connectionId: $id, text: "invoice billing country", k: 1) { fullyQualifiedName matchedWords matchedColumns } }`,
      { id },
      gw.a.reader,
    );
    expect(words.body.data.searchSchema[0]).toMatchObject({ fullyQualifiedName: "public.invoice", matchedWords: ["invoice", "billing", "country"] });
    expect(words.body.data.searchSchema[0].matchedColumns).toContain("billing_country");
  });

  it("refreshes on request, re-embedding nothing unchanged", async () => {
    const id = await connectChinook(gw, pgBase, "refresh");
    await waitForState(gw, id, "READY");
    const before: { updated: Date }[] = await gw.gateway.core.store.dataSource.query(
      "SELECT updated FROM schema_embeddings WHERE connection_id = $1 ORDER BY fully_qualified_name",
      [id],
    );
    const res = await gw.http("POST", `/v2/connection/${id}/schema/refresh`, { token: gw.a.admin });
    expect(res.status).toBe(200);
    expect(res.body.data.embedding_status.state).toBe("PENDING");
    await waitForState(gw, id, "READY");
    const after = await gw.gateway.core.store.dataSource.query("SELECT updated FROM schema_embeddings WHERE connection_id = $1 ORDER BY fully_qualified_name", [id]);
    expect(after).toEqual(before);
  });

  it.each([
    ["an empty question", { text: "  ", k: 5 }, "text"],
    ["k of zero", { text: "songs", k: 0 }, "k: must be from 1 to 50"],
    ["a question of stop words only", { text: "which of the", k: 5 }, "text: has no words to search by"],
    ["k over 50", { text: "songs", k: 51 }, "k: must be from 1 to 50"],
  ])("refuses %s", async (_n, args, message) => {
    const id = await connectChinook(gw, pgBase, `bad ${randomBytes(3).toString("hex")}`);
    const res = await gw.gql(`query($id: ID!, $t: String!, $k: Int) { searchSchema(connectionId: $id, text: $t, k: $k) { score } }`, { id, t: args.text, k: args.k }, gw.a.reader);
    expect(res.body.errors[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT" }, message: expect.stringContaining(message) });
  });

  it("refuses refresh to a reader and to another account", async () => {
    const id = await connectChinook(gw, pgBase, "guarded");
    expect((await gw.http("POST", `/v2/connection/${id}/schema/refresh`, { token: gw.a.reader })).status).toBe(403);
    expect((await gw.http("POST", `/v2/connection/${id}/schema/refresh`, { token: gw.b.admin })).status).toBe(404);
    expect((await gw.http("GET", `/v2/connection/${id}/search?q=songs`, { token: gw.b.reader })).status).toBe(404);
  });
});

describeWith("redis", "schema embeddings through BullMQ workers", (redisUrl) => {
  describeWith("postgres", "with a separate worker process", (pgBase) => {
    const prefix = `gwtest${randomBytes(4).toString("hex")}`;
    let gw: TestGateway;
    let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
    const workers: Served[] = [];
    const captured: string[] = [];
    let env: Record<string, string> = {};

    beforeAll(async () => {
      scratch = await createScratchDatabase(pgBase);
      const keys = randomKeyRing();
      env = {
        DATABASE_URL: scratch.url,
        REDIS_URL: redisUrl,
        ENCRYPTION_KEYS: keys,
        QUEUE_PREFIX: prefix,
        ALLOWED_HOSTS: "127.0.0.1/32",
        LOG_LEVEL: "info",
        RECONCILE_INTERVAL_MS: "500",
      };
      gw = await startGateway("postgres", { ...env, DATABASE_URL: scratch.url });
    });
    afterAll(async () => {
      for (const w of workers) {
        await w.stop();
        captured.push(w.output());
      }
      await gw.stop();
      await scratch.drop();
      expectNoSecretLeak([...gw.captured, ...captured]);
    });

    it("a worker that cannot load the sentence model it is configured to use refuses to start, saying why", async () => {
      const r = await runCli(["worker"], { ...env, SEARCH_MODEL_DIR: "/nonexistent/models" }, 60_000);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("worker: SEARCH_SENTENCE_MODEL is on but the sentence model is not available (/nonexistent/models/model.onnx is missing");
    });

    it("a worker process takes the job and the connection reaches READY; a duplicate enqueue collapses", async () => {
      workers.push(await serve(process.execPath, ["dist/src/cli.js", "worker"], env, 60_000, /Worker started/));
      const id = await connectChinook(gw, pgBase, "bullmq");
      await waitForState(gw, id, "READY");
      const rows = await gw.gateway.core.store.dataSource.query("SELECT count(*)::int AS n FROM schema_embeddings WHERE connection_id = $1", [id]);
      expect(rows[0].n).toBeGreaterThanOrEqual(11);
      // Same connection and generation twice: one job (a queue of its own, with no worker, so nothing drains it).
      const queue = new BullmqQueue(redisUrl, `${prefix}dup`, gw.gateway.core.logger);
      try {
        expect(await queue.enqueue({ connectionId: id, generation: 7 })).toBe(true);
        expect(await queue.enqueue({ connectionId: id, generation: 7 })).toBe(true);
        expect(await queue.depth()).toBe(1);
        expect(await queue.enqueue({ connectionId: id, generation: 8 })).toBe(true);
        expect(await queue.depth()).toBe(2);
      } finally {
        await queue.close();
      }
    });

    it("keeps no secret in Redis", async () => {
      const redis = new Redis(redisUrl, { lazyConnect: true });
      await redis.connect();
      try {
        const dump: string[] = [];
        let values = 0;
        // Every key, not only this test's queue: cache entries and rate-limit counters must hold no secret either.
        for await (const batch of redis.scanStream({ match: "*", count: 500 }) as AsyncIterable<string[]>) {
          for (const key of batch) {
            const type = await redis.type(key);
            let value: unknown;
            if (type === "hash") value = await redis.hgetall(key);
            else if (type === "string") value = await redis.get(key);
            else if (type === "list") value = await redis.lrange(key, 0, -1);
            else if (type === "zset") value = await redis.zrange(key, 0, -1);
            else if (type === "set") value = await redis.smembers(key);
            // BullMQ's `…:events` streams carry return values and failure reasons.
            else if (type === "stream") value = await redis.xrange(key, "-", "+");
            else if (type === "none")
              continue; // expired between SCAN and TYPE
            else throw new Error(`key ${key} has type ${type}, which this check cannot read`);
            dump.push(key, JSON.stringify(value));
            values++;
          }
        }
        // This file's own jobs ran on this Redis, so there are values to read, streams among them.
        expect(values).toBeGreaterThan(0);
        expect(dump.some((d) => d.endsWith(":events"))).toBe(true);
        expectNoSecretLeak(dump);
        expect(dump.join("\n")).not.toMatch(/enc:v1:/);
      } finally {
        await redis.quit();
      }
    });
  });
});

describeWith("postgres", "schema search with the sentence model switched off", (pgBase) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway("pglite", { ALLOWED_HOSTS: "127.0.0.1/32", SEARCH_SENTENCE_MODEL: "false" });
  });
  afterAll(async () => {
    await gw.stop();
  });

  it("stores rows under a model name that says so, and ranks with the embedder and BM25, explaining by words", async () => {
    const id = await connectChinook(gw, pgBase, "no sentence model");
    const ready = await waitForState(gw, id, "READY");
    expect(ready.model).toMatch(/\|no-sentence-model\|rrf-v1$/);
    const res = await gw.gql(
      `query($id: ID!) { searchSchema(connectionId: $id, text: "invoice billing country", k: 2) { fullyQualifiedName score matchedColumns matchedWords } }`,
      { id },
      gw.a.reader,
    );
    expect(res.body.data.searchSchema[0]).toMatchObject({ fullyQualifiedName: "public.invoice", matchedWords: ["invoice", "billing", "country"] });
    expect(res.body.data.searchSchema[0].matchedColumns).toContain("billing_country");
    expect(res.body.data.searchSchema[0].score).toBeLessThanOrEqual(1);
  });

  it("says so when the connection was embedded by a process with other settings, instead of answering nothing", async () => {
    const id = await connectChinook(gw, pgBase, "other settings");
    await waitForState(gw, id, "READY");
    // As if a worker with the sentence model had embedded it (this gateway has it off; its reconciler runs every 30 s).
    await gw.gateway.core.store.dataSource.query("UPDATE connections SET embedding_model = 'local-lexsem-v1|minilm-l6-v2-q:0123456789ab|rrf-v1' WHERE id = $1", [id]);
    const res = await gw.gql(`query($id: ID!) { searchSchema(connectionId: $id, text: "songs", k: 2) { fullyQualifiedName } }`, { id }, gw.a.reader);
    expect(res.body.errors[0]).toMatchObject({ extensions: { code: "UPSTREAM_UNAVAILABLE" }, message: expect.stringContaining("SEARCH_SENTENCE_MODEL") });
    expect(res.body.errors[0].message).toContain("minilm-l6-v2-q:0123456789ab");
    const rest = await gw.http("GET", `/v2/connection/${id}/search?q=songs`, { token: gw.a.reader });
    expect(rest.status).toBe(503);
  });
});

describeWith("postgres", "schema search where the sentence model is on but missing", (pgBase) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway("pglite", { ALLOWED_HOSTS: "127.0.0.1/32", SEARCH_MODEL_DIR: "/nonexistent/models" });
  });
  afterAll(async () => {
    await gw.stop();
  });

  it("searches without it, and leaves what a process with the model embedded alone (no re-embedding back and forth)", async () => {
    const id = await connectChinook(gw, pgBase, "missing model");
    const ready = await waitForState(gw, id, "READY");
    expect(ready.model).toMatch(/\|no-sentence-model\|rrf-v1$/);
    const res = await gw.gql(`query($id: ID!) { searchSchema(connectionId: $id, text: "invoice billing country", k: 1) { fullyQualifiedName } }`, { id }, gw.a.reader);
    expect(res.body.data.searchSchema[0].fullyQualifiedName).toBe("public.invoice");
    // As if a worker with the model had embedded it: this process's reconciler must not mark it for redoing.
    const db = gw.gateway.core.store.dataSource;
    await db.query("UPDATE connections SET embedding_model = 'local-lexsem-v1|minilm-l6-v2-q:0123456789ab|rrf-v1' WHERE id = $1", [id]);
    expect(await gw.gateway.core.embeddings.reconcile()).toBe(0);
    const [row] = await db.query("SELECT embedding_state AS state, embedding_generation AS generation FROM connections WHERE id = $1", [id]);
    expect(row).toEqual({ state: "READY", generation: 1 });
    const refused = await gw.gql(`query($id: ID!) { searchSchema(connectionId: $id, text: "songs", k: 1) { fullyQualifiedName } }`, { id }, gw.a.reader);
    expect(refused.body.errors[0].extensions.code).toBe("UPSTREAM_UNAVAILABLE");
  });
});

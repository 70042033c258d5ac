import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { Redis } from "ioredis";
import { afterAll, beforeAll, it } from "vitest";
import { createScratchDatabase } from "../support/databases";
import { chinookConnection, sourceConfig } from "../support/datasets";
import { freePort, startRedis, until } from "../support/faults";
import { startGateway, type TestGateway } from "../support/gateway";
import { describeWith } from "../support/services";
import { Tally } from "./tally";

const CLASS = "5 Redis faults";
/** What a request may take while Redis cannot answer: the 500 ms Redis deadline, a source round trip, and slack. */
const BOUND_MS = 2_500;

/**
 * Class 5 of test/security/README.md, against a Redis of this file's own: down from the start, then frozen
 * (SIGSTOP: it accepts connections and never answers). Every path that touches Redis (the schema cache, the scan
 * limiter, the embedding queue, /metrics and /readyz) answers within a bound with its fallback; then a snapshot
 * restored from before a config change must not bring back the old table list.
 */
describeWith("redis", "Redis never hangs a request", () => {
  describeWith("postgres", "on a real source", (pgBase) => {
    let gw: TestGateway;
    let redis: ChildProcess | null = null;
    let port = 0;
    const tally = new Tally();

    beforeAll(async () => {
      port = await freePort();
      gw = await startGateway("pglite", {
        ALLOWED_HOSTS: "127.0.0.1/32",
        REDIS_URL: `redis://127.0.0.1:${port}`,
        QUEUE_PREFIX: `gws${randomBytes(3).toString("hex")}`,
      });
    }, 60_000);

    afterAll(async () => {
      tally.print();
      redis?.kill("SIGCONT");
      await gw?.stop();
      redis?.kill("SIGKILL");
    });

    /** Every path that reaches Redis, each timed: [what, request, what a held answer looks like]. */
    async function everyPath(state: string): Promise<number> {
      const attempts: [string, () => Promise<{ status: number; body: any }>, (r: { status: number; body: any; text?: string }) => boolean][] = [];
      const created = await gw.http("POST", "/v2/connection", { token: gw.a.admin, body: chinookConnection(`redis ${state}`, "postgres", pgBase) });
      const id = created.body.data?.id as string;
      const rest = (method: string, path: string, body?: unknown) => () => gw.http(method, path, { token: gw.a.admin, body });
      attempts.push(
        ["GET /v2/connection", rest("GET", "/v2/connection"), (r) => r.status === 200],
        ["GET one", rest("GET", `/v2/connection/${id}`), (r) => r.status === 200],
        ["PUT", rest("PUT", `/v2/connection/${id}`, { description: "edited" }), (r) => r.status === 200],
        ["GET schema", rest("GET", `/v2/connection/${id}/schema`), (r) => r.status === 200 && r.body.data.length > 5],
        ["GET schema refresh", rest("GET", `/v2/connection/${id}/schema?refresh=true`), (r) => r.status === 200],
        ["GET schema/{table}", rest("GET", `/v2/connection/${id}/schema/public.album`), (r) => r.status === 200],
        ["POST scan", rest("POST", `/v2/connection/${id}/scan`, { query: "SELECT 1 AS one" }), (r) => r.status === 200],
        ["GET search", rest("GET", `/v2/connection/${id}/search?q=albums`), (r) => r.status < 500],
        [
          "GraphQL tables",
          () => gw.gql(`query($id: ID!) { connection(id: $id) { tables { totalCount } } }`, { id }, gw.a.reader),
          (r) => r.body.data?.connection?.tables?.totalCount > 5,
        ],
        [
          "GraphQL scan",
          () => gw.gql(`query($id: ID!) { scan(connectionId: $id, query: "SELECT 1 AS one") { rowCount } }`, { id }, gw.a.reader),
          (r) => r.body.data?.scan?.rowCount === 1,
        ],
        ["GET /metrics", rest("GET", "/metrics"), (r) => r.status === 200 && (r.text ?? "").includes("gateway_embed_queue_depth -1")],
        ["GET /readyz", rest("GET", "/readyz"), (r) => r.status === 503 && /^failing/.test(r.body.checks?.redis ?? "")],
        ["DELETE", rest("DELETE", `/v2/connection/${id}`), (r) => r.status === 200 || r.status === 204],
      );
      tally.record(CLASS, `${state}: POST /v2/connection (${created.status})`, created.status === 201 && created.body.data.embedding_status.state === "PENDING");
      for (const [what, request, held] of attempts) {
        const started = performance.now();
        const res = await request();
        const ms = performance.now() - started;
        tally.record(CLASS, `${state}: ${what} (${res.status}, ${Math.round(ms)} ms)`, ms < BOUND_MS && held(res));
      }
      return attempts.length + 1;
    }

    let made = 0;

    it("answers every path while Redis has never been up", async () => {
      made += await everyPath("never up");
      tally.expectHeld(CLASS, made);
    }, 60_000);

    it("answers every path while Redis is frozen", async () => {
      redis = await startRedis(port);
      await until(async () => (await gw.http("GET", "/readyz")).status === 200, 30_000, "/readyz with Redis up");
      redis.kill("SIGSTOP");
      try {
        made += await everyPath("frozen");
      } finally {
        redis.kill("SIGCONT");
      }
      tally.expectHeld(CLASS, made);
    }, 60_000);

    it("never serves a table list from before a config change, even from a restored snapshot", async () => {
      await until(async () => (await gw.http("GET", "/readyz")).status === 200, 30_000, "/readyz after Redis thawed");
      const first = await createScratchDatabase(pgBase);
      const second = await createScratchDatabase(pgBase);
      const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        for (const [db, table] of [
          [first, "before_table"],
          [second, "after_table"],
        ] as const) {
          const c = new Client({ connectionString: db.url });
          await c.connect();
          await c.query(`CREATE TABLE ${table} (a int)`);
          await c.end();
        }
        const id = (
          await gw.http("POST", "/v2/connection", { token: gw.a.admin, body: { label: "snapshot", connection_config_slug: "postgres", config: sourceConfig(first.url) } })
        ).body.data.id as string;
        const reads: [string, () => Promise<string>][] = [
          ["REST schema", async () => JSON.stringify((await gw.http("GET", `/v2/connection/${id}/schema`, { token: gw.a.reader })).body)],
          ["GraphQL tables", async () => JSON.stringify((await gw.gql(`query($id: ID!) { connection(id: $id) { tables { tables { name } } } }`, { id }, gw.a.reader)).body)],
          [
            "GraphQL table",
            async () => JSON.stringify((await gw.gql(`query($id: ID!) { connection(id: $id) { table(name: "public.before_table") { name } } }`, { id }, gw.a.reader)).body),
          ],
        ];
        for (const [, read] of reads) await read(); // cached for the first config
        await client.connect();
        const keys = await client.keys("gw:schema:*");
        const snapshot = await Promise.all(keys.map(async (k) => [k, await client.dumpBuffer(k)] as const));
        // The connection now points at the second database; then Redis comes back as it was before.
        await gw.http("PUT", `/v2/connection/${id}`, { token: gw.a.admin, body: { config: sourceConfig(second.url) } });
        await client.flushall();
        for (const [k, dump] of snapshot) if (dump) await client.restore(k, 0, dump, "REPLACE");
        for (const [what, read] of reads) {
          const seen = await read();
          const held = what === "GraphQL table" ? seen.includes('"table":null') : seen.includes("after_table") && !seen.includes("before_table");
          tally.record(CLASS, `restored snapshot: ${what}: ${seen.slice(0, 200)}`, keys.length > 0 && held);
        }
        tally.expectHeld(CLASS, made + reads.length);
      } finally {
        client.disconnect();
        await first.drop();
        await second.drop();
      }
    }, 60_000);
  });
});

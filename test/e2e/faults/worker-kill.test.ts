import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createScratchDatabase, randomKeyRing } from "../../support/databases";
import { freePort, startRedis, startWorker, until } from "../../support/faults";
import { startGateway, type TestGateway } from "../../support/gateway";
import type { Served } from "../../support/processes";
import { describeWith } from "../../support/services";
import { sourceConfig } from "../../support/datasets";

const TABLES = 1_500;

const state = async (gw: TestGateway, id: string) =>
  (await gw.gateway.core.store.dataSource.query("SELECT embedding_state AS s, embedding_progress AS p FROM connections WHERE id = $1", [id]))[0] as { s: string; p: number | null };

describeWith("redis", "embedding jobs under faults", () => {
  describeWith("postgres", "with real worker processes", (pgBase) => {
    let source: Awaited<ReturnType<typeof createScratchDatabase>>;
    let store: Awaited<ReturnType<typeof createScratchDatabase>>;
    const procs: (Served | null)[] = [];
    const redises: ChildProcess[] = [];
    let redisPort = 0;
    let env: Record<string, string> = {};
    let gw: TestGateway;

    beforeAll(async () => {
      source = await createScratchDatabase(pgBase);
      const db = new Client({ connectionString: source.url });
      await db.connect();
      // Enough tables that a job runs for a few seconds: time to kill its worker half-way.
      await db.query(
        `DO $$ BEGIN FOR i IN 1..${TABLES} LOOP EXECUTE format('CREATE TABLE t_%s (id int, customer_name text, order_total numeric, created_at timestamptz)', i); END LOOP; END $$`,
      );
      await db.end();
      store = await createScratchDatabase(pgBase);
      redisPort = await freePort();
      redises.push(await startRedis(redisPort));
      env = {
        DATABASE_URL: store.url,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        ENCRYPTION_KEYS: randomKeyRing(),
        QUEUE_PREFIX: `gwf${randomBytes(3).toString("hex")}`,
        ALLOWED_HOSTS: "127.0.0.1/32",
        LOG_LEVEL: "info",
        RECONCILE_INTERVAL_MS: "500",
        WORKER_CONCURRENCY: "1",
      };
      gw = await startGateway("postgres", env);
    }, 180_000);

    afterAll(async () => {
      for (const p of procs) await p?.stop("SIGKILL");
      await gw?.stop();
      for (const r of redises) r.kill("SIGKILL");
      await store?.drop();
      await source?.drop();
    });

    const connectionTo = async (label: string) => {
      const res = await gw.http("POST", "/v2/connection", {
        token: gw.a.admin,
        body: { label, connection_config_slug: "postgres", config: sourceConfig(source.url) },
      });
      return res.body.data.id as string;
    };
    const worker = () => startWorker(env);

    it("finishes a job in another worker after the first is killed mid-job, writing each vector once", async () => {
      const id = await connectionTo("killed mid-job");
      const first = await worker();
      procs.push(first);
      await until(
        async () => {
          const s = await state(gw, id);
          return s.s === "RUNNING" && (s.p ?? 0) > 0;
        },
        60_000,
        "the first worker to be half-way",
      );
      await first.stop("SIGKILL");
      const killedAt = new Date();
      const before = Number((await gw.gateway.core.store.dataSource.query("SELECT count(*) AS n FROM schema_embeddings WHERE connection_id = $1", [id]))[0].n);
      expect(before).toBeGreaterThan(0);
      expect(before).toBeLessThan(TABLES);
      procs.push(await worker());
      await until(async () => (await state(gw, id)).s === "READY", 90_000, "READY after the takeover");
      const rows: { n: string; early: string }[] = await gw.gateway.core.store.dataSource.query(
        "SELECT count(*) AS n, count(*) FILTER (WHERE updated < $2) AS early FROM schema_embeddings WHERE connection_id = $1",
        [id, killedAt],
      );
      expect(Number(rows[0].n)).toBe(TABLES);
      // What the killed worker wrote was kept, not embedded again.
      expect(Number(rows[0].early)).toBe(before);
    }, 180_000);

    it("reaches READY for a connection created while Redis was down, once Redis is back", async () => {
      redises.shift()!.kill("SIGKILL");
      await new Promise((r) => setTimeout(r, 300));
      const id = await connectionTo("created while Redis was down");
      expect((await state(gw, id)).s).toBe("PENDING");
      await new Promise((r) => setTimeout(r, 1_500));
      expect((await state(gw, id)).s).toBe("PENDING");
      redises.push(await startRedis(redisPort));
      await until(async () => (await state(gw, id)).s === "READY", 120_000, "READY after Redis returned");
    }, 180_000);
  });
});

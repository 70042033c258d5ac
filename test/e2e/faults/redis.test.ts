import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createScratchDatabase, randomKeyRing } from "../../support/databases";
import { chinookConnection } from "../../support/datasets";
import { apiClient, freePort, servedGateway, startRedis, startWorker, until } from "../../support/faults";
import type { Served } from "../../support/processes";
import { describeWith } from "../../support/services";

/**
 * Redis goes away under a running gateway and worker (real processes, a Redis of this file's own) and comes
 * back: CRUD and scans go on, the cache fails open, rate limiting falls back per instance and says so, embedding
 * work asked for during the outage is done once Redis returns, and nothing written before or during is lost.
 */
describeWith("redis", "fault: Redis stops during traffic", () => {
  describeWith("postgres", "gateway and worker processes", (pgBase) => {
    let store: Awaited<ReturnType<typeof createScratchDatabase>>;
    let redis: ChildProcess | null = null;
    let redisPort = 0;
    let gateway: Served;
    let worker: Served;
    let api: ReturnType<typeof apiClient>;

    beforeAll(async () => {
      store = await createScratchDatabase(pgBase);
      redisPort = await freePort();
      redis = await startRedis(redisPort);
      const env = {
        DATABASE_URL: store.url,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        ENCRYPTION_KEYS: randomKeyRing(),
        QUEUE_PREFIX: `gwr${randomBytes(3).toString("hex")}`,
        ALLOWED_HOSTS: "127.0.0.1/32",
        RECONCILE_INTERVAL_MS: "500",
        LOG_LEVEL: "info",
      };
      const started = await servedGateway(env);
      gateway = started.served;
      api = apiClient(() => gateway.url, started.token);
      worker = await startWorker(env);
    }, 120_000);

    afterAll(async () => {
      await gateway?.stop("SIGKILL");
      await worker?.stop("SIGKILL");
      redis?.kill("SIGKILL");
      await store?.drop();
    });

    const embedding = async (id: string) => (await api("GET", `/v2/connection/${id}`)).body.data.embedding_status.state as string;
    const scan = (id: string) => api("POST", `/v2/connection/${id}/scan`, { query: "SELECT name FROM genre ORDER BY genre_id" });
    const pgSource = (label: string) => chinookConnection(label, "postgres", pgBase);

    it("keeps serving through the outage and recovers every piece of work when Redis returns", async () => {
      const before = (await api("POST", "/v2/connection", pgSource("made before the outage"))).body.data.id as string;
      await until(async () => (await embedding(before)) === "READY", 60_000, "the first connection's embeddings");
      const tables = (await api("GET", `/v2/connection/${before}/schema`)).body.data;
      expect(tables.length).toBeGreaterThan(5);

      redis!.kill("SIGKILL");
      redis = null;
      await until(async () => (await api("GET", "/readyz")).status === 503, 10_000, "/readyz to report Redis");
      expect((await api("GET", "/readyz")).body.checks.redis).toMatch(/^failing/);

      // CRUD goes on: a new connection, a relabel, a list, a delete.
      const during = await api("POST", "/v2/connection", pgSource("made during the outage"));
      expect(during.status).toBe(201);
      const duringId = during.body.data.id as string;
      expect(during.body.data.embedding_status.state).toBe("PENDING");
      expect((await api("PUT", `/v2/connection/${before}`, { label: "relabelled during the outage" })).status).toBe(200);
      const doomed = (await api("POST", "/v2/connection", pgSource("deleted during the outage"))).body.data.id as string;
      expect((await api("DELETE", `/v2/connection/${doomed}`)).status).toBe(200);
      const listed = (await api("GET", "/v2/connection")).body.data.map((c: { id: string }) => c.id);
      expect(listed).toEqual(expect.arrayContaining([before, duringId]));
      expect(listed).not.toContain(doomed);

      // The schema cache fails open: the listing comes from the source, the same as before.
      const uncached = await api("GET", `/v2/connection/${before}/schema`);
      expect(uncached.status).toBe(200);
      expect(uncached.body.data).toEqual(tables);

      // Scans go on under the per-instance limiter, with the same budget, and the log says so.
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await scan(duringId)).status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(10);
      expect(statuses.filter((s) => s === 429)).toHaveLength(2);
      expect(gateway.output()).toContain("rate limiting falls back to per-instance counters");
      expect((await scan(before)).body.data.rows[0]).toEqual({ name: "Rock" });
      expect(await embedding(duringId)).toBe("PENDING");

      redis = await startRedis(redisPort);
      await until(async () => (await api("GET", "/readyz")).status === 200, 30_000, "/readyz to be ready again");
      // Redis came back empty: the job asked for during the outage was never queued; the reconciler queues it.
      await until(async () => (await embedding(duringId)) === "READY", 60_000, "embeddings of the connection made during the outage");
      await until(async () => gateway.output().includes("rate limiting is back on shared counters"), 10_000, "the log to say the limiter is shared again");

      // Nothing written before or during the outage was lost.
      const after = await api("GET", `/v2/connection/${before}`);
      expect(after.body.data).toMatchObject({ label: "relabelled during the outage", embedding_status: { state: "READY" } });
      expect((await api("GET", `/v2/connection/${doomed}`)).status).toBe(404);
      const search = await api("GET", `/v2/connection/${before}/search?q=music%20genre&k=3`);
      expect(search.status).toBe(200);
      expect(search.body.data.length).toBe(3);
    }, 240_000);
  });
});

/**
 * A Redis that is down from the start, then one that is frozen (SIGSTOP: it accepts and never answers). Every Redis
 * call has a deadline, so nothing waits on it: each request answers within a couple of seconds with the same
 * fallbacks as for a dead Redis.
 */
describeWith("redis", "fault: Redis down from the start, then frozen", () => {
  describeWith("postgres", "gateway process", (pgBase) => {
    let store: Awaited<ReturnType<typeof createScratchDatabase>>;
    let redis: ChildProcess | null = null;
    let redisPort = 0;
    let gateway: Served;
    let api: ReturnType<typeof apiClient>;
    const BOUND_MS = 2_500;

    beforeAll(async () => {
      store = await createScratchDatabase(pgBase);
      redisPort = await freePort();
      const started = await servedGateway({
        DATABASE_URL: store.url,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        ENCRYPTION_KEYS: randomKeyRing(),
        QUEUE_PREFIX: `gwf${randomBytes(3).toString("hex")}`,
        ALLOWED_HOSTS: "127.0.0.1/32",
        LOG_LEVEL: "info",
      });
      gateway = started.served;
      api = apiClient(() => gateway.url, started.token);
    }, 120_000);

    afterAll(async () => {
      if (redis) redis.kill("SIGCONT");
      await gateway?.stop("SIGKILL");
      redis?.kill("SIGKILL");
      await store?.drop();
    });

    /** Creates, lists, reads the schema, scans and reads /metrics: each must answer within BOUND_MS. */
    async function everyPathAnswers(label: string): Promise<void> {
      const created = await api("POST", "/v2/connection", chinookConnection(label, "postgres", pgBase));
      expect(created.status).toBe(201);
      expect(created.ms).toBeLessThan(BOUND_MS);
      expect(created.body.data.embedding_status.state).toBe("PENDING");
      const id = created.body.data.id as string;
      for (const [method, path, body] of [
        ["GET", "/v2/connection", undefined],
        ["GET", `/v2/connection/${id}/schema`, undefined],
        ["POST", `/v2/connection/${id}/scan`, { query: "SELECT name FROM genre ORDER BY genre_id LIMIT 1" }],
      ] as const) {
        const res = await api(method, path, body);
        expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(200);
        expect(res.ms, `${method} ${path}`).toBeLessThan(BOUND_MS);
      }
      const started = performance.now();
      const metrics = await fetch(`${gateway.url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain("gateway_embed_queue_depth -1");
      expect(performance.now() - started).toBeLessThan(1_500);
    }

    it("answers every path while Redis has never been up", async () => {
      await everyPathAnswers("redis never up");
    });

    it("answers every path while Redis is frozen, and carries on when it thaws", async () => {
      redis = await startRedis(redisPort);
      await until(async () => (await api("GET", "/readyz")).status === 200, 30_000, "/readyz with Redis up");
      redis.kill("SIGSTOP");
      try {
        await everyPathAnswers("redis frozen");
        const ready = await api("GET", "/readyz");
        expect(ready.status).toBe(503);
        expect(ready.body.checks.redis).toMatch(/^failing/);
      } finally {
        redis.kill("SIGCONT");
      }
      await until(async () => (await api("GET", "/readyz")).status === 200, 30_000, "/readyz after Redis thawed");
    }, 60_000);
  });
});

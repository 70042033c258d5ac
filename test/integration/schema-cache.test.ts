import { Client } from "pg";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemorySchemaCache } from "../../src/datasources/cache/schema-cache";
import { createScratchDatabase } from "../support/databases";
import { startGateway, type TestGateway } from "../support/gateway";
import { expectNoSecretLeak, PLAIN } from "../support/secrets";
import { describeWith } from "../support/services";
import { sourceConfig } from "../support/datasets";

function cacheSuite(name: string, env: () => Record<string, string>) {
  describeWith("postgres", `schema cache (${name})`, (pgBase) => {
    let gw: TestGateway;
    let source: Client;
    let drop: () => Promise<void>;
    let id = "";
    const names = async (refresh = false) => {
      const res = await gw.http("GET", `/v2/connection/${id}/schema${refresh ? "?refresh=true" : ""}`, { token: gw.a.reader });
      return res.body.data.map((t: { table_name: string }) => t.table_name);
    };

    beforeAll(async () => {
      const scratch = await createScratchDatabase(pgBase);
      drop = scratch.drop;
      source = new Client({ connectionString: scratch.url });
      await source.connect();
      await source.query("CREATE TABLE first_table (a int)");
      gw = await startGateway("pglite", { ALLOWED_HOSTS: "127.0.0.1/32", ...env() });
      const res = await gw.http("POST", "/v2/connection", {
        token: gw.a.admin,
        body: { label: "cached", connection_config_slug: "postgres", config: { ...sourceConfig(scratch.url), password: PLAIN.password } },
      });
      id = res.body.data.id;
    });
    afterAll(async () => {
      await gw.stop();
      await source.end();
      await drop();
      expectNoSecretLeak(gw.captured);
    });

    it("serves the table list from the cache until refresh bypasses it", async () => {
      expect(await names()).toEqual(["first_table"]);
      await source.query("CREATE TABLE second_table (a int)");
      expect(await names()).toEqual(["first_table"]);
      expect(await names(true)).toEqual(["first_table", "second_table"]);
    });

    it("drops the cached list when the connection is updated", async () => {
      await source.query("CREATE TABLE third_table (a int)");
      expect(await names()).toEqual(["first_table", "second_table"]);
      const updated = await gw.http("PUT", `/v2/connection/${id}`, { token: gw.a.admin, body: { description: "touched" } });
      expect(updated.status).toBe(200);
      expect(await names()).toEqual(["first_table", "second_table", "third_table"]);
    });

    it("keeps cached columns per table and drops them with the connection", async () => {
      const columns = async () => (await gw.http("GET", `/v2/connection/${id}/schema/first_table`, { token: gw.a.reader })).body.data.length;
      expect(await columns()).toBe(1);
      await source.query("ALTER TABLE first_table ADD COLUMN b int");
      expect(await columns()).toBe(1);
      await gw.http("PUT", `/v2/connection/${id}`, { token: gw.a.admin, body: { label: "cached again" } });
      expect(await columns()).toBe(2);
    });

    // Only with Redis: a snapshot restored into it is what this guards against.
    if (env().REDIS_URL)
      it("never serves an entry made for an older config, even when an old Redis snapshot brings it back", async () => {
        const redisUrl = env().REDIS_URL;
        const redis = new Redis(redisUrl, { lazyConnect: true });
        await redis.connect();
        try {
          expect(await names()).not.toContain("snapshot_table");
          const key = `gw:schema:${gw.a.accountId}:${id}`;
          const snapshot = await redis.hgetall(key);
          expect(Object.keys(snapshot).length).toBeGreaterThan(0);
          await source.query("CREATE TABLE snapshot_table (a int)");
          // A config change (the password re-sent) drops the entries; then the old snapshot is restored.
          expect((await gw.http("PUT", `/v2/connection/${id}`, { token: gw.a.admin, body: { config: { password: PLAIN.password2 } } })).status).toBe(200);
          await redis.hset(key, snapshot);
          expect(await names()).toContain("snapshot_table");
        } finally {
          await redis.quit();
        }
      });

    it("answers NOT_FOUND to another account, cache or not", async () => {
      const res = await gw.http("GET", `/v2/connection/${id}/schema`, { token: gw.b.reader });
      expect(res.status).toBe(404);
    });

    it("forgets a deleted connection", async () => {
      await gw.http("DELETE", `/v2/connection/${id}`, { token: gw.a.admin });
      const res = await gw.http("GET", `/v2/connection/${id}/schema`, { token: gw.a.reader });
      expect(res.status).toBe(404);
    });
  });
}

cacheSuite("in process", () => ({}));
describeWith("redis", "with Redis", (redisUrl) => {
  cacheSuite("Redis", () => ({ REDIS_URL: redisUrl }));
});

describe(MemorySchemaCache.name, () => {
  it("keys entries by account and connection", async () => {
    const cache = new MemorySchemaCache();
    await cache.set("acct-a", "conn-1", "tables", ["t"]);
    expect(await cache.get("acct-a", "conn-1", "tables")).toEqual(["t"]);
    expect(await cache.get("acct-b", "conn-1", "tables")).toBeNull();
    expect(await cache.get("acct-a", "conn-2", "tables")).toBeNull();
  });

  it("expires entries after the TTL and evicts the least recently used connection", async () => {
    const short = new MemorySchemaCache(2, 0.05);
    await short.set("a", "1", "tables", 1);
    await new Promise((r) => setTimeout(r, 80));
    expect(await short.get("a", "1", "tables")).toBeNull();
    const small = new MemorySchemaCache(2);
    await small.set("a", "1", "x", 1);
    await small.set("a", "2", "x", 2);
    await small.get("a", "1", "x");
    await small.set("a", "3", "x", 3);
    expect(await small.get("a", "2", "x")).toBeNull();
    expect(await small.get("a", "1", "x")).toBe(1);
  });
});

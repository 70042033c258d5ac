import { Client } from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { TOKEN_CACHE_MS } from "../../src/services/auth.service";
import { createScratchDatabase, randomKeyRing } from "../support/databases";
import { sourceConfig } from "../support/datasets";
import { startGateway, type TestGateway } from "../support/gateway";
import { describeWith } from "../support/services";

/**
 * Two gateways on one PostgreSQL store, as in production: what each keeps in memory to save store round trips (the
 * verified token, the connection with its decrypted config) never outlives a change made on the other. A revoked
 * token is refused by both within a second; a connection changed on one is never scanned with its old config by
 * the other.
 */
describeWith("postgres", "two instances sharing a store", (pgBase) => {
  let store: Awaited<ReturnType<typeof createScratchDatabase>>;
  const sources: Awaited<ReturnType<typeof createScratchDatabase>>[] = [];
  let one: TestGateway;
  let two: TestGateway;

  beforeAll(async () => {
    store = await createScratchDatabase(pgBase);
    const env = { DATABASE_URL: store.url, ENCRYPTION_KEYS: randomKeyRing(), ALLOWED_HOSTS: "127.0.0.1/32" };
    one = await startGateway("postgres", env);
    two = await startGateway("postgres", { ...env, MIGRATE_ON_START: "false" });
    for (const marker of ["first", "second"]) {
      const db = await createScratchDatabase(pgBase);
      const c = new Client({ connectionString: db.url });
      await c.connect();
      await c.query(`CREATE TABLE marker AS SELECT '${marker}'::text AS v`);
      await c.end();
      sources.push(db);
    }
  }, 60_000);

  afterAll(async () => {
    await one?.stop();
    await two?.stop();
    for (const s of sources) await s.drop();
    await store?.drop();
  });

  it("refuses a token revoked on the other instance within a second", async () => {
    const { id, token } = await one.gateway.core.auth.createToken(one.a.accountId, "reader", "revoked soon");
    const list = () => two.http("GET", "/v2/connection", { token });
    expect((await list()).status).toBe(200); // verified and remembered by the second instance
    await one.gateway.core.auth.revokeToken(id);
    expect((await one.http("GET", "/v2/connection", { token })).status).toBe(401); // at once where it was revoked
    const revokedAt = performance.now();
    let refusedAfter = -1;
    while (performance.now() - revokedAt < 2_000) {
      if ((await list()).status === 401) {
        refusedAfter = performance.now() - revokedAt;
        break;
      }
    }
    expect(refusedAfter).toBeGreaterThanOrEqual(0);
    expect(refusedAfter).toBeLessThan(1_000);
    expect(refusedAfter).toBeLessThanOrEqual(TOKEN_CACHE_MS + 200);
  });

  it("never scans a connection with the config it had before a change made on the other instance", async () => {
    const create = await one.http("POST", "/v2/connection", {
      token: one.a.admin,
      body: { label: "moves between databases", connection_config_slug: "postgres", config: sourceConfig(sources[0].url) },
    });
    const id = create.body.data.id as string;
    const seen = async () => (await two.http("POST", `/v2/connection/${id}/scan`, { token: one.a.reader, body: { query: "SELECT v FROM marker" } })).body.data?.rows[0]?.v;
    // Four moves, each followed at once by a scan on the other instance, which had the previous config in memory.
    for (const [i, marker] of ["second", "first", "second", "first"].entries()) {
      expect(await seen()).toBe(i % 2 === 0 ? "first" : "second");
      const moved = await one.http("PUT", `/v2/connection/${id}`, { token: one.a.admin, body: { config: sourceConfig(sources[marker === "first" ? 0 : 1].url) } });
      expect(moved.status).toBe(200);
      expect(await seen()).toBe(marker);
    }
    await one.http("DELETE", `/v2/connection/${id}`, { token: one.a.admin });
    const afterDelete = await two.http("POST", `/v2/connection/${id}/scan`, { token: one.a.reader, body: { query: "SELECT v FROM marker" } });
    expect(afterDelete.status).toBe(404);
  });
});

import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { chinookConnection } from "../support/datasets";
import { startGateway, type TestGateway } from "../support/gateway";
import { expectNoSecretLeak } from "../support/secrets";
import { describeWith } from "../support/services";

const SCAN = `query($id: ID!) { scan(connectionId: $id, query: "SELECT 1 AS one", limit: 1) { rowCount } }`;

async function pgConnection(gw: TestGateway, token: string, pgBase: string, label: string): Promise<string> {
  const res = await gw.http("POST", "/v2/connection", { token, body: chinookConnection(label, "postgres", pgBase) });
  return res.body.data.id;
}

const outcomes = (results: { status: number; body: any }[]) => ({
  ok: results.filter((r) => r.body?.data?.scan).length,
  limited: results.filter((r) => r.body?.errors?.[0]?.extensions?.code === "RATE_LIMITED").length,
});

function rateLimitSuite(name: string, env: () => Record<string, string>) {
  describeWith("postgres", `rate limits (${name})`, (pgBase) => {
    let gw: TestGateway;
    beforeAll(async () => {
      gw = await startGateway("pglite", { ALLOWED_HOSTS: "127.0.0.1/32", ...env() });
    });
    afterAll(async () => {
      await gw.stop();
      expectNoSecretLeak(gw.captured);
    });

    it("lets exactly 10 of 30 concurrent scans through, with 429 and an integer Retry-After for the rest", async () => {
      const id = await pgConnection(gw, gw.a.admin, pgBase, `rl ${name} 1`);
      const results = await Promise.all(Array.from({ length: 30 }, () => gw.gql(SCAN, { id }, gw.a.reader)));
      expect(outcomes(results)).toEqual({ ok: 10, limited: 20 });
      const refused = results.find((r) => r.body.errors);
      expect(refused!.status).toBe(429);
      expect(refused!.headers.get("retry-after")).toMatch(/^(10|[1-9])$/);
      expect(refused!.body.errors[0]).toMatchObject({ message: expect.stringContaining("at most 10 per 10 s"), extensions: { retryAfter: expect.any(Number) } });
      const rest = await gw.http("POST", `/v2/connection/${id}/scan`, { token: gw.a.reader, body: { query: "SELECT 1" } });
      expect(rest.status).toBe(429);
      expect(rest.body.errors[0].code).toBe("RATE_LIMITED");
      expect(Number(rest.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    });

    it("keeps separate budgets per connection and per account", async () => {
      const first = await pgConnection(gw, gw.a.admin, pgBase, `rl ${name} 2`);
      const second = await pgConnection(gw, gw.a.admin, pgBase, `rl ${name} 3`);
      const other = await pgConnection(gw, gw.b.admin, pgBase, `rl ${name} 4`);
      await Promise.all(Array.from({ length: 12 }, () => gw.gql(SCAN, { id: first }, gw.a.reader)));
      const sameAccount = await Promise.all(Array.from({ length: 10 }, () => gw.gql(SCAN, { id: second }, gw.a.reader)));
      expect(outcomes(sameAccount)).toEqual({ ok: 10, limited: 0 });
      const otherAccount = await Promise.all(Array.from({ length: 10 }, () => gw.gql(SCAN, { id: other }, gw.b.reader)));
      expect(outcomes(otherAccount)).toEqual({ ok: 10, limited: 0 });
    });

    it("counts every spelling of an id against one budget, through GraphQL and REST", async () => {
      const id = await pgConnection(gw, gw.a.admin, pgBase, `rl ${name} spellings`);
      // Each alias spells the id with different letters in upper case: all of them are the same connection.
      const spell = (i: number) => [...id].map((c, j) => ((i >> (j % 8)) & 1 ? c.toUpperCase() : c)).join("");
      const aliased = Array.from({ length: 30 }, (_, i) => `s${i}: scan(connectionId: "${spell(i)}", query: "SELECT 1", limit: 1) { rowCount }`);
      const results = await Promise.all(aliased.map((field) => gw.gql(`{ ${field} }`, {}, gw.a.reader)));
      expect(results.filter((r) => r.body.data && Object.values(r.body.data)[0]).length).toBe(10);
      const rest = await gw.http("POST", `/v2/connection/${id.toUpperCase()}/scan`, { token: gw.a.reader, body: { query: "SELECT 1" } });
      expect(rest.status).toBe(429);
    });

    it("refuses an id that is not a UUID as NOT_FOUND before any counter exists", async () => {
      const before = await gw.gql(`{ scan(connectionId: "${"x".repeat(10_000)}", query: "SELECT 1") { rowCount } }`, {}, gw.a.reader);
      expect(before.body.errors[0].extensions.code).toBe("NOT_FOUND");
      expect(before.body.errors[0].message).toBe("connection not found");
      const rest = await gw.http("POST", `/v2/connection/not-an-id/scan`, { token: gw.a.reader, body: { query: "SELECT 1" } });
      expect(rest.status).toBe(404);
      const redisUrl = env().REDIS_URL;
      if (redisUrl) {
        const redis = new Redis(redisUrl, { lazyConnect: true });
        await redis.connect();
        try {
          const keys = [...(await redis.keys("gw:rl*xxxxxxxx*")), ...(await redis.keys("gw:rl*not-an-id*"))];
          expect(keys).toEqual([]);
        } finally {
          await redis.quit();
        }
      }
    });

    it("counts table listings that reach the source (refresh), not the ones the cache answers", async () => {
      const id = await pgConnection(gw, gw.a.admin, pgBase, `rl ${name} refresh`);
      const listings = (refresh: boolean, n: number) =>
        `query($id: ID!) { connection(id: $id) { ${Array.from({ length: n }, (_, i) => `t${i}: tables(first: 1, refresh: ${refresh}) { totalCount }`).join(" ")} } }`;
      const cached = await gw.gql(listings(false, 25), { id }, gw.a.reader);
      expect(cached.body.errors).toBeUndefined();
      const refreshed = await Promise.all(Array.from({ length: 11 }, () => gw.gql(listings(true, 1), { id }, gw.a.reader)));
      const codes = refreshed.map((r) => r.body.errors?.[0]?.extensions?.code ?? "ok").sort();
      expect(codes).toEqual(["RATE_LIMITED", ...Array(10).fill("ok")]);
      // Aliases count one by one as well, and the cache still answers listings that do not refresh.
      const other = await pgConnection(gw, gw.a.admin, pgBase, `rl ${name} refresh aliases`);
      const aliased = await gw.gql(listings(true, 11), { id: other }, gw.a.reader);
      expect(aliased.body.errors[0].extensions.code).toBe("RATE_LIMITED");
      expect((await gw.gql(listings(false, 1), { id }, gw.a.reader)).body.data.connection.t0.totalCount).toBeGreaterThan(10);
    });

    it("counts every aliased field, for scan and for table", async () => {
      const id = await pgConnection(gw, gw.a.admin, pgBase, `rl ${name} 5`);
      const aliased = (n: number) => Array.from({ length: n }, (_, i) => `s${i}: scan(connectionId: $id, query: "SELECT ${i}", limit: 1) { rowCount }`).join(" ");
      // Six aliases in one request use six of the ten: four single scans pass, the fifth is refused.
      const six = await gw.gql(`query($id: ID!) { ${aliased(6)} }`, { id }, gw.a.reader);
      expect(Object.keys(six.body.data)).toHaveLength(6);
      const singles = [];
      for (let i = 0; i < 5; i++) singles.push(await gw.gql(SCAN, { id }, gw.a.reader));
      expect(outcomes(singles)).toEqual({ ok: 4, limited: 1 });
      // scan is non-null, so one refused alias empties the whole answer; the refusal names that alias.
      const other = await pgConnection(gw, gw.a.admin, pgBase, `rl ${name} 6`);
      const twelve = await gw.gql(`query($id: ID!) { ${aliased(12)} }`, { id: other }, gw.a.reader);
      expect(twelve.body.errors[0]).toMatchObject({ path: ["s10"], extensions: { code: "RATE_LIMITED" } });
      // table is nullable: ten answers and one refusal side by side.
      const tables = Array.from({ length: 11 }, (_, i) => `t${i}: table(name: "album") { numColumns }`).join(" ");
      const t = await gw.gql(`query($id: ID!) { connection(id: $id) { ${tables} } }`, { id: other }, gw.a.reader);
      expect(Object.values(t.body.data.connection).filter(Boolean)).toHaveLength(10);
      expect(t.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(["RATE_LIMITED"]);
    });
  });
}

rateLimitSuite("in process", () => ({}));
describeWith("redis", "with Redis", (redisUrl) => {
  rateLimitSuite("Redis", () => ({ REDIS_URL: redisUrl }));
});

// Across two gateway processes sharing Redis: test/e2e/load.test.ts (exactly 10 of 30, alternating instances).

import type mysql from "mysql2/promise";
import { Client } from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chinookConfig, DATASET_DB, datasetUrl, mariaAdmin } from "../support/datasets";
import { startGateway, type TestGateway } from "../support/gateway";
import { expectNoSecretLeak, PLAIN } from "../support/secrets";
import { describeWith, requireService } from "../support/services";

const RESULT = "ok latencyMs serverVersion readableTables stage code message checkedAt";
type Config = Record<string, unknown>;
type Test = {
  ok: boolean;
  latencyMs: number | null;
  serverVersion: string | null;
  readableTables: number | null;
  stage: string | null;
  code: string | null;
  message: string | null;
};

/** Both paths, answered in GraphQL's names: a saved connection's test, and an unsaved config's, by `token`'s admin. */
function paths(gw: () => TestGateway, token: () => string) {
  const fromRest = (d: Record<string, unknown>): Test => ({
    ok: d.ok as boolean,
    latencyMs: d.latency_ms as number | null,
    serverVersion: d.server_version as string | null,
    readableTables: d.readable_tables as number | null,
    stage: d.stage as string | null,
    code: d.code as string | null,
    message: d.message as string | null,
  });
  const gql = async (query: string, variables: Record<string, unknown>): Promise<Test> => {
    const res = await gw().gql(query, variables, token());
    if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
    return res.body.data.result;
  };
  const rest = async (path: string, body?: unknown): Promise<Test> => {
    const res = await gw().http("POST", path, { token: token(), body });
    if (res.status !== 200) throw new Error(`${res.status} ${res.text}`);
    return fromRest(res.body.data);
  };
  return {
    graphql: {
      saved: (id: string) => gql(`mutation($id: ID!) { result: testConnection(id: $id) { ${RESULT} } }`, { id }),
      unsaved: (slug: string, config: Config) =>
        gql(`mutation($i: TestConnectionConfigInput!) { result: testConnectionConfig(input: $i) { ${RESULT} } }`, { i: { connectionConfigSlug: slug, config } }),
    },
    rest: {
      saved: (id: string) => rest(`/v2/connection/${id}/test`),
      unsaved: (slug: string, config: Config) => rest("/v2/connection/test", { connection_config_slug: slug, config }),
    },
  };
}

describeWith("postgres", "connection tests", (pgBase) => {
  const mariaBase = requireService("mariadb");
  const pg = new URL(datasetUrl(pgBase));
  const pgConfig = (over: Config = {}): Config => ({ host: pg.hostname, port: Number(pg.port || 5432), database: DATASET_DB, user: decodeURIComponent(pg.username), ...over });
  let gw: TestGateway;
  const source = new Client({ connectionString: datasetUrl(pgBase) });
  let maria: mysql.Connection | null = null;

  beforeAll(async () => {
    gw = await startGateway("pglite", { ALLOWED_HOSTS: "127.0.0.1/32", SCAN_TIMEOUT_MS: "3000" });
    await source.connect();
    // A role that may log in but read nothing: the permissions stage.
    await source.query("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gw_no_reads') THEN CREATE ROLE gw_no_reads LOGIN; END IF; END $$");
    if (mariaBase) {
      maria = await mariaAdmin(mariaBase);
      // A user with a password, so a wrong one is refused (the machine's PostgreSQL trusts every login).
      await maria.query("CREATE USER IF NOT EXISTS 'gw_tester'@'%' IDENTIFIED BY 'right-password'");
      await maria.query(`GRANT SELECT ON ${DATASET_DB}.* TO 'gw_tester'@'%'`);
    }
  }, 60_000);
  afterAll(async () => {
    await gw?.stop();
    await source.end();
    await maria?.end();
    expectNoSecretLeak(gw.captured);
  });

  // Unsaved configs share one test budget per account (10 in 10 s): each case gets an account of its own.
  let admin: string;
  beforeEach(async () => {
    const account = await gw.gateway.core.accounts.create("tester");
    admin = (await gw.gateway.core.auth.createToken(account.id, "admin")).token;
  });
  const create = async (label: string, config: Config, token = admin): Promise<string> => {
    const res = await gw.http("POST", "/v2/connection", { token, body: { label, connection_config_slug: "postgres", config } });
    expect(res.status, res.text).toBe(201);
    return res.body.data.id;
  };

  describe.each(["graphql", "rest"] as const)("through %s", (name) => {
    const t = () =>
      paths(
        () => gw,
        () => admin,
      )[name];

    it("logs in to a reachable source and says what answered and how many tables the user may read", async () => {
      const id = await create(`tested ${name}`, { ...pgConfig(), password: PLAIN.password });
      for (const result of [await t().saved(id), await t().unsaved("postgres", pgConfig())]) {
        expect(result).toMatchObject({ ok: true, stage: null, code: null, message: null, serverVersion: expect.stringMatching(/^PostgreSQL \d+/) });
        expect(result.readableTables).toBeGreaterThan(10);
        expect(result.latencyMs).toBeGreaterThan(0);
      }
    });

    it.each([
      ["dns", "DNS_FAILED", { host: "no-such-host.invalid" }, "config.host"],
      ["host_policy", "HOST_REFUSED", { host: "10.1.2.3" }, "config.host"],
      ["network", "UNREACHABLE", { port: 1 }, "config.host, config.port"],
      ["database", "DATABASE_NOT_FOUND", { database: "gw_no_such_db" }, "config.database"],
      ["permissions", "NO_READABLE_TABLE", { user: "gw_no_reads" }, "config.user"],
    ])("tells where it stopped: %s (%s)", async (stage, code, change, names) => {
      const result = await t().unsaved("postgres", pgConfig(change));
      expect(result).toMatchObject({ ok: false, stage, code, message: expect.stringContaining(names) });
    });

    it("tells a refused login apart, and names the MariaDB that answered a good one", async (ctx) => {
      if (!maria) return ctx.skip();
      const url = new URL(mariaBase!);
      const config = (password: string) => ({ host: url.hostname, port: Number(url.port || 3306), database: DATASET_DB, user: "gw_tester", password });
      expect(await t().unsaved("mariadb", config("wrong-password"))).toMatchObject({ ok: false, stage: "authentication", code: "AUTHENTICATION_FAILED" });
      const good = await t().unsaved("mariadb", config("right-password"));
      expect(good).toMatchObject({ ok: true, serverVersion: expect.stringMatching(/^MariaDB \d+\.\d+/) });
      expect(good.readableTables).toBeGreaterThan(10);
    });
  });

  it("refuses to save a config whose test fails when asked to test it first, and saves nothing", async () => {
    const count = async () => (await gw.gateway.core.store.dataSource.query("SELECT count(*)::int AS n FROM connections"))[0].n;
    const before = await count();
    const refused = await gw.http("POST", "/v2/connection", {
      token: admin,
      body: { label: "must work", connection_config_slug: "postgres", config: pgConfig({ port: 1 }), test: true },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].message).toBe("test: the connection test failed at network (UNREACHABLE): config.host, config.port: nothing accepted a connection there in time");
    const viaGraphql = await gw.gql(
      `mutation($i: CreateConnectionInput!) { createConnection(input: $i) { id } }`,
      { i: { label: "must work", connectionConfigSlug: "postgres", config: pgConfig({ database: "gw_no_such_db" }), test: true } },
      admin,
    );
    expect(viaGraphql.body.errors[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "test" }, message: expect.stringContaining("DATABASE_NOT_FOUND") });
    expect(await count()).toBe(before);

    const id = await create("tested on save", pgConfig());
    const row = async () => JSON.stringify((await gw.gateway.core.store.dataSource.query("SELECT config, config_version FROM connections WHERE id = $1", [id]))[0]);
    const saved = await row();
    const update = await gw.http("PUT", `/v2/connection/${id}`, { token: admin, body: { config: { database: "gw_no_such_db" }, test: true } });
    expect(update.status).toBe(400);
    expect(update.body.errors[0].message).toContain("DATABASE_NOT_FOUND");
    expect(await row()).toBe(saved);
    const passing = await gw.http("PUT", `/v2/connection/${id}`, { token: admin, body: { label: "tested on save 2", test: true } });
    expect(passing.status, passing.text).toBe(200);
    const created = await gw.http("POST", "/v2/connection", { token: admin, body: { label: "works", connection_config_slug: "postgres", config: pgConfig(), test: true } });
    expect(created.status).toBe(201);
  });

  it("answers 503 naming the operator's variable when no engine here serves the type", async () => {
    const snowflake = { account: "myorg-acct1", user: "r", password: PLAIN.password, database: "DB", warehouse: "WH" };
    const res = await gw.http("POST", "/v2/connection/test", { token: admin, body: { connection_config_slug: "snowflake", config: snowflake } });
    expect(res.status).toBe(503);
    expect(res.body.errors[0]).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", message: expect.stringContaining("TRINO_URL") });
  });

  it("lets readers test a saved connection but not an unsaved config", async () => {
    const id = await create("reader tests", pgConfig(), gw.a.admin);
    expect((await gw.http("POST", `/v2/connection/${id}/test`, { token: gw.a.reader })).status).toBe(200);
    expect((await gw.http("POST", "/v2/connection/test", { token: gw.a.reader, body: { connection_config_slug: "postgres", config: pgConfig() } })).status).toBe(403);
    // Another account's connection is not there at all.
    expect((await gw.http("POST", `/v2/connection/${id}/test`, { token: gw.b.admin })).status).toBe(404);
  });

  it("refuses a bad config by field before any test, as create would", async () => {
    const res = await gw.http("POST", "/v2/connection/test", { token: admin, body: { connection_config_slug: "postgres", config: { ...pgConfig(), port: 70000 } } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toBe("config.port: must be from 1 to 65535");
    const stray = await gw.http("POST", "/v2/connection/test", { token: admin, body: { connection_config_slug: "postgres", config: pgConfig(), label: "x" } });
    expect(stray.status).toBe(400);
    expect(stray.body.errors[0].message).toContain("label: unknown field");
  });

  it("counts unsaved configs' tests against one budget per account: past 10 in 10 s, 429 with Retry-After", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await gw.http("POST", "/v2/connection/test", { token: admin, body: { connection_config_slug: "postgres", config: pgConfig({ host: "10.1.2.3" }) } });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([...Array(10).fill(200), 429]);
  });

  it("keeps each connection's status: UNKNOWN, then what the last test found, on both paths", async () => {
    const good = await create("status good", pgConfig());
    const bad = await create("status bad", pgConfig({ port: 1 }));
    const statusGql = async (id: string) =>
      (await gw.gql(`query($id: ID!) { connection(id: $id) { status { state checkedAt error lastUsedAt } } }`, { id }, admin)).body.data.connection.status;
    const statusRest = async (id: string) => (await gw.http("GET", `/v2/connection/${id}`, { token: admin })).body.data.status;
    expect(await statusGql(good)).toEqual({ state: "UNKNOWN", checkedAt: null, error: null, lastUsedAt: null });
    expect(await statusRest(good)).toEqual({ state: "UNKNOWN", checked_at: null, error: null, last_used_at: null });
    const t = paths(
      () => gw,
      () => admin,
    );
    await t.graphql.saved(good);
    await t.rest.saved(bad);
    expect(await statusGql(good)).toMatchObject({ state: "OK", checkedAt: expect.any(String), error: null });
    expect(await statusRest(bad)).toMatchObject({ state: "FAILING", checked_at: expect.any(String), error: expect.stringContaining("UNREACHABLE") });
  });

  it("records scans in batches: last use and verdicts show within seconds, with far fewer store writes than scans", async () => {
    const good = await create("scanned good", pgConfig());
    const bad = await create("scanned bad", pgConfig({ port: 1 }));
    const writes = async () => Number(/gateway_connection_health_writes_total (\d+)/.exec((await gw.http("GET", "/metrics")).text)?.[1] ?? 0);
    const before = await writes();
    const scan = (id: string, query = "SELECT 1 AS one") => gw.http("POST", `/v2/connection/${id}/scan`, { token: admin, body: { query } });
    for (let i = 0; i < 8; i++) expect((await scan(good)).status).toBe(200);
    expect((await scan(good, "SELECT * FROM no_such_table")).status).toBe(400);
    expect((await scan(bad)).status).toBe(503);
    const status = async (id: string) => (await gw.http("GET", `/v2/connection/${id}`, { token: admin })).body.data.status;
    const deadline = Date.now() + 10_000;
    while ((await status(bad)).state !== "FAILING" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await status(good)).toMatchObject({ state: "OK", last_used_at: expect.any(String) });
    expect(await status(bad)).toMatchObject({ state: "FAILING", error: expect.stringContaining("UPSTREAM_UNAVAILABLE"), last_used_at: expect.any(String) });
    // Ten scans of two connections: one or two statements (a flush may fall between them), not ten.
    expect((await writes()) - before).toBeLessThanOrEqual(2);
  });

  describeWith("trino", "through Trino", (trinoUrl) => {
    it("logs in through a catalog made for the test, and tells a missing database apart", { timeout: 120_000 }, async () => {
      const viaTrino = await startGateway("pglite", { ALLOWED_HOSTS: "127.0.0.1/32", TRINO_URL: trinoUrl });
      try {
        const t = paths(
          () => viaTrino,
          () => viaTrino.a.admin,
        ).rest;
        const good = await t.unsaved("postgres", { ...chinookConfig(pgBase), ssl: false });
        expect(good).toMatchObject({ ok: true, serverVersion: expect.stringMatching(/^Trino \d+/) });
        expect(good.readableTables).toBeGreaterThan(10);
        expect(await t.unsaved("postgres", { ...chinookConfig(pgBase), database: "gw_no_such_db" })).toMatchObject({ ok: false, stage: "database", code: "DATABASE_NOT_FOUND" });
      } finally {
        await viaTrino.stop();
        gw.captured.push(...viaTrino.captured);
      }
    });
  });
});

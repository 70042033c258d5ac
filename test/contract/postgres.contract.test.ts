import { Client } from "pg";
import { afterAll, expect, it } from "vitest";
import { HostPolicy } from "../../src/datasources/sources/host-policy";
import { PostgresEngine } from "../../src/datasources/engines/postgres.engine";
import { pgTypeName } from "../../src/datasources/engines/pg-type-names";
import { datasetUrl, chinookConfig } from "../support/datasets";
import { engineConnection } from "../support/engine-connections";
import { describeWith } from "../support/services";
import { engineContract, MAX_BYTES } from "./engine-contract";
import { FIRST_ALBUM, POSTGRES_CATALOGUE, POSTGRES_CHINOOK } from "./chinook";

describeWith("postgres", "direct postgres engine → PostgreSQL", (baseUrl) => {
  const config = { ...chinookConfig(baseUrl), ssl: "disable" };
  const hosts = new HostPolicy(["127.0.0.1/32"]);
  const admin = new Client({ connectionString: datasetUrl(baseUrl) });
  const connection = engineConnection("postgres", config);
  afterAll(() => admin.end());

  engineContract(async () => {
    await admin.connect();
    return {
      name: "postgres",
      engine: (pool = { size: 4, acquireTimeoutMs: 5_000 }) => new PostgresEngine(hosts, pool, 30_000),
      connection,
      unreachable: engineConnection("postgres", { ...config, port: 1 }),
      tables: POSTGRES_CHINOOK.tables,
      sql: {
        ...POSTGRES_CHINOOK.sql,
        slow: (s) => `SELECT pg_sleep(${s}) AS gw_contract_sleep`,
        writes: [
          "INSERT INTO album VALUES (9999, 'x', 1) RETURNING album_id",
          "WITH d AS (DELETE FROM album WHERE album_id = 1 RETURNING 1) SELECT * FROM d",
          "SELECT * FROM album FOR UPDATE",
          "SELECT nextval('gw_seq')",
          "SELECT * INTO album_copy FROM album",
          "CREATE TABLE gw_contract_probe (a int)",
        ],
        albumCount: "SELECT count(*)::int AS n FROM album",
      },
      firstAlbum: FIRST_ALBUM,
      catalogue: POSTGRES_CATALOGUE,
      runningSlowQueries: async () =>
        Number((await admin.query("SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE '%gw_contract_sleep%' AND state = 'active' AND pid <> pg_backend_pid()")).rows[0].n),
    };
  });

  it("never falls back to the gateway's own PG* environment", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { PGAPPNAME: "leaked-app", PGOPTIONS: "-c work_mem=7777kB", PGPASSWORD: "leaked", PGDATABASE: "leaked_db" });
    const engine = new PostgresEngine(hosts, { size: 1, acquireTimeoutMs: 5_000 }, 30_000);
    try {
      const out = await engine.scan(engineConnection("postgres", config), {
        sql: "SELECT current_setting('application_name') AS app, current_setting('work_mem') AS wm, current_database() AS db",
        limit: 1,
        timeoutMs: 5_000,
        maxBytes: MAX_BYTES,
      });
      expect(out.rows[0]).toEqual(["connections-gateway", expect.not.stringMatching(/7777/), config.database]);
    } finally {
      process.env = saved;
      await engine.dispose();
    }
  });

  it("checks the host again when connecting: without ALLOWED_HOSTS, loopback is refused", async () => {
    const strict = new PostgresEngine(new HostPolicy([]), { size: 1, acquireTimeoutMs: 5_000 }, 30_000);
    await expect(strict.scan(connection, { maxBytes: MAX_BYTES, sql: "SELECT 1", limit: 1, timeoutMs: 5_000 })).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      message: expect.stringContaining("loopback"),
    });
    await strict.dispose();
  });

  it("names built-in types as format_type does, modifiers and arrays included, and leaves the rest to the source", async () => {
    const columns = [
      "varchar(20)",
      "varchar",
      "char(3)",
      "bpchar",
      "numeric(10,2)",
      "numeric(5,0)",
      "numeric",
      "timestamp(3) with time zone",
      "timestamptz",
      "timestamp(0)",
      "time(6)",
      "timetz(2)",
      "bit(4)",
      "varbit(9)",
      "varchar(20)[]",
      "numeric(5,0)[]",
      "int[]",
      "text[][]",
      "jsonb",
      "uuid",
      "bytea",
      "interval",
      "double precision",
      "real",
      "smallint",
      "bigint",
      "boolean",
      "date",
      "inet",
      "money",
      "int4range",
      "interval(3)",
    ];
    await admin.query(`CREATE TEMP TABLE gw_typmods (${columns.map((c, i) => `c${i} ${c}`).join(", ")})`);
    const { rows } = await admin.query<{ oid: number; typmod: number; name: string }>(
      "SELECT atttypid::int AS oid, atttypmod AS typmod, format_type(atttypid, atttypmod) AS name FROM pg_attribute WHERE attrelid = 'gw_typmods'::regclass AND attnum > 0 ORDER BY attnum",
    );
    const named = rows.filter((r) => pgTypeName(r.oid, r.typmod) !== null);
    for (const r of named) expect(pgTypeName(r.oid, r.typmod), r.name).toBe(r.name);
    // Only an interval with a modifier is left to the source here.
    expect(rows.length - named.length).toBe(1);
  });
});

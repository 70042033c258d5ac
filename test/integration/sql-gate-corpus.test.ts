import fs from "node:fs";
import path from "node:path";
import mysql from "mysql2/promise";
import { Client } from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createScratchDatabase } from "../support/databases";
import { startGateway, type TestGateway } from "../support/gateway";
import { describeWith, requireService } from "../support/services";
import { sourceConfig } from "../support/datasets";

interface Row {
  id: string;
  dialect: string;
  verdict: "block" | "allow";
  sql: string;
}

/** The corpus of ../shared/sql-gate (copied into test/fixtures), decoded as its README says. */
const CORPUS: Row[] = fs
  .readFileSync(path.resolve(__dirname, "../fixtures/sql-gate/corpus.tsv"), "utf8")
  .split("\n")
  .slice(1)
  .filter((line) => line.trim())
  .map((line) => {
    const [id, dialect, verdict, sql] = line.split("\t");
    return {
      id,
      dialect,
      verdict: verdict as Row["verdict"],
      sql: sql
        .replace(/\\t/g, "\t")
        .replace(/⏎/g, "\n")
        .replace(/<NBSP>/g, "\u00a0")
        .replace("$VICTIM", "12345"),
    };
  });

const SCAN = `query($id: ID!, $q: String!) { scan(connectionId: $id, query: $q, limit: 5) { rowCount } }`;

/** Runs each row through the real API (a fresh connection every few rows: scans are rate-limited per connection). */
async function runCorpus(gw: TestGateway, rows: Row[], newConnection: () => Promise<string>) {
  const results: { row: Row; code: string | null }[] = [];
  let id = "";
  for (const [i, row] of rows.entries()) {
    if (i % 8 === 0) id = await newConnection();
    const res = await gw.gql(SCAN, { id, q: row.sql }, gw.a.reader);
    results.push({ row, code: res.body.errors?.[0]?.extensions?.code ?? null });
  }
  return results;
}

function expectVerdicts(results: { row: Row; code: string | null }[]) {
  for (const { row, code } of results) {
    // Blocked: by the policy, or (PostgreSQL) as a syntax error its own parser reports.
    if (row.verdict === "block") expect(["READ_ONLY_VIOLATION", ...(row.dialect === "pg" ? ["BAD_USER_INPUT"] : [])], `${row.id} ${row.sql}`).toContain(code);
    else expect(code, `${row.id} ${row.sql}`).not.toBe("READ_ONLY_VIOLATION");
  }
}

describeWith("postgres", "the read-only corpus through the API against real sources", (pgBase) => {
  let gw: TestGateway;
  let source: Client;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  const fingerprint = async () =>
    JSON.stringify(
      (
        await source.query(`SELECT (SELECT json_agg(t ORDER BY id) FROM t) AS rows, (SELECT last_value FROM s) AS seq,
          (SELECT array_agg(relname ORDER BY relname) FROM pg_class WHERE relnamespace = 'public'::regnamespace) AS rels,
          obj_description('t'::regclass) AS comment, (SELECT count(*) FROM pg_largeobject_metadata) AS los`)
      ).rows,
    );
  const pgConnection = (gateway: TestGateway) => async () => {
    const res = await gateway.http("POST", "/v2/connection", {
      token: gateway.a.admin,
      body: { label: `corpus ${Math.random()}`, connection_config_slug: "postgres", config: sourceConfig(scratch.url) },
    });
    return res.body.data.id as string;
  };

  beforeAll(async () => {
    scratch = await createScratchDatabase(pgBase);
    source = new Client({ connectionString: scratch.url });
    await source.connect();
    await source.query(`CREATE TABLE t (id int PRIMARY KEY, name text); INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c');
      CREATE SEQUENCE s; SELECT nextval('s'); CREATE MATERIALIZED VIEW mv AS SELECT * FROM t;
      CREATE FUNCTION f_del() RETURNS int LANGUAGE sql AS 'DELETE FROM t RETURNING 1'`);
    gw = await startGateway("pglite", { ALLOWED_HOSTS: "127.0.0.1/32" });
  });
  afterAll(async () => {
    await gw.stop();
    await source.end();
    await scratch.drop();
  });

  it("refuses every blocked PostgreSQL row, runs every allowed one, and the source is unchanged", async () => {
    const before = await fingerprint();
    const results = await runCorpus(
      gw,
      CORPUS.filter((r) => r.dialect === "pg"),
      pgConnection(gw),
    );
    expectVerdicts(results);
    // Allowed rows really ran: none failed at the source.
    expect(results.filter((r) => r.row.verdict === "allow" && r.code !== null)).toEqual([]);
    expect(await fingerprint()).toBe(before);
    expect(fs.existsSync("/tmp/pgro/pwned_copy_file")).toBe(false);
  });

  it("refuses every blocked MySQL row against MariaDB, and the source is unchanged", async (ctx) => {
    const mariaBase = requireService("mariadb");
    if (!mariaBase) return ctx.skip();
    const url = new URL(mariaBase);
    const admin = await mysql.createConnection({ host: url.hostname, port: Number(url.port || 3306), user: decodeURIComponent(url.username || "root"), multipleStatements: true });
    const db = `gw_corpus_${Date.now()}`;
    try {
      await admin.query(`CREATE DATABASE ${db}; USE ${db}; CREATE TABLE t (id INT PRIMARY KEY, name TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'b')`);
      const print = async () =>
        JSON.stringify(
          (await admin.query(`SELECT (SELECT COUNT(*) FROM ${db}.t) AS n, (SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '${db}') AS tables`))[0],
        );
      const before = await print();
      const results = await runCorpus(
        gw,
        CORPUS.filter((r) => r.dialect === "mysql"),
        async () => {
          const res = await gw.http("POST", "/v2/connection", {
            token: gw.a.admin,
            body: { label: `corpus my ${Math.random()}`, connection_config_slug: "mariadb", config: sourceConfig(url.toString(), db) },
          });
          return res.body.data.id as string;
        },
      );
      expectVerdicts(results);
      expect(await print()).toBe(before);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${db}`);
      await admin.end();
    }
  });

  it("refuses every blocked Trino row through a gateway on Trino, and the source is unchanged", async (ctx) => {
    const trinoUrl = requireService("trino");
    if (!trinoUrl) return ctx.skip();
    const trinoGw = await startGateway("pglite", { ALLOWED_HOSTS: "127.0.0.1/32", TRINO_URL: trinoUrl });
    try {
      const before = await fingerprint();
      const newConnection = pgConnection(trinoGw);
      const results = await runCorpus(
        trinoGw,
        CORPUS.filter((r) => r.dialect === "trino"),
        newConnection,
      );
      expectVerdicts(results);
      // And a plain read runs through the connection's catalog.
      const ok = await trinoGw.gql(
        `query($id: ID!) { scan(connectionId: $id, query: "SELECT id, name FROM t ORDER BY id") { rows } }`,
        { id: await newConnection() },
        trinoGw.a.reader,
      );
      expect(ok.body.data.scan.rows).toEqual([
        { id: 1, name: "a" },
        { id: 2, name: "b" },
        { id: 3, name: "c" },
      ]);
      expect(await fingerprint()).toBe(before);
    } finally {
      await trinoGw.stop();
    }
  });
});

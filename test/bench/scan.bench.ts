/**
 * Scan and schema benchmarks, each against a baseline measured in the same run:
 *  - a scan through the gateway (GraphQL and REST) vs the same query through the bare driver;
 *  - SELECT * FROM a million-row table through scan vs the same with LIMIT 100 on the bare driver;
 *  - the schema listing, cached vs uncached.
 * Needs DATABASE_URL and MARIADB_URL (datasets are loaded as in the tests). Run: npm run bench
 */
import "reflect-metadata";
import mysql from "mysql2/promise";
import { Client } from "pg";
import { BasicAuth, Trino } from "trino-client";
import { ensureMariadbDataset, ensurePostgresDataset, datasetUrl, DATASET_DB } from "../support/datasets";
import { startGateway, type TestGateway } from "../support/gateway";
import { percentile, printTable, timeEach, type Row } from "./stats";

const N = Number(process.env.BENCH_N ?? 300);
const RATE_WINDOW = 10; // scans per connection per window: the benchmark spreads its calls over many connections

async function connections(gw: TestGateway, body: (i: number) => object, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await gw.http("POST", "/v2/connection", { token: gw.a.admin, body: body(i) });
    if (res.status !== 201) throw new Error(res.text);
    ids.push(res.body.data.id);
  }
  return ids;
}

const stats = (name: string, samples: number[], baseline?: Row): Row => ({
  case: name,
  p50: percentile(samples, 50),
  p99: percentile(samples, 99),
  baseline: baseline ? { p50: baseline.p50, p99: baseline.p99 } : undefined,
});

async function main(): Promise<void> {
  const pgBase = process.env.DATABASE_URL;
  const mariaBase = process.env.MARIADB_URL;
  if (!pgBase || !mariaBase) throw new Error("bench needs DATABASE_URL and MARIADB_URL");
  await ensurePostgresDataset(pgBase);
  await ensureMariadbDataset(mariaBase);
  // The metadata store production uses (PostgreSQL); BENCH_STORE=pglite measures the embedded mode instead.
  const store = process.env.BENCH_STORE === "pglite" ? "pglite" : "postgres";
  console.log(`metadata store: ${store}`);
  const gw = await startGateway(store, { ALLOWED_HOSTS: "127.0.0.1/32", LOG_LEVEL: "warn" });
  try {
    const pgUrl = new URL(datasetUrl(pgBase));
    const mUrl = new URL(mariaBase);
    // Every connection takes at most RATE_WINDOW calls, and none is reused: enough for warm-up, both paths and big scans.
    const count = Math.ceil((N * 2 + 90) / RATE_WINDOW) + 1;
    const pgIds = await connections(gw, (i) => ({ label: `bench pg ${i}`, connection_config_slug: "postgres", config: { host: pgUrl.hostname, port: Number(pgUrl.port || 5432), database: DATASET_DB, user: decodeURIComponent(pgUrl.username) } }), count);
    const myIds = await connections(gw, (i) => ({ label: `bench maria ${i}`, connection_config_slug: "mariadb", config: { host: mUrl.hostname, port: Number(mUrl.port || 3306), database: DATASET_DB, user: decodeURIComponent(mUrl.username || "root") } }), count);
    const gql = (id: string, q: string, limit = 20) =>
      gw.gql(`query($id: ID!, $q: String!, $l: Int) { scan(connectionId: $id, query: $q, limit: $l) { rowCount } }`, { id, q, l: limit }, gw.a.reader).then((r) => {
        if (!r.body.data?.scan) throw new Error(r.text);
      });
    const rest = (id: string, q: string, limit = 20) =>
      gw.http("POST", `/v2/connection/${id}/scan?limit=${limit}`, { token: gw.a.reader, body: { query: q } }).then((r) => {
        if (r.status !== 200) throw new Error(r.text);
      });
    const cursor = new Map<string[], number>();
    const spread = (ids: string[]) => {
      const n = cursor.get(ids) ?? 0;
      cursor.set(ids, n + 1);
      return ids[Math.floor(n / RATE_WINDOW) % ids.length];
    };

    // PostgreSQL
    const pg = new Client({ connectionString: datasetUrl(pgBase) });
    await pg.connect();
    const pgQuery = "SELECT album_id, title FROM album ORDER BY album_id LIMIT 20";
    await timeEach(20, () => pg.query(pgQuery));
    await timeEach(20, () => gql(spread(pgIds), pgQuery));
    const pgBare = stats("postgres: bare pg driver", await timeEach(N, () => pg.query(pgQuery)));
    const pgGql = stats("postgres: gateway GraphQL scan", await timeEach(N, () => gql(spread(pgIds), pgQuery)), pgBare);
    const pgRest = stats("postgres: gateway REST scan", await timeEach(N, () => rest(spread(pgIds), pgQuery)), pgBare);
    const bigBare = stats("postgres: bare driver, big_table LIMIT 100", await timeEach(30, () => pg.query("SELECT * FROM big_table LIMIT 100")));
    const bigScan = stats("postgres: scan SELECT * FROM big_table (limit 100)", await timeEach(30, () => gql(spread(pgIds), "SELECT * FROM big_table", 100)), bigBare);
    const pgCapped = stats("postgres: scan SELECT * FROM big_table LIMIT 100", await timeEach(30, () => gql(spread(pgIds), "SELECT * FROM big_table LIMIT 100", 100)));
    const pgUncapped = { ...bigScan, case: "postgres: scan without LIMIT vs with LIMIT 100", baseline: { p50: pgCapped.p50, p99: pgCapped.p99 } };
    await pg.end();

    // MariaDB
    const my = await mysql.createConnection({ host: mUrl.hostname, port: Number(mUrl.port || 3306), user: decodeURIComponent(mUrl.username || "root"), database: DATASET_DB });
    const myQuery = "SELECT AlbumId, Title FROM Album ORDER BY AlbumId LIMIT 20";
    await timeEach(20, () => my.query(myQuery));
    await timeEach(20, () => gql(spread(myIds), myQuery));
    const myBare = stats("mariadb: bare mysql2 driver", await timeEach(N, () => my.query(myQuery)));
    const myGql = stats("mariadb: gateway GraphQL scan", await timeEach(N, () => gql(spread(myIds), myQuery)), myBare);
    const myRest = stats("mariadb: gateway REST scan", await timeEach(N, () => rest(spread(myIds), myQuery)), myBare);
    const myBigBare = stats("mariadb: bare driver, big_table LIMIT 100", await timeEach(30, () => my.query("SELECT * FROM big_table LIMIT 100")));
    const myBigScan = stats("mariadb: scan SELECT * FROM big_table (limit 100)", await timeEach(30, () => gql(spread(myIds), "SELECT * FROM big_table", 100)), myBigBare);
    const myCapped = stats("mariadb: scan SELECT * FROM big_table LIMIT 100", await timeEach(30, () => gql(spread(myIds), "SELECT * FROM big_table LIMIT 100", 100)));
    const myUncapped = { ...myBigScan, case: "mariadb: scan without LIMIT vs with LIMIT 100", baseline: { p50: myCapped.p50, p99: myCapped.p99 } };
    await my.end();

    // Schema listing: uncached (refresh=true) vs cached.
    const listing = (refresh: boolean) => () => gw.http("GET", `/v2/connection/${pgIds[0]}/schema${refresh ? "?refresh=true" : ""}`, { token: gw.a.reader });
    const uncached = stats("schema listing, uncached (refresh=true)", await timeEach(50, listing(true)));
    const cached = stats("schema listing, cached", await timeEach(50, listing(false)), uncached);

    const trinoRows = process.env.TRINO_URL ? await trinoBench(process.env.TRINO_URL, pgBase) : [];

    printTable(`Scan latency (${N} sequential calls each; ratio = gateway / bare driver)`, [pgBare, pgGql, pgRest, myBare, myGql, myRest]);
    if (trinoRows.length) printTable(`Trino engine (${TRINO_N} calls each; ratio = gateway / bare trino-client)`, trinoRows);
    printTable("A million-row table: the cap streams (ratio ≈ 1 means no full read)", [bigBare, bigScan, pgCapped, pgUncapped, myBigBare, myBigScan, myCapped, myUncapped]);
    printTable("Schema listing (ratio = cached / uncached)", [uncached, cached]);
  } finally {
    await gw.stop();
  }
}

const TRINO_N = Number(process.env.BENCH_TRINO_N ?? 100);

/** The gateway on Trino vs trino-client querying the same catalog directly, as the same read-only user. */
async function trinoBench(trinoUrl: string, pgBase: string): Promise<Row[]> {
  const gw = await startGateway("pglite", { ALLOWED_HOSTS: "127.0.0.1/32", LOG_LEVEL: "warn", TRINO_URL: trinoUrl });
  try {
    const pgUrl = new URL(datasetUrl(pgBase));
    // Nine calls per connection after a warm-up call that creates its catalog (creation is paid once, not measured).
    const perConnection = RATE_WINDOW - 1;
    const ids = await connections(gw, (i) => ({ label: `bench trino ${i}`, connection_config_slug: "postgres", config: { host: pgUrl.hostname, port: Number(pgUrl.port || 5432), database: DATASET_DB, user: decodeURIComponent(pgUrl.username) } }), Math.ceil((TRINO_N * 2) / perConnection) + 1);
    const q = "SELECT album_id, title FROM album ORDER BY album_id LIMIT 20";
    let next = 0;
    const spread = () => ids[Math.floor(next++ / perConnection) % ids.length];
    const scanOn = (id: string) =>
      gw.gql(`query($id: ID!, $q: String!) { scan(connectionId: $id, query: $q) { rowCount } }`, { id, q }, gw.a.reader).then((r) => {
        if (!r.body.data?.scan) throw new Error(r.text);
      });
    const gql = () => scanOn(spread());
    const rest = () =>
      gw.http("POST", `/v2/connection/${spread()}/scan`, { token: gw.a.reader, body: { query: q } }).then((r) => {
        if (r.status !== 200) throw new Error(r.text);
      });
    for (const id of ids) await scanOn(id);
    await new Promise((r) => setTimeout(r, 10_000)); // let the warm-up's rate-limit windows pass
    const catalog = `gw_${ids[0].replace(/-/g, "")}`;
    const bare = async () => {
      const trino = Trino.create({ server: trinoUrl, auth: new BasicAuth("gateway_scan") });
      const pages = await trino.query(`SELECT album_id, title FROM ${catalog}.public.album ORDER BY album_id LIMIT 20`);
      for await (const page of pages) if (page.error) throw new Error(page.error.message);
    };
    await timeEach(10, bare);
    const baseline = stats("trino: bare trino-client", await timeEach(TRINO_N, bare));
    const viaGql = stats("trino: gateway GraphQL scan", await timeEach(TRINO_N, gql), baseline);
    const viaRest = stats("trino: gateway REST scan", await timeEach(TRINO_N, rest), baseline);
    return [baseline, viaGql, viaRest];
  } finally {
    await gw.stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);

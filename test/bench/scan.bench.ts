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
import { chinookConnection, DATASET_DB, datasetUrl, ensureMariadbDataset, ensurePostgresDataset } from "../support/datasets";
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
    const mUrl = new URL(mariaBase);
    // Every connection takes at most RATE_WINDOW calls, and none is reused: enough for warm-up, both paths and big scans.
    const count = Math.ceil((N * 2 + 90) / RATE_WINDOW) + 1;
    const pgIds = await connections(gw, (i) => chinookConnection(`bench pg ${i}`, "postgres", pgBase), count);
    const myIds = await connections(gw, (i) => chinookConnection(`bench maria ${i}`, "mariadb", mariaBase), count);
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

    /** One source's rows: scan latency against its bare driver, and the million-row cap. */
    const source = async (name: string, bare: (sql: string) => Promise<unknown>, ids: string[], albums: string) => {
      const on = () => spread(ids);
      await timeEach(20, () => bare(albums));
      await timeEach(20, () => gql(on(), albums));
      const viaBare = stats(`${name}: bare ${name === "postgres" ? "pg" : "mysql2"} driver`, await timeEach(N, () => bare(albums)));
      const latency = [
        viaBare,
        stats(`${name}: gateway GraphQL scan`, await timeEach(N, () => gql(on(), albums)), viaBare),
        stats(`${name}: gateway REST scan`, await timeEach(N, () => rest(on(), albums)), viaBare),
      ];
      const bigBare = stats(`${name}: bare driver, big_table LIMIT 100`, await timeEach(30, () => bare("SELECT * FROM big_table LIMIT 100")));
      const bigScan = stats(`${name}: scan SELECT * FROM big_table (limit 100)`, await timeEach(30, () => gql(on(), "SELECT * FROM big_table", 100)), bigBare);
      const capped = stats(`${name}: scan SELECT * FROM big_table LIMIT 100`, await timeEach(30, () => gql(on(), "SELECT * FROM big_table LIMIT 100", 100)));
      const uncapped = { ...bigScan, case: `${name}: scan without LIMIT vs with LIMIT 100`, baseline: { p50: capped.p50, p99: capped.p99 } };
      return { latency, cap: [bigBare, bigScan, capped, uncapped] };
    };

    const pg = new Client({ connectionString: datasetUrl(pgBase) });
    await pg.connect();
    const pgRows = await source("postgres", (sql) => pg.query(sql), pgIds, "SELECT album_id, title FROM album ORDER BY album_id LIMIT 20");
    await pg.end();
    const my = await mysql.createConnection({ host: mUrl.hostname, port: Number(mUrl.port || 3306), user: decodeURIComponent(mUrl.username || "root"), database: DATASET_DB });
    const myRows = await source("mariadb", (sql) => my.query(sql), myIds, "SELECT AlbumId, Title FROM Album ORDER BY AlbumId LIMIT 20");
    await my.end();

    // Schema listing: uncached (refresh=true) vs cached.
    const listing = (refresh: boolean) => () => gw.http("GET", `/v2/connection/${pgIds[0]}/schema${refresh ? "?refresh=true" : ""}`, { token: gw.a.reader });
    const uncached = stats("schema listing, uncached (refresh=true)", await timeEach(50, listing(true)));
    const cached = stats("schema listing, cached", await timeEach(50, listing(false)), uncached);

    const trinoRows = process.env.TRINO_URL ? await trinoBench(process.env.TRINO_URL, pgBase) : [];

    printTable(`Scan latency (${N} sequential calls each; ratio = gateway / bare driver)`, [...pgRows.latency, ...myRows.latency]);
    if (trinoRows.length) printTable(`Trino engine (${TRINO_N} calls each; ratio = gateway / bare trino-client)`, trinoRows);
    printTable("A million-row table: the cap streams (ratio ≈ 1 means no full read)", [...pgRows.cap, ...myRows.cap]);
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
    // Nine calls per connection after a warm-up call that creates its catalog (creation is paid once, not measured).
    const perConnection = RATE_WINDOW - 1;
    const ids = await connections(gw, (i) => chinookConnection(`bench trino ${i}`, "postgres", pgBase), Math.ceil((TRINO_N * 2) / perConnection) + 1);
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

/**
 * Scan latency against baselines measured in the same run (issue 12):
 *  - per source (PostgreSQL, MariaDB): the bare driver on an open connection, a thin wrapper (thin-wrapper.ts:
 *    node:http + a pooled read-only transaction, its own process), and the gateway (`cli serve`, its own process)
 *    by REST and by GraphQL; plus GraphQL `{ __typename }`, the gateway's floor with no source at all;
 *  - get one connection (REST) against the thin wrapper reading the same row from the metadata store;
 *  - with TRINO_URL, the gateway in Trino mode against the bare trino-client;
 *  - SELECT * FROM a million-row table through scan against the same with LIMIT 100, and the schema listing cached
 *    against uncached.
 * Every HTTP case goes through one keep-alive node:http client (http-client.ts): sequential calls after an untimed
 * warm-up; a gateway case and its baseline are taken in turn, call by call, so neither gains from running later. Prints p50/p99 tables, then PASS/MISS for each goal of issue 12 (a miss does not fail the run).
 *
 * Needs DATABASE_URL, MARIADB_URL and REDIS_URL; TRINO_URL adds Trino. BENCH_N (default 400) timed calls per case,
 * BENCH_TRINO_N (default 100) per Trino case; BENCH_PLOT=1 also writes docs/scan-latency.svg; BENCH_STORE=pglite
 * runs the gateway on the embedded store (no get-one-connection case then: the thin wrapper cannot read that
 * store). Run: npm run bench
 */
import "reflect-metadata";
import fs from "node:fs";
import path from "node:path";
import mysql from "mysql2/promise";
import { Client } from "pg";
import { BasicAuth, Trino } from "trino-client";
import { SCAN_BUDGET } from "../../src/limits";
import { chinookConnection, DATASET_DB, datasetUrl, ensureMariadbDataset, ensurePostgresDataset } from "../support/datasets";
import { ROOT } from "../support/processes";
import { keepAliveClient, type KeepAliveClient } from "./http-client";
import { barChartSvg, type Panel } from "./plot";
import { startRig, type Rig } from "./scan-rig";
import { percentile, printTable, timeEach, type Row } from "./stats";

const N = Number(process.env.BENCH_N ?? 400);
const TRINO_N = Number(process.env.BENCH_TRINO_N ?? 100);
const WARM = 20; // untimed calls before each case: JIT, the keep-alive socket, the servers' pools
const SIDE_N = 30; // calls in the million-row and schema-listing cases
const PER_CONNECTION = SCAN_BUDGET.limit - 1; // after one untimed warm scan: the limiter never answers 429
const ROUND = 10; // connections alive at once: each holds a source session until it is deleted
const ROWS = 20;

// A 20-row Chinook join, as in the issue.
const PG_SQL = "SELECT a.album_id, a.title, r.name FROM album a JOIN artist r ON r.artist_id = a.artist_id ORDER BY a.album_id LIMIT 20";
const MY_SQL = "SELECT a.AlbumId, a.Title, r.Name FROM Album a JOIN Artist r ON r.ArtistId = a.ArtistId ORDER BY a.AlbumId LIMIT 20";
// What a client asks for: the rows, not only their count (the thin wrapper sends them too).
const SCAN_GQL = `query($id: ID!, $q: String!, $l: Int) { scan(connectionId: $id, query: $q, limit: $l) { columns { name dataType } rows rowCount truncated } }`;

const stats = (name: string, samples: number[], baseline?: Row): Row => ({
  case: name,
  p50: percentile(samples, 50),
  p99: percentile(samples, 99),
  baseline: baseline ? { p50: baseline.p50, p99: baseline.p99 } : undefined,
});
const timed = async (n: number, run: () => Promise<unknown>) => (await timeEach(WARM + n, run)).slice(WARM);

/** A source's connections on one gateway, made, warmed and deleted outside the timed calls. */
interface Source {
  name: string;
  sql: string;
  create(count: number): Promise<string[]>;
  warm(id: string): Promise<void>;
  drop(ids: string[]): Promise<void>;
}

function source(name: string, slug: "postgres" | "mariadb", baseUrl: string, sql: string, admin: KeepAliveClient, reader: KeepAliveClient): Source {
  let made = 0;
  return {
    name,
    sql,
    async create(count) {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const res = await admin.call("POST", "/v2/connection", chinookConnection(`bench ${name} ${made++}`, slug, baseUrl));
        if (res.status !== 201) throw new Error(`create connection: ${res.status} ${res.text}`);
        ids.push(JSON.parse(res.text).data.id);
      }
      return ids;
    },
    warm: (id) => reader.ok("POST", `/v2/connection/${id}/scan?limit=${ROWS}`, { query: sql }, `"row_count":${ROWS}`),
    async drop(ids) {
      for (const id of ids) await admin.ok("DELETE", `/v2/connection/${id}`, undefined, "");
    },
  };
}

/**
 * `total` sequential calls, each on a warm connection under its budget: rounds of up to ROUND fresh connections,
 * each opened by one untimed scan, PER_CONNECTION timed calls each, then deleted (closing their source sessions).
 */
async function inRounds(src: Source, total: number, call: (id: string, index: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  while (samples.length < total) {
    const ids = await src.create(Math.min(ROUND, Math.ceil((total - samples.length) / PER_CONNECTION)));
    for (const id of ids) await src.warm(id);
    const count = Math.min(total - samples.length, ids.length * PER_CONNECTION);
    const before = samples.length;
    samples.push(...(await timeEach(count, (i) => call(ids[Math.floor(i / PER_CONNECTION)], before + i))));
    await src.drop(ids);
  }
  return samples;
}

/**
 * Several cases taken in turn, call by call (A B C A B C …), each with n timed calls after WARM untimed ones: the
 * gateway's JIT warming up and the machine's drift touch every case alike, instead of favouring whichever runs last.
 * A call that needs no connection (a baseline) ignores the id; only the gateway's scans count against its budget.
 */
async function interleaved(src: Source, n: number, calls: ((id: string) => Promise<unknown>)[]): Promise<number[][]> {
  return byTurn(await inRounds(src, (WARM + n) * calls.length, (id, i) => calls[i % calls.length](id)), calls.length);
}

/** The same, for calls that need no connection. */
const takeTurns = async (n: number, calls: (() => Promise<unknown>)[]) => byTurn(await timeEach((WARM + n) * calls.length, (i) => calls[i % calls.length]()), calls.length);

/** Samples taken in turn → one list per case, its warm-up calls dropped. */
const byTurn = (all: number[], cases: number) => Array.from({ length: cases }, (_, k) => all.filter((_, i) => i % cases === k).slice(WARM));

const restScan =
  (gw: KeepAliveClient, sql: string, limit = ROWS) =>
  (id: string) =>
    gw.ok("POST", `/v2/connection/${id}/scan?limit=${limit}`, { query: sql }, `"row_count":${limit}`);
const gqlScan =
  (gw: KeepAliveClient, sql: string, limit = ROWS) =>
  (id: string) =>
    gw.ok("POST", "/graphql", { query: SCAN_GQL, variables: { id, q: sql, l: limit } }, `"rowCount":${limit}`);

interface SourceResult {
  bare: Row;
  thin: Row;
  rest: Row;
  gql: Row;
  cap: Row[];
}

/** One source: bare driver, thin wrapper, gateway REST and GraphQL; then the million-row cap. */
async function sourceCases(src: Source, gw: KeepAliveClient, thin: KeepAliveClient, driver: string, bare: (sql: string) => Promise<unknown>): Promise<SourceResult> {
  const n = src.name;
  const viaBare = stats(`${n}: bare ${driver}, open connection`, await timed(N, () => bare(src.sql)));
  const thinScan = () => thin.ok("POST", "/scan", { query: src.sql }, `"row_count":${ROWS}`);
  const [thinSamples, restSamples, gqlSamples] = await interleaved(src, N, [thinScan, restScan(gw, src.sql), gqlScan(gw, src.sql)]);
  const viaThin = stats(`${n}: thin wrapper (÷ bare)`, thinSamples, viaBare);
  const rest = stats(`${n}: gateway REST scan (÷ thin)`, restSamples, viaThin);
  const gql = stats(`${n}: gateway GraphQL scan (÷ thin)`, gqlSamples, viaThin);

  const bigBare = stats(`${n}: bare ${driver}, big_table LIMIT 100`, await timeEach(SIDE_N, () => bare("SELECT * FROM big_table LIMIT 100")));
  const bigScan = stats(`${n}: scan SELECT * FROM big_table, limit 100 (÷ bare)`, await inRounds(src, SIDE_N, gqlScan(gw, "SELECT * FROM big_table", 100)), bigBare);
  const capped = stats(`${n}: scan SELECT * FROM big_table LIMIT 100`, await inRounds(src, SIDE_N, gqlScan(gw, "SELECT * FROM big_table LIMIT 100", 100)));
  const uncapped = { ...bigScan, case: `${n}: scan without LIMIT ÷ with LIMIT 100`, baseline: { p50: capped.p50, p99: capped.p99 } };
  return { bare: viaBare, thin: viaThin, rest, gql, cap: [bigBare, bigScan, capped, uncapped] };
}

interface Results {
  postgres: SourceResult;
  mariadb: SourceResult;
  typename: Row;
  get: { thin: Row; gateway: Row } | null;
  listing: Row[];
  trino: { bare: Row; gql: Row; rest: Row } | null;
}

async function run(rig: Rig, urls: { pg: string; maria: string; trino?: string }): Promise<Results> {
  const myUrl = new URL(urls.maria);
  myUrl.pathname = `/${DATASET_DB}`;
  const served = await rig.gateway();
  const thinPg = await rig.thinWrapper("postgres", datasetUrl(urls.pg));
  const thinMy = await rig.thinWrapper("mariadb", myUrl.toString());
  console.log(`gateway ${served.url}, thin wrappers ${thinPg.url} (pg), ${thinMy.url} (mysql2)`);
  const admin = keepAliveClient(served.url, { authorization: rig.admin });
  const gw = keepAliveClient(served.url, { authorization: rig.reader });
  const tPg = keepAliveClient(thinPg.url, { authorization: rig.reader });
  const tMy = keepAliveClient(thinMy.url, { authorization: rig.reader });
  const pgSrc = source("postgres", "postgres", urls.pg, PG_SQL, admin, gw);
  const mySrc = source("mariadb", "mariadb", urls.maria, MY_SQL, admin, gw);

  const pg = new Client({ connectionString: datasetUrl(urls.pg) });
  await pg.connect();
  const postgres = await sourceCases(pgSrc, gw, tPg, "pg", (sql) => pg.query(sql));
  await pg.end();
  const my = await mysql.createConnection({ host: myUrl.hostname, port: Number(myUrl.port || 3306), user: decodeURIComponent(myUrl.username || "root"), database: DATASET_DB });
  const mariadb = await sourceCases(mySrc, gw, tMy, "mysql2", (sql) => my.query(sql));
  await my.end();

  const typename = stats(
    "gateway GraphQL { __typename }, no source (÷ postgres thin)",
    await timed(N, () => gw.ok("POST", "/graphql", { query: "{ __typename }" }, '"__typename":"Query"')),
    postgres.thin,
  );

  // One connection row: the gateway's REST read against the thin wrapper's one SELECT on the same store.
  const [kept] = await pgSrc.create(1);
  let get: Results["get"] = null;
  if (rig.storeUrl) {
    const [thinSamples, gatewaySamples] = await takeTurns(N, [
      () => tPg.ok("GET", `/connection/${kept}`, undefined, kept),
      () => gw.ok("GET", `/v2/connection/${kept}`, undefined, kept),
    ]);
    const thin = stats("thin wrapper: one row from the metadata store", thinSamples);
    get = { thin, gateway: stats("gateway REST get one connection (÷ thin)", gatewaySamples, thin) };
  }

  // A refreshed listing spends the scan budget like a scan does; a cached one does not.
  const list = (refresh: boolean) => (id: string) => gw.ok("GET", `/v2/connection/${id}/schema${refresh ? "?refresh=true" : ""}`, undefined, "album");
  const uncached = stats("schema listing, uncached (refresh=true)", await inRounds(pgSrc, SIDE_N, list(true)));
  await list(false)(kept);
  const cached = stats("schema listing, cached (÷ uncached)", await timeEach(SIDE_N, () => list(false)(kept)), uncached);
  await pgSrc.drop([kept]);

  for (const c of [admin, gw, tPg, tMy]) c.close();
  // Only one gateway runs at a time: the Trino one does not share the cores with an idle twin.
  for (const s of [served, thinPg, thinMy]) await s.stop();
  const trino = urls.trino ? await trinoCases(rig, urls.trino, urls.pg) : null;
  return { postgres, mariadb, typename, get, listing: [uncached, cached], trino };
}

/** The gateway in Trino mode vs trino-client querying the connection's catalog directly, as the same read-only user. */
async function trinoCases(rig: Rig, trinoUrl: string, pgBase: string) {
  const served = await rig.gateway({ TRINO_URL: trinoUrl });
  const admin = keepAliveClient(served.url, { authorization: rig.admin });
  const gw = keepAliveClient(served.url, { authorization: rig.reader });
  const sql = PG_SQL;
  // Each warm scan creates the connection's catalog (paid once, untimed); deleting the connection drops it.
  const src = source("trino", "postgres", pgBase, sql, admin, gw);
  try {
    const [kept] = await src.create(1);
    await src.warm(kept);
    const catalog = `gw_${kept.replace(/-/g, "")}`;
    const qualified = sql.replace(/FROM album/, `FROM ${catalog}.public.album`).replace(/JOIN artist/, `JOIN ${catalog}.public.artist`);
    const bare = async () => {
      const trino = Trino.create({ server: trinoUrl, auth: new BasicAuth("gateway_scan") });
      const pages = await trino.query(qualified);
      for await (const page of pages) if (page.error) throw new Error(page.error.message);
    };
    const [bareSamples, gqlSamples, restSamples] = await interleaved(src, TRINO_N, [bare, gqlScan(gw, sql), restScan(gw, sql)]);
    const baseline = stats("trino: bare trino-client", bareSamples);
    const viaGql = stats("trino: gateway GraphQL scan (÷ bare)", gqlSamples, baseline);
    const viaRest = stats("trino: gateway REST scan (÷ bare)", restSamples, baseline);
    await src.drop([kept]);
    return { bare: baseline, gql: viaGql, rest: viaRest };
  } finally {
    admin.close();
    gw.close();
    await served.stop();
  }
}

interface Goal {
  what: string;
  ratio: number;
  target: number;
}

/** Issue 12's goals, each a ratio of two figures from this run. */
function goals(r: Results): Goal[] {
  const out: Goal[] = [];
  const ratio = (a: number, b: number) => a / b;
  for (const [name, s] of [
    ["postgres", r.postgres],
    ["mariadb", r.mariadb],
  ] as const) {
    for (const [kind, row] of [
      ["REST", s.rest],
      ["GraphQL", s.gql],
    ] as const) {
      out.push({ what: `${name} ${kind} scan p50 ÷ thin wrapper p50`, ratio: ratio(row.p50, s.thin.p50), target: 2.0 });
      out.push({ what: `${name} ${kind} scan p99 ÷ thin wrapper p99`, ratio: ratio(row.p99, s.thin.p99), target: 2.5 });
    }
  }
  if (r.get) out.push({ what: "get one connection p50 ÷ thin one-row read p50", ratio: ratio(r.get.gateway.p50, r.get.thin.p50), target: 1.5 });
  if (r.trino) {
    out.push({ what: "trino GraphQL scan p50 ÷ bare trino-client p50", ratio: ratio(r.trino.gql.p50, r.trino.bare.p50), target: 1.1 });
    out.push({ what: "trino REST scan p50 ÷ bare trino-client p50", ratio: ratio(r.trino.rest.p50, r.trino.bare.p50), target: 1.1 });
  }
  return out;
}

function printGoals(list: Goal[]): void {
  console.log("\nGoals of issue 12 (a MISS is reported, not failed)");
  console.log("| goal | measured | target | result |");
  console.log("|---|---:|---:|---|");
  for (const g of list) console.log(`| ${g.what} | ${g.ratio.toFixed(2)}× | ≤ ${g.target.toFixed(1)}× | ${g.ratio <= g.target ? "PASS" : "MISS"} |`);
}

/** p50 of every latency case, one panel per source, the dashed line at the goal's limit. */
function plot(r: Results): string {
  const bar = (label: string, row: Row) => ({ label, value: row.p50 });
  const scanPanel = (title: string, s: SourceResult, driver: string): Panel => ({
    title,
    bars: [bar(`bare ${driver}`, s.bare), bar("thin wrapper", s.thin), bar("gateway REST scan", s.rest), bar("gateway GraphQL scan", s.gql)],
    reference: { value: 2 * s.thin.p50, label: "goal: 2× thin wrapper" },
  });
  const panels: Panel[] = [
    scanPanel("PostgreSQL: 20-row Chinook join", r.postgres, "pg"),
    scanPanel("MariaDB: 20-row Chinook join", r.mariadb, "mysql2"),
    r.get
      ? {
          title: "Metadata store (PostgreSQL): one connection",
          bars: [bar("thin wrapper one-row read", r.get.thin), bar("gateway REST get", r.get.gateway), bar("gateway GraphQL { __typename }", r.typename)],
          reference: { value: 1.5 * r.get.thin.p50, label: "goal: 1.5× thin read" },
        }
      : { title: "No source", bars: [bar("gateway GraphQL { __typename }", r.typename)] },
  ];
  if (r.trino) {
    panels.push({
      title: "Trino: the same join on PostgreSQL",
      bars: [bar("bare trino-client", r.trino.bare), bar("gateway REST scan", r.trino.rest), bar("gateway GraphQL scan", r.trino.gql)],
      reference: { value: 1.1 * r.trino.bare.p50, label: "goal: 1.1× bare" },
    });
  }
  return barChartSvg(`Scan latency, p50 of ${N} sequential calls (each panel its own scale)`, "ms", panels);
}

async function main(): Promise<void> {
  const { DATABASE_URL: pg, MARIADB_URL: maria, REDIS_URL: redis, TRINO_URL: trino } = process.env;
  if (!pg || !maria || !redis) throw new Error("bench needs DATABASE_URL, MARIADB_URL and REDIS_URL");
  await ensurePostgresDataset(pg);
  await ensureMariadbDataset(maria);
  // The metadata store production uses (PostgreSQL); BENCH_STORE=pglite measures the embedded mode instead.
  const store = process.env.BENCH_STORE === "pglite" ? "pglite" : "postgres";
  console.log(`metadata store: ${store}`);
  const rig = await startRig(pg, redis, store);
  let r: Results;
  try {
    r = await run(rig, { pg, maria, trino });
  } finally {
    await rig.close();
  }
  printTable(`Scan latency (${N} sequential calls each after ${WARM} untimed; ratio = against the baseline named in the case)`, [
    ...[r.postgres, r.mariadb].flatMap((s) => [s.bare, s.thin, s.rest, s.gql]),
    r.typename,
  ]);
  if (r.get) printTable(`Get one connection (${N} calls each)`, [r.get.thin, r.get.gateway]);
  if (r.trino) printTable(`Trino engine (${TRINO_N} calls each)`, [r.trino.bare, r.trino.gql, r.trino.rest]);
  printTable(`A million-row table: the cap streams (${SIDE_N} calls each; ratio ≈ 1 means no full read)`, [...r.postgres.cap, ...r.mariadb.cap]);
  printTable(`Schema listing (${SIDE_N} calls each)`, r.listing);
  printGoals(goals(r));
  if (process.env.BENCH_PLOT === "1") {
    const file = path.join(ROOT, "docs/scan-latency.svg");
    fs.writeFileSync(file, plot(r));
    console.log(`\nwrote ${path.relative(ROOT, file)}`);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);

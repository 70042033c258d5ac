/**
 * The embedded store's cost, against baselines in the same run:
 *  - PGlite called in process (what a statement costs with nothing around it);
 *  - PGlite behind pglite-socket's own server in process, over TCP (the design before the worker thread);
 *  - the gateway's EmbeddedPostgres: PGlite in a worker thread, one statement queue, pg over a Unix socket.
 * Each runs SELECT 1, a parameterised lookup by primary key in a 10,000-row table (what a token lookup is), and a
 * 20-row page; then the event loop's worst lag during a 3 s statement, and the time to stop a runaway and serve again.
 * Run: npm run bench:embedded
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import pg from "pg";
import { EmbeddedPostgres } from "../../src/datasources/store/embedded/embedded-postgres";
import { percentile, printTable, timeEach, worstLag, type Row } from "./stats";

const N = Number(process.env.BENCH_N ?? 1_000);
const SETUP = `CREATE TABLE tokens (id uuid PRIMARY KEY, hash text NOT NULL, account uuid NOT NULL);
  INSERT INTO tokens SELECT md5(g::text)::uuid, md5('h' || g), md5('a' || (g % 50))::uuid FROM generate_series(1, 10000) g`;
const LOOKUP = "SELECT id, account FROM tokens WHERE id = $1";
const PAGE = "SELECT id, hash FROM tokens ORDER BY id LIMIT 20";

type Query = (sql: string, params?: unknown[]) => Promise<unknown>;

async function measure(name: string, query: Query, baselines?: Row[]): Promise<Row[]> {
  const ids = (await query("SELECT id FROM tokens ORDER BY random() LIMIT 1000")) as { id: string }[];
  await timeEach(100, () => query("SELECT 1")); // warm-up
  const cases: [string, (i: number) => Promise<unknown>][] = [
    ["SELECT 1", () => query("SELECT 1")],
    ["lookup by key", (i) => query(LOOKUP, [ids[i % ids.length].id])],
    ["20-row page", () => query(PAGE)],
  ];
  const rows: Row[] = [];
  for (const [i, [label, run]] of cases.entries()) {
    const samples = await timeEach(N, run);
    const base = baselines?.[i];
    rows.push({ case: `${name}: ${label}`, p50: percentile(samples, 50), p99: percentile(samples, 99), baseline: base ? { p50: base.p50, p99: base.p99 } : undefined });
  }
  return rows;
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "gw-bench-embedded-"));
  try {
    // In process.
    const bare = await PGlite.create(path.join(root, "bare"));
    await bare.exec(SETUP);
    const inProcess = await measure("PGlite in process", (sql, params) => bare.query(sql, params).then((r) => r.rows));
    const lagInProcess = await worstLag(() => bare.query("SELECT pg_sleep(3)"));

    // pglite-socket in process, over TCP: the design before this one.
    const socketServer = new PGLiteSocketServer({ db: bare, host: "127.0.0.1", port: 0, maxConnections: 1 });
    await socketServer.start();
    const [host, port] = socketServer.getServerConn().split(":");
    const before = new pg.Client({ host, port: Number(port), user: "postgres", database: "postgres" });
    await before.connect();
    const socketInProcess = await measure("in process + pglite-socket (TCP)", (sql, params) => before.query(sql, params).then((r) => r.rows), inProcess);
    await before.end();
    await socketServer.stop();
    await bare.close();

    // The gateway's: a worker thread behind the statement queue, over a Unix socket.
    let restartMs = 0;
    const embedded = await EmbeddedPostgres.start({
      dir: path.join(root, "threaded"),
      listen: { socketDir: root },
      maxConnections: 4,
      statementTimeoutMs: 5_000,
      name: "bench database",
      onRestart: (e) => (restartMs = e.restartMs),
    });
    const pool = new pg.Pool({ host: embedded.host, port: embedded.port, user: "postgres", database: "postgres", max: 1 });
    pool.on("error", () => undefined);
    await pool.query(SETUP);
    const threaded = await measure("worker thread + queue (Unix socket)", (sql, params) => pool.query(sql, params).then((r) => r.rows), inProcess);
    const lagThreaded = await worstLag(() => pool.query("SELECT pg_sleep(3)"));
    const stopped = performance.now();
    await pool.query("SELECT pg_sleep(100)").catch(() => undefined);
    const answeredAfter = performance.now() - stopped;
    const back = performance.now();
    await pool.query("SELECT 1");
    const servingAgainAfter = performance.now() - back;
    await pool.end();
    await embedded.close();

    printTable(`Embedded store statements (${N} each, sequential, one connection)`, [...inProcess, ...socketInProcess, ...threaded]);
    console.log("\n| during a 3 s statement | worst event-loop lag of the caller |");
    console.log("|---|---:|");
    console.log(`| PGlite in process | ${lagInProcess.toFixed(0)} ms |`);
    console.log(`| worker thread | ${lagThreaded.toFixed(0)} ms |`);
    console.log(
      `\nrunaway (statement timeout 5000 ms): answered 57014 after ${answeredAfter.toFixed(0)} ms; thread reopened in ${restartMs} ms; next statement answered ${servingAgainAfter.toFixed(0)} ms after the error`,
    );
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

/**
 * Load across two gateway processes, driven by autocannon. Shared by the benchmark (test/bench/load.bench.ts, long
 * runs) and the CI test (test/e2e/load.test.ts, small bounded counts); no test-runner imports here.
 *
 * The rig: a scratch PostgreSQL database as metadata store, two real `cli serve` processes sharing it and Redis, an
 * account and admin token made with the CLI, connections to the Chinook dataset (gw_chinook) on PostgreSQL. Each
 * case runs two autocannon instances in parallel, one per gateway, with half the connections each (c = 1: one
 * connection, on instance A only). Latency is recorded per response (float ms, not autocannon's 1 ms buckets).
 *
 * Baselines, measured in the same run at the same concurrency: for the HTTP cases, two bare node:http processes
 * answering a fixed JSON body (the floor of HTTP and of the load generator on this machine); for scans, the same
 * SELECT through the bare pg driver on a warm pool (c callers, min(c, 16) clients).
 *
 * Scans are rate-limited at 10 per 10 s per account and connection, and the gateway keeps one source pool per
 * connection (up to 4 clients, idle for 30 s). A scan case therefore runs in rounds: each round creates a fresh set
 * of connections, each through the instance that will scan it, warms each pool with one scan, fires the other 9 of
 * each connection's budget as fast as the gateways take them, then deletes the set through the same instance (which
 * closes its pool), so source backends stay bounded (PostgreSQL here allows 100). Any 429 is counted separately.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { Client, Pool } from "pg";
import { Redis } from "ioredis";
import { createScratchDatabase, randomKeyRing } from "../support/databases";
import { chinookConnection, DATASET_DB, datasetUrl } from "../support/datasets";
import { apiClient, provision, sleep } from "../support/faults";
import { CLI, reapOnExit, serve, type Served } from "../support/processes";
import { percentile } from "./stats";

// autocannon ships no types: the part used here.
interface AcRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: AcRequest, context: Record<string, unknown>) => AcRequest;
  onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string>) => void;
}
interface AcOptions {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  timeout?: number;
  sampleInt?: number;
  headers?: Record<string, string>;
  requests: AcRequest[];
}
interface AcResult {
  errors: number;
  timeouts: number;
}
interface AcInstance extends PromiseLike<AcResult> {
  on(event: "response", listener: (client: unknown, status: number, bytes: number, ms: number) => void): AcInstance;
  on(event: "reqError", listener: (error: Error) => void): AcInstance;
}
// autocannon ships no types (its part used here is declared above), so it is required rather than imported.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require("autocannon") as (options: AcOptions) => AcInstance;

/** A case runs for a time (benchmark) or for a number of requests (CI). */
export type Load = { seconds: number } | { requests: number };

export interface LoadOptions {
  pgBase: string;
  redisUrl: string;
  /** Total concurrency (autocannon connections, split over the two instances). */
  levels: number[];
  /** HTTP cases and the bare pg baseline. */
  load: Load;
  /** Scans: rounds per case, and connections per round (each takes 9 measured scans after 1 warm-up scan). */
  scanRounds: number;
  scanConnections: number;
  /** Scans fired at one connection for the rate-limit check (alternating instances, REST and GraphQL). */
  rateLimitScans: number;
  log?: (line: string) => void;
}

export interface CaseResult {
  name: string;
  group: "http" | "scan";
  baseline: boolean;
  concurrency: number;
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  /** Responses outside 2xx, 429s among them. */
  non2xx: number;
  limited: number;
  /** Socket errors and timeouts (autocannon) or driver errors (bare pg). */
  errors: number;
  /** 2xx responses whose body was not the expected answer (a GraphQL error under 200, a short scan). */
  badBodies: number;
  served: [number, number];
  /** Peak VmRSS sampled during the case (MB), per process; null for the bare pg baseline. */
  peakRssMb: [number, number] | null;
  /** Distinct response bodies per instance (REST request_id removed): one and the same when both agree. */
  bodies: [string[], string[]];
  /** Peak client backends on gw_chinook during the case (every client of the server, not only these gateways). */
  sourceBackends?: number;
  /** Non-2xx statuses and error kinds with their counts, and the first such answer. */
  failures: Record<string, number>;
  firstFailure?: string;
  /** CPU used during the case, in cores (2 here): where the machine's time went. */
  cpu: Cpu;
}

/** Cores used: both gateways, this process (load generator or bare driver), PostgreSQL and Redis, everything else. */
export interface Cpu {
  gateways: number;
  client: number;
  db: number;
  other: number;
}

/** While measuring: the latencies too, so that rounds merge into exact percentiles. */
type Measured = CaseResult & { samples: number[] };

export interface RateLimitResult {
  fired: number;
  ok: number;
  limited: number;
  other: number;
  /** 429s without an integer Retry-After from 1 to 10. */
  badRetryAfter: number;
  retryAfter: string[];
  perInstance: { ok: number; limited: number }[];
  perPath: { rest: { ok: number; limited: number }; graphql: { ok: number; limited: number } };
  ms: number;
}

export interface LoadReport {
  options: Omit<LoadOptions, "pgBase" | "redisUrl" | "log">;
  cases: CaseResult[];
  rateLimit: RateLimitResult;
  rss: { startMb: [number, number]; hwmMb: [number, number] };
  maxConnections: number;
}

const SCAN_SQL = "SELECT album_id, title FROM album ORDER BY album_id LIMIT 20";
const SCAN_ROWS = 20;
const SCAN_BUDGET = 10; // per connection per 10 s window (API.md)
const BARE_POOL_MAX = 16;
const LIST_CONNECTIONS = 10;
const CONNECTION_FIELDS =
  "id accountId label description connectionConfigId connectionConfigSlug config created updated deleted authorId updatedByUserId embedding { state progress tableCount model error updatedAt }";
const LIST_GQL = JSON.stringify({ query: `{ connections { ${CONNECTION_FIELDS} } }` });
const GET_GQL = `query($id: ID!) { connection(id: $id) { ${CONNECTION_FIELDS} } }`;
const SCAN_GQL = `query($id: ID!, $q: String!) { scan(connectionId: $id, query: $q, limit: ${SCAN_ROWS}) { columns { name dataType } rows rowCount truncated } }`;
const SCAN_REST_BODY = JSON.stringify({ query: SCAN_SQL });

/** Two bare node:http processes: the same HTTP and load generator, no gateway work. */
const NOOP_SERVER = `
const http = require("node:http");
const body = '{"data":[],"status":200}';
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 65000;
server.listen(0, "127.0.0.1", () => console.log("listening on http://127.0.0.1:" + server.address().port));
`;

function rssOf(pid: number): { rss: number; hwm: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
}

const CLOCK_TICKS = 100; // USER_HZ: the unit of /proc CPU times on Linux

/** utime + stime of a process, in clock ticks (0 once it is gone). */
function ticksOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** Every PostgreSQL and Redis process on the machine, by pid. */
function dbTicks(): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = fs.readFileSync(`/proc/${entry}/comm`, "utf8").trim();
      if (comm === "postgres" || comm === "redis-server") out.set(Number(entry), ticksOf(Number(entry)));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

function machineBusyTicks(): number {
  const [, ...f] = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
  return f[0] + f[1] + f[2] + f[5] + f[6] + f[7]; // user nice system irq softirq steal
}

/** Starts measuring; the returned function gives the cores each part used since. */
function cpuMeter(gatewayPids: number[]): () => Cpu {
  const started = process.hrtime.bigint();
  const gw0 = gatewayPids.reduce((n, pid) => n + ticksOf(pid), 0);
  const me0 = ticksOf(process.pid);
  const db0 = dbTicks();
  const busy0 = machineBusyTicks();
  return () => {
    const ticks = (Number(process.hrtime.bigint() - started) / 1e9) * CLOCK_TICKS;
    const gateways = gatewayPids.reduce((n, pid) => n + ticksOf(pid), 0) - gw0;
    const client = ticksOf(process.pid) - me0;
    let db = 0;
    for (const [pid, t] of dbTicks()) db += t - (db0.get(pid) ?? 0);
    const busy = machineBusyTicks() - busy0;
    return { gateways: gateways / ticks, client: client / ticks, db: db / ticks, other: Math.max(0, busy - gateways - client - db) / ticks };
  };
}

/** Splits c connections (and a request count) over the two instances: half each; c = 1 goes to A. */
function split(total: number, c: number): [number, number] {
  const a = Math.ceil(c / 2);
  const first = c === 1 ? total : Math.round((total * a) / c);
  return [first, total - first];
}

interface Instance {
  name: "A" | "B";
  served: Served;
  url: string;
  pid: number;
}

interface Rig {
  gateways: [Instance, Instance];
  noops: [Instance, Instance];
  token: string; // admin token of the load account: list, get, scans
  listIds: string[];
  monitor: Client;
  log: (line: string) => void;
}

/** One call to one instance, with the token (the same client the fault suite uses). */
const call = (url: string, token: string, method: string, path: string, body?: unknown) => apiClient(() => url, token)(method, path, body);

async function inBatches<T, R>(items: T[], width: number, run: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await run(items[i], i);
      }
    }),
  );
  return out;
}

async function createConnections(rig: Rig, pgBase: string, via: Instance, count: number, label: string): Promise<string[]> {
  return inBatches(
    Array.from({ length: count }, (_, i) => i),
    4,
    async (i) => {
      const body = chinookConnection(`${label} ${via.name}${i}`, "postgres", pgBase);
      const res = await call(via.url, rig.token, "POST", "/v2/connection", body);
      if (res.status !== 201) throw new Error(`create connection via ${via.name}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.data.id as string;
    },
  );
}

const normalise = (body: string) => body.replace(/"request_id":"[^"]*"/, '"request_id":"-"');

interface CaseSpec {
  name: string;
  group: "http" | "scan";
  baseline: boolean;
  /** The request for instance i (0 = A, 1 = B). */
  request(i: 0 | 1): AcRequest;
  /** True when a 2xx body is the expected answer. */
  verify(body: string): boolean;
}

/** One autocannon instance per target, in parallel; float latencies from every response. */
async function fire(targets: [Instance, Instance], spec: CaseSpec, c: number, load: Load, headers: Record<string, string>, rssPids: number[]): Promise<Measured> {
  const conns = split(c, c);
  const amounts = "requests" in load ? split(load.requests, c) : null;
  const samples: number[] = [];
  const served: [number, number] = [0, 0];
  const bodies: [Set<string>, Set<string>] = [new Set(), new Set()];
  let non2xx = 0;
  let limited = 0;
  let badBodies = 0;
  const failures: Record<string, number> = {};
  let firstFailure: string | undefined;
  const fail = (kind: string, detail: string) => {
    failures[kind] = (failures[kind] ?? 0) + 1;
    firstFailure ??= `${kind}: ${detail.slice(0, 300)}`;
  };
  const peak = rssPids.map(() => 0);
  const sampleRss = () => rssPids.forEach((pid, i) => (peak[i] = Math.max(peak[i], rssOf(pid).rss)));
  sampleRss();
  const sampler = setInterval(sampleRss, 100);
  const cpu = cpuMeter(targets.map((t) => t.pid));
  const started = process.hrtime.bigint();
  let last = started;
  const runs = await Promise.all(
    targets.map(async (target, i) => {
      if (conns[i] === 0 || (amounts && amounts[i] === 0)) return { errors: 0, timeouts: 0 };
      const request = spec.request(i as 0 | 1);
      const instance = autocannon({
        url: target.url,
        connections: amounts ? Math.min(conns[i], amounts[i]) : conns[i],
        ...("seconds" in load ? { duration: load.seconds } : { amount: amounts![i] }),
        timeout: 10,
        // autocannon notices the end of a run at its next tick: 1 s by default, which would pad short runs.
        sampleInt: 50,
        headers,
        requests: [
          {
            ...request,
            onResponse: (status, body) => {
              if (status >= 200 && status < 300) {
                if (!spec.verify(body)) {
                  badBodies++;
                  fail("wrong body", body);
                }
                bodies[i].add(normalise(body));
              } else fail(String(status), body);
            },
          },
        ],
      });
      instance.on("response", (_client, status, _bytes, ms) => {
        last = process.hrtime.bigint();
        samples.push(ms);
        served[i]++;
        if (status < 200 || status >= 300) non2xx++;
        if (status === 429) limited++;
      });
      instance.on("reqError", (error) => fail(`socket: ${error.message}`, `instance ${target.name}`));
      return instance;
    }),
  );
  // Up to the last response: the run's own time, without autocannon's wind-down.
  const seconds = Number(last - started) / 1e9;
  const used = cpu();
  clearInterval(sampler);
  sampleRss();
  const requests = served[0] + served[1];
  return {
    name: spec.name,
    group: spec.group,
    baseline: spec.baseline,
    concurrency: c,
    requests,
    seconds,
    rps: requests / seconds,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    non2xx,
    limited,
    errors: runs.reduce((n, r) => n + r.errors + r.timeouts, 0),
    badBodies,
    served,
    peakRssMb: [peak[0], peak[1]],
    bodies: [[...bodies[0]], [...bodies[1]]],
    failures,
    firstFailure,
    cpu: used,
    samples,
  };
}

/** The same SELECT on the bare pg driver: c callers sharing a warm pool of min(c, 16) clients. */
async function barePg(pgBase: string, c: number, load: Load, gatewayPids: number[]): Promise<Measured> {
  const pool = new Pool({ connectionString: datasetUrl(pgBase), max: Math.min(c, BARE_POOL_MAX) });
  try {
    await Promise.all(Array.from({ length: Math.min(c, BARE_POOL_MAX) }, () => pool.query(SCAN_SQL)));
    const samples: number[] = [];
    let errors = 0;
    let bad = 0;
    let issued = 0;
    let firstFailure: string | undefined;
    const cpu = cpuMeter(gatewayPids);
    const started = process.hrtime.bigint();
    const deadline = "seconds" in load ? Date.now() + load.seconds * 1000 : Infinity;
    const more = () => ("requests" in load ? issued < load.requests : Date.now() < deadline);
    await Promise.all(
      Array.from({ length: c }, async () => {
        while (more()) {
          issued++;
          const t = process.hrtime.bigint();
          try {
            const r = await pool.query(SCAN_SQL);
            if (r.rowCount !== SCAN_ROWS) bad++;
          } catch (error) {
            errors++;
            firstFailure ??= (error as Error).message;
          }
          samples.push(Number(process.hrtime.bigint() - t) / 1e6);
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const used = cpu();
    return {
      name: "scan: bare pg driver",
      group: "scan",
      baseline: true,
      concurrency: c,
      requests: samples.length,
      seconds,
      rps: samples.length / seconds,
      p50: percentile(samples, 50),
      p99: percentile(samples, 99),
      non2xx: 0,
      limited: 0,
      errors,
      badBodies: bad,
      served: [samples.length, 0],
      peakRssMb: null,
      bodies: [[], []],
      failures: errors ? { "driver error": errors } : {},
      firstFailure,
      cpu: used,
      samples,
    };
  } finally {
    await pool.end();
  }
}

/** Peak client backends on gw_chinook, sampled while `run` runs. */
async function watchBackends<T>(monitor: Client, run: () => Promise<T>): Promise<{ value: T; peak: number }> {
  let peak = 0;
  let stop = false;
  const sampling = (async () => {
    while (!stop) {
      const r = await monitor.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'", [DATASET_DB]);
      peak = Math.max(peak, r.rows[0].n);
      await sleep(100);
    }
  })();
  try {
    return { value: await run(), peak };
  } finally {
    stop = true;
    await sampling;
  }
}

/**
 * A scan case: rounds of fresh connection sets, each connection created, warmed (one scan) and deleted through the
 * instance that scans it, 9 measured scans each, handed out round-robin so concurrent scans hit different connections.
 */
async function scanCase(rig: Rig, pgBase: string, kind: "REST" | "GraphQL", c: number, options: LoadOptions): Promise<Measured> {
  const perRound = split(options.scanConnections, c);
  const measured = SCAN_BUDGET - 1;
  const rounds: Measured[] = [];
  for (let round = 0; round < options.scanRounds; round++) {
    const sets = await Promise.all(rig.gateways.map((g, i) => createConnections(rig, pgBase, g, perRound[i], `load scan c${c} r${round}`)));
    const warm = await Promise.all(
      rig.gateways.map((g, i) => inBatches(sets[i], 4, (id) => call(g.url, rig.token, "POST", `/v2/connection/${id}/scan?limit=${SCAN_ROWS}`, { query: SCAN_SQL }))),
    );
    const failedWarm = warm.flat().find((r) => r.status !== 200);
    if (failedWarm) throw new Error(`warm-up scan: ${failedWarm.status} ${JSON.stringify(failedWarm.body)}`);
    const cursors = [0, 0];
    const used = sets.map((ids) => ids.map(() => 0));
    const pick = (i: 0 | 1): string => {
      const ids = sets[i];
      for (let tries = 0; tries < ids.length; tries++) {
        const j = cursors[i]++ % ids.length;
        if (used[i][j] < measured) {
          used[i][j]++;
          return ids[j];
        }
      }
      return ids[cursors[i]++ % ids.length]; // over budget: shows up as a counted 429
    };
    const spec: CaseSpec = {
      name: `scan: gateway ${kind}`,
      group: "scan",
      baseline: false,
      request: (i) =>
        kind === "REST"
          ? { method: "POST", body: SCAN_REST_BODY, setupRequest: (req) => ({ ...req, path: `/v2/connection/${pick(i)}/scan?limit=${SCAN_ROWS}` }) }
          : { method: "POST", path: "/graphql", setupRequest: (req) => ({ ...req, body: JSON.stringify({ query: SCAN_GQL, variables: { id: pick(i), q: SCAN_SQL } }) }) },
      verify: (body) => body.includes(kind === "REST" ? `"row_count":${SCAN_ROWS}` : `"rowCount":${SCAN_ROWS}`) && !body.includes('"errors"'),
    };
    const amount = sets[0].length * measured + sets[1].length * measured;
    const { value, peak } = await watchBackends(rig.monitor, () =>
      fire(
        rig.gateways,
        spec,
        c,
        { requests: amount },
        { authorization: rig.token, "content-type": "application/json" },
        rig.gateways.map((g) => g.pid),
      ),
    );
    value.sourceBackends = peak;
    rounds.push(value);
    await Promise.all(
      rig.gateways.map((g, i) =>
        inBatches(sets[i], 4, async (id) => {
          const res = await call(g.url, rig.token, "DELETE", `/v2/connection/${id}`);
          if (res.status !== 200) throw new Error(`delete ${id}: ${res.status}`);
        }),
      ),
    );
  }
  return mergeRounds(rounds);
}

/** Rounds of one case as one row: throughput over the summed run time, percentiles over every sample. */
function mergeRounds(rounds: Measured[]): Measured {
  if (rounds.length === 1) return rounds[0];
  const sum = (f: (r: Measured) => number) => rounds.reduce((n, r) => n + f(r), 0);
  const requests = sum((r) => r.requests);
  const seconds = sum((r) => r.seconds);
  const samples = rounds.flatMap((r) => r.samples);
  return {
    ...rounds[0],
    requests,
    seconds,
    rps: requests / seconds,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    samples,
    non2xx: sum((r) => r.non2xx),
    limited: sum((r) => r.limited),
    errors: sum((r) => r.errors),
    badBodies: sum((r) => r.badBodies),
    served: [sum((r) => r.served[0]), sum((r) => r.served[1])],
    peakRssMb: [Math.max(...rounds.map((r) => r.peakRssMb![0])), Math.max(...rounds.map((r) => r.peakRssMb![1]))],
    bodies: [[...new Set(rounds.flatMap((r) => r.bodies[0]))], [...new Set(rounds.flatMap((r) => r.bodies[1]))]],
    sourceBackends: Math.max(...rounds.map((r) => r.sourceBackends ?? 0)),
    failures: rounds.reduce<Record<string, number>>((all, r) => {
      for (const [k, n] of Object.entries(r.failures)) all[k] = (all[k] ?? 0) + n;
      return all;
    }, {}),
    firstFailure: rounds.find((r) => r.firstFailure)?.firstFailure,
    cpu: {
      gateways: sum((r) => r.cpu.gateways * r.seconds) / seconds,
      client: sum((r) => r.cpu.client * r.seconds) / seconds,
      db: sum((r) => r.cpu.db * r.seconds) / seconds,
      other: sum((r) => r.cpu.other * r.seconds) / seconds,
    },
  };
}

/** Fires `n` scans at one new connection, alternating instances (and REST / GraphQL), all at once. */
async function rateLimitCheck(rig: Rig, pgBase: string, n: number): Promise<RateLimitResult> {
  const [id] = await createConnections(rig, pgBase, rig.gateways[0], 1, "load rate limit");
  const started = process.hrtime.bigint();
  const results = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const g = rig.gateways[i % 2];
      const rest = Math.floor(i / 2) % 2 === 0;
      const res = rest
        ? await call(g.url, rig.token, "POST", `/v2/connection/${id}/scan?limit=1`, { query: "SELECT 1 AS one" })
        : await call(g.url, rig.token, "POST", "/graphql", {
            query: `query($id: ID!) { scan(connectionId: $id, query: "SELECT 1 AS one", limit: 1) { rowCount } }`,
            variables: { id },
          });
      const code = rest ? res.body?.errors?.[0]?.code : res.body?.errors?.[0]?.extensions?.code;
      const ok = res.status === 200 && (rest ? res.body?.data?.row_count === 1 : res.body?.data?.scan?.rowCount === 1);
      const limited = res.status === 429 && code === "RATE_LIMITED";
      return { instance: i % 2, rest, ok, limited, retryAfter: res.headers.get("retry-after") };
    }),
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  await call(rig.gateways[0].url, rig.token, "DELETE", `/v2/connection/${id}`);
  const count = (f: (r: (typeof results)[number]) => boolean) => results.filter(f).length;
  const limitedOnes = results.filter((r) => r.limited);
  return {
    fired: n,
    ok: count((r) => r.ok),
    limited: limitedOnes.length,
    other: count((r) => !r.ok && !r.limited),
    badRetryAfter: limitedOnes.filter((r) => !/^(10|[1-9])$/.test(r.retryAfter ?? "")).length,
    retryAfter: [...new Set(limitedOnes.map((r) => String(r.retryAfter)))].sort(),
    perInstance: [0, 1].map((i) => ({ ok: count((r) => r.instance === i && r.ok), limited: count((r) => r.instance === i && r.limited) })),
    perPath: {
      rest: { ok: count((r) => r.rest && r.ok), limited: count((r) => r.rest && r.limited) },
      graphql: { ok: count((r) => !r.rest && r.ok), limited: count((r) => !r.rest && r.limited) },
    },
    ms,
  };
}

async function start(command: string, args: string[], env: Record<string, string>, name: "A" | "B"): Promise<Instance> {
  const served = reapOnExit(await serve(command, args, env));
  return { name, served, url: served.url, pid: served.child.pid! };
}

/** Starts the rig, runs every case at every level, checks the rate limit across instances, and takes it all down. */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const log = options.log ?? (() => undefined);
  const cleanups: (() => Promise<unknown>)[] = [];
  const prefix = `gwload${randomBytes(4).toString("hex")}`;
  try {
    const scratch = await createScratchDatabase(options.pgBase);
    cleanups.push(() => scratch.drop());
    const env = {
      DATABASE_URL: scratch.url,
      REDIS_URL: options.redisUrl,
      ENCRYPTION_KEYS: randomKeyRing(),
      ALLOWED_HOSTS: "127.0.0.1",
      PORT: "0",
      DEMO: "false",
      LOG_LEVEL: "warn",
      // Its own queue prefix: no other worker picks up these connections' embedding jobs, and cleanup finds them.
      QUEUE_PREFIX: prefix,
    };
    cleanups.push(async () => {
      const redis = new Redis(options.redisUrl, { lazyConnect: true });
      await redis.connect();
      try {
        for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 }) as AsyncIterable<string[]>) if (keys.length) await redis.del(...keys);
      } finally {
        await redis.quit();
      }
    });
    const { token } = await provision(env);

    const gateways = await Promise.all([start(process.execPath, [CLI, "serve"], env, "A"), start(process.execPath, [CLI, "serve"], env, "B")]);
    cleanups.push(() => Promise.all(gateways.map((g) => g.served.stop())));
    const noops = await Promise.all([start(process.execPath, ["-e", NOOP_SERVER], {}, "A"), start(process.execPath, ["-e", NOOP_SERVER], {}, "B")]);
    cleanups.push(() => Promise.all(noops.map((g) => g.served.stop())));
    const startMb: [number, number] = [rssOf(gateways[0].pid).rss, rssOf(gateways[1].pid).rss];
    log(`gateways A ${gateways[0].url} (pid ${gateways[0].pid}), B ${gateways[1].url} (pid ${gateways[1].pid})`);

    const monitor = new Client({ connectionString: options.pgBase });
    await monitor.connect();
    cleanups.push(() => monitor.end());
    const maxConnections = Number((await monitor.query("SHOW max_connections")).rows[0].max_connections);

    const rig: Rig = { gateways, noops, token, listIds: [], monitor, log };
    rig.listIds = await createConnections(rig, options.pgBase, gateways[0], LIST_CONNECTIONS, "load list");
    const getId = rig.listIds[0];

    const rateLimit = await rateLimitCheck(rig, options.pgBase, options.rateLimitScans);
    log(`rate limit: ${rateLimit.ok} ok, ${rateLimit.limited} limited of ${rateLimit.fired} in ${rateLimit.ms.toFixed(0)} ms`);

    const restOk = (body: string) => body.startsWith('{"data":');
    const gqlOk = (body: string) => body.startsWith('{"data":{') && !body.includes('"errors"');
    const httpCases: CaseSpec[] = [
      { name: "bare node:http no-op", group: "http", baseline: true, request: () => ({ method: "GET", path: "/v2/connection" }), verify: restOk },
      { name: "list connections: REST", group: "http", baseline: false, request: () => ({ method: "GET", path: "/v2/connection" }), verify: restOk },
      { name: "list connections: GraphQL", group: "http", baseline: false, request: () => ({ method: "POST", path: "/graphql", body: LIST_GQL }), verify: gqlOk },
      { name: "get one connection: REST", group: "http", baseline: false, request: () => ({ method: "GET", path: `/v2/connection/${getId}` }), verify: restOk },
      {
        name: "get one connection: GraphQL",
        group: "http",
        baseline: false,
        request: () => ({ method: "POST", path: "/graphql", body: JSON.stringify({ query: GET_GQL, variables: { id: getId } }) }),
        verify: gqlOk,
      },
    ];
    const headers = { authorization: token, "content-type": "application/json" };

    // Warm-up (not recorded): JIT, keep-alive sockets, the metadata store's pool.
    for (const spec of httpCases) await fire(spec.baseline ? noops : gateways, spec, 4, { requests: 200 }, headers, []);

    const cases: CaseResult[] = [];
    for (const c of options.levels) {
      for (const spec of httpCases) {
        const targets = spec.baseline ? noops : gateways;
        const { samples: _s, ...r } = await fire(
          targets,
          spec,
          c,
          options.load,
          headers,
          targets.map((t) => t.pid),
        );
        cases.push(r);
        log(`c=${c} ${r.name}: ${r.requests} requests, ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms`);
      }
      const { samples: _b, ...bare } = await barePg(
        options.pgBase,
        c,
        options.load,
        gateways.map((g) => g.pid),
      );
      cases.push(bare);
      log(`c=${c} ${bare.name}: ${bare.requests} queries, ${bare.rps.toFixed(0)} q/s, p50 ${bare.p50.toFixed(2)} ms`);
      for (const kind of ["REST", "GraphQL"] as const) {
        const { samples: _s, ...r } = await scanCase(rig, options.pgBase, kind, c, options);
        cases.push(r);
        log(`c=${c} ${r.name}: ${r.requests} scans, ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, ${r.limited} limited`);
      }
    }
    const hwmMb: [number, number] = [rssOf(gateways[0].pid).hwm, rssOf(gateways[1].pid).hwm];
    const { pgBase: _p, redisUrl: _r, log: _l, ...shown } = options;
    return { options: shown, cases, rateLimit, rss: { startMb, hwmMb }, maxConnections };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => console.error(`load cleanup: ${(error as Error).message}`));
  }
}

const fmt = (n: number, digits = 2) => n.toFixed(digits);

function table(title: string, rows: CaseResult[], baselineOf: (r: CaseResult) => CaseResult | undefined, backends: boolean): string[] {
  const lines = [`\n${title}`];
  lines.push(
    `| case | c | requests | req/s | p50 ms | p99 ms | non-2xx (429) | errors | served A / B | peak RSS A / B MB | CPU cores gw / client / db / other |${backends ? " source backends |" : ""} req/s ratio | p50 ratio | p99 ratio |`,
  );
  lines.push(`|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|${backends ? "---:|" : ""}---:|---:|---:|`);
  for (const r of rows) {
    const b = baselineOf(r);
    const ratio = (a: number, x?: number) => (r.baseline || !x ? "1.00 (baseline)" : fmt(a / x));
    const rss = r.peakRssMb ? `${fmt(r.peakRssMb[0], 0)} / ${fmt(r.peakRssMb[1], 0)}` : "-";
    lines.push(
      `| ${r.name} | ${r.concurrency} | ${r.requests} | ${fmt(r.rps, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.non2xx} (${r.limited}) | ${r.errors + r.badBodies} | ${r.baseline && r.group === "scan" ? "-" : `${r.served[0]} / ${r.served[1]}`} | ${rss} | ${[r.cpu.gateways, r.cpu.client, r.cpu.db, r.cpu.other].map((n) => fmt(n, 1)).join(" / ")} |${backends ? ` ${r.sourceBackends ?? "-"} |` : ""} ${ratio(r.rps, b?.rps)} | ${ratio(r.p50, b?.p50)} | ${ratio(r.p99, b?.p99)} |`,
    );
  }
  return lines;
}

/** Gateway cases whose 2xx bodies were not one and the same on both instances. */
export function differing(report: LoadReport): string[] {
  const gw = report.cases.filter((r) => !r.baseline);
  return [...new Set(gw.map((r) => r.name))].filter((name) => new Set(gw.filter((r) => r.name === name).flatMap((r) => [...r.bodies[0], ...r.bodies[1]])).size !== 1);
}

/** The report as markdown tables, in the style of scan.bench.ts: each figure against a baseline of the same run. */
export function formatLoadReport(report: LoadReport): string {
  const o = report.options;
  const load = "seconds" in o.load ? `${o.load.seconds} s per case` : `${o.load.requests} requests per case`;
  const byCase = (group: "http" | "scan") => {
    const rows = report.cases.filter((r) => r.group === group);
    const names = [...new Set(rows.map((r) => r.name))];
    return names.flatMap((n) => rows.filter((r) => r.name === n));
  };
  const baseline = (r: CaseResult) => report.cases.find((b) => b.baseline && b.group === r.group && b.concurrency === r.concurrency);
  const rl = report.rateLimit;
  const lines = [
    ...table(
      `HTTP: two gateway processes, autocannon split half per instance (c = 1: A only), ${load}; ratio = gateway / bare node:http no-op (two processes) at the same c`,
      byCase("http"),
      baseline,
      false,
    ),
    ...table(
      `Scans: ${o.scanRounds} round(s) of ${o.scanConnections} fresh connections x 9 scans (after one warm-up scan each) per case; ratio = gateway / bare pg driver (pool of min(c, ${BARE_POOL_MAX}), ${load}) at the same c`,
      byCase("scan"),
      baseline,
      true,
    ),
    `\nerrors: socket errors, timeouts and wrong bodies. CPU: cores used during the case by both gateways, by this process (autocannon, or the bare driver), by PostgreSQL and Redis, and by everything else on the machine (other work there makes the figures worse). source backends: peak client backends on ${DATASET_DB} (every client of the server; max_connections ${report.maxConnections}).`,
    ...report.cases.filter((r) => Object.keys(r.failures).length).map((r) => `failures in ${r.name} c=${r.concurrency}: ${JSON.stringify(r.failures)}; first: ${r.firstFailure}`),
    `answers identical on A and B (one distinct body per case, REST request_id aside): ${differing(report).length ? `no: ${differing(report).join("; ")}` : "yes, every case"}.`,
    `gateway RSS: ${fmt(report.rss.startMb[0], 0)} / ${fmt(report.rss.startMb[1], 0)} MB after start; peak (VmHWM) over the run ${fmt(report.rss.hwmMb[0], 0)} / ${fmt(report.rss.hwmMb[1], 0)} MB (A / B).`,
    `\nRate limit across both instances: ${rl.fired} concurrent scans at one connection, alternating A/B and REST/GraphQL, in ${fmt(rl.ms, 0)} ms`,
    "| | ok | 429 RATE_LIMITED | other |",
    "|---|---:|---:|---:|",
    `| total | ${rl.ok} | ${rl.limited} | ${rl.other} |`,
    `| instance A | ${rl.perInstance[0].ok} | ${rl.perInstance[0].limited} | |`,
    `| instance B | ${rl.perInstance[1].ok} | ${rl.perInstance[1].limited} | |`,
    `| REST | ${rl.perPath.rest.ok} | ${rl.perPath.rest.limited} | |`,
    `| GraphQL | ${rl.perPath.graphql.ok} | ${rl.perPath.graphql.limited} | |`,
    `Retry-After on the 429s: ${rl.retryAfter.join(", ") || "-"} (${rl.badRetryAfter} missing or out of 1..10)`,
  ];
  return lines.join("\n");
}

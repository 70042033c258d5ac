/**
 * Where a scan's CPU time goes inside the gateway: a CPU profile of N sequential REST and GraphQL scans (PostgreSQL
 * source, PostgreSQL store), its self time summed by layer, printed as ms per scan and drawn as a bar chart.
 * Run: `node dist/test/bench/profile.js run DIR` (a `cli serve` under --cpu-prof, its profile written to DIR when it
 * stops; the creates and deletes around the scans are in it too), then `… summarise RUN.cpuprofile STARTUP.cpuprofile LABEL OUT.json` (STARTUP: a run with PROFILE_SCANS=0)
 * and `… plot BEFORE.json AFTER.json OUT.svg`. PROFILE_PATHS=rest or graphql drives one path only (default both, alternating). GATEWAY_ROOT points at another checkout's build to profile it (before).
 */
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { createScratchDatabase, randomKeyRing } from "../support/databases";
import { chinookConnection } from "../support/datasets";
import { serve } from "../support/processes";
import { barChartSvg } from "./plot";

type Summary = { label: string; scans: number; msPerScan: Record<string, number> };

/** Layers by where the running function's source lives; the first match wins. */
const LAYERS: [string, RegExp][] = [
  ["PostgreSQL driver (pg)", /node_modules\/(pg|pg-protocol|pg-pool|pg-types)\//],
  ["GraphQL (graphql-js, Apollo, type-graphql)", /node_modules\/(graphql|@apollo|type-graphql|@graphql-tools|graphql-rate-limit-directive)/],
  ["metadata store (TypeORM)", /node_modules\/typeorm\//],
  ["Redis and rate limiter", /node_modules\/(ioredis|rate-limiter-flexible|bullmq)\//],
  ["HTTP framework (Express, body parser)", /node_modules\/(express|body-parser|router|raw-body|iconv-lite|qs|cors|on-finished|finalhandler|send|type-is)\//],
  ["logging (pino)", /node_modules\/(pino|sonic-boom|fast-redact|thread-stream)/],
  ["SQL gate (libpg-query, node-sql-parser)", /node_modules\/(libpg-query|node-sql-parser)\/|\/sql-gate\//],
  ["gateway code", /\/dist\/src\//],
  ["Node core (http, net, streams, crypto)", /^node:/],
  ["other libraries", /node_modules\//],
];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}

/** Milliseconds of CPU by layer in one profile (idle excluded). */
function layerTotals(file: string): Map<string, number> {
  const profile = JSON.parse(fs.readFileSync(file, "utf8")) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === "(idle)") return;
    const layer =
      frame.functionName === "(garbage collector)" ? "garbage collection" : (LAYERS.find(([, re]) => re.test(frame.url))?.[0] ?? (frame.url ? "other libraries" : "V8 and native"));
    totals.set(layer, (totals.get(layer) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return totals;
}

/**
 * ms per scan by layer: the run's profile minus a profile of the same gateway started and stopped with no scans,
 * so module loading and schema building at start are not counted against the scans.
 */
function summarise(file: string, startupFile: string, label: string, scans: number): Summary {
  const startup = layerTotals(startupFile);
  const perScan = [...layerTotals(file)].map(([layer, ms]) => [layer, Math.max(0, ms - (startup.get(layer) ?? 0)) / scans] as const);
  const msPerScan = Object.fromEntries(perScan.sort((a, b) => b[1] - a[1]).map(([k, ms]) => [k, Math.round(ms * 1000) / 1000]));
  return { label, scans, msPerScan };
}

/** The fields the REST scan answers with, so both paths do the same work. */
const GRAPHQL_SCAN = `query($id: ID!, $q: String!) { scan(connectionId: $id, query: $q) { columns { name dataType } rows rowCount truncated } }`;

/** Starts `cli serve` of `root`'s build under --cpu-prof (its own process, so the client's work is not in it) and drives it. */
async function run(dir: string): Promise<void> {
  const root = process.env.GATEWAY_ROOT ?? path.resolve(__dirname, "../../..");
  const cli = path.join(root, "dist/src/cli.js");
  const pgBase = process.env.DATABASE_URL;
  if (!pgBase) throw new Error("profile needs DATABASE_URL");
  const scans = Number(process.env.PROFILE_SCANS ?? 600);
  // PROFILE_PATHS=rest or graphql profiles one path alone, to see what one costs that the other does not.
  const paths = process.env.PROFILE_PATHS ?? "both";
  const store = await createScratchDatabase(pgBase);
  // With Redis the embedding jobs of the connections made here only wait in a queue nobody works: not in the profile.
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) throw new Error("profile needs REDIS_URL");
  const env = {
    DATABASE_URL: store.url,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: `gwprof${process.pid}`,
    ENCRYPTION_KEYS: randomKeyRing(),
    ALLOWED_HOSTS: "127.0.0.1/32",
    LOG_LEVEL: "warn",
    PORT: "0",
    DEMO: "false",
  };
  const step = (...args: string[]) =>
    execFileSync(process.execPath, [cli, ...args], { env: { ...process.env, ...env } })
      .toString()
      .trim();
  step("migrate");
  const account = step("account", "create", "--name", "profile");
  const admin = step("token", "create", "--account", account, "--role", "admin");
  const served = await serve(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${dir}`, cli, "serve"], env);
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(served.url + url, {
      method,
      headers: { authorization: admin, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300 || text.includes('"errors"')) throw new Error(`${method} ${url}: ${text}`);
    return JSON.parse(text) as { data: { id?: string } };
  };
  try {
    const sql = "SELECT al.title, ar.name FROM album al JOIN artist ar ON ar.artist_id = al.artist_id ORDER BY al.album_id LIMIT 20";
    // 10 scans per connection (the rate limit), half REST and half GraphQL.
    for (let done = 0, i = 0; done < scans; i++) {
      const id = (await call("POST", "/v2/connection", chinookConnection(`profile ${i}`, "postgres", pgBase))).data.id!;
      for (let k = 0; k < 10 && done < scans; k++, done++) {
        const rest = paths === "rest" || (paths === "both" && k % 2 === 0);
        if (rest) await call("POST", `/v2/connection/${id}/scan`, { query: sql });
        else await call("POST", "/graphql", { query: GRAPHQL_SCAN, variables: { id, q: sql } });
      }
      // Deleting it closes its pool: the source's connection limit is not the thing measured.
      await call("DELETE", `/v2/connection/${id}`);
    }
  } finally {
    await served.stop("SIGTERM");
    await store.drop();
  }
  console.log(`${scans} scans done; profile in ${dir}`);
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  if (command === "run") return run(args[0] ?? "profiles");
  if (command === "summarise") {
    const [file, startupFile, label = "profile", out] = args;
    const summary = summarise(file, startupFile, label, Number(process.env.PROFILE_SCANS ?? 600));
    console.table(summary.msPerScan);
    if (out) fs.writeFileSync(out, JSON.stringify(summary, null, 2) + "\n");
    return;
  }
  if (command === "plot") {
    const [before, after, out] = args;
    const [a, b] = [before, after].map((f) => JSON.parse(fs.readFileSync(f, "utf8")) as Summary);
    const layers = [...new Set([...Object.keys(a.msPerScan), ...Object.keys(b.msPerScan)])];
    // One panel, one scale: each layer's before and after side by side, then the totals.
    const total = (s: Summary) => Object.values(s.msPerScan).reduce((x, y) => x + y, 0);
    const bars = [
      ...layers.flatMap((layer) => [
        { label: `${layer}, ${a.label}`, value: a.msPerScan[layer] ?? 0 },
        { label: `${layer}, ${b.label}`, value: b.msPerScan[layer] ?? 0 },
      ]),
      { label: `all layers, ${a.label}`, value: total(a) },
      { label: `all layers, ${b.label}`, value: total(b) },
    ];
    fs.writeFileSync(out, barChartSvg("Gateway CPU time per scan, by layer", "ms", [{ title: `${a.scans} scans (REST and GraphQL), PostgreSQL source and store`, bars }]));
    return;
  }
  throw new Error("usage: profile.js run | summarise FILE [LABEL] [OUT.json] | plot BEFORE.json AFTER.json OUT.svg");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

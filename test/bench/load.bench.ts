/**
 * Load across two gateway processes (autocannon, half the connections on each instance) at rising concurrency:
 * list and get connections (REST and GraphQL) against two bare node:http processes, scans (REST and GraphQL)
 * against the bare pg driver, each at the same concurrency in the same run; first, 30 concurrent scans at one
 * connection across both instances (exactly 10 pass). Needs DATABASE_URL and REDIS_URL. Run: npm run bench:load
 *
 * LOAD_LEVELS (default 1,4,16,64), LOAD_SECONDS (default 10 per HTTP case), LOAD_SCAN_ROUNDS (default 8) and
 * LOAD_SCAN_CONNECTIONS (default 20 per round: 8 x 180 = 1,440 measured scans per case) change the run.
 */
import { ensurePostgresDataset } from "../support/datasets";
import { formatLoadReport, runLoad } from "./load";

async function main(): Promise<void> {
  const pgBase = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;
  if (!pgBase || !redisUrl) throw new Error("bench:load needs DATABASE_URL and REDIS_URL");
  await ensurePostgresDataset(pgBase);
  const report = await runLoad({
    pgBase,
    redisUrl,
    levels: (process.env.LOAD_LEVELS ?? "1,4,16,64").split(",").map(Number),
    load: { seconds: Number(process.env.LOAD_SECONDS ?? 10) },
    scanRounds: Number(process.env.LOAD_SCAN_ROUNDS ?? 8),
    scanConnections: Number(process.env.LOAD_SCAN_CONNECTIONS ?? 20),
    rateLimitScans: 30,
    log: (line) => console.log(line),
  });
  console.log(formatLoadReport(report));
  const rl = report.rateLimit;
  if (rl.ok !== 10 || rl.limited !== rl.fired - 10) throw new Error(`rate limit across instances: ${rl.ok} ok, ${rl.limited} limited of ${rl.fired}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);

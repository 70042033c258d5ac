import { execFileSync } from "node:child_process";
import path from "node:path";
import { ensureMariadbDataset, ensurePostgresDataset } from "./datasets";

/**
 * Once before the integration and end-to-end tests: build dist/ (the end-to-end tests and the embedding workers run
 * the built CLI exactly as `npm start` does), and load the sample datasets into the services that are configured.
 * The unit project does without: it needs neither.
 */
export default async function setup(): Promise<void> {
  // `npm test` runs this for each project that lists it, all in the one Vitest process: build and load once, not
  // once per project (a build that finds nothing to do still takes seconds).
  const once = globalThis as { gatewayGlobalSetup?: Promise<void> };
  once.gatewayGlobalSetup ??= buildAndLoad();
  await once.gatewayGlobalSetup;
}

async function buildAndLoad(): Promise<void> {
  const root = path.resolve(__dirname, "../..");
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
  if (process.env.DATABASE_URL) await ensurePostgresDataset(process.env.DATABASE_URL);
  if (process.env.MARIADB_URL) await ensureMariadbDataset(process.env.MARIADB_URL);
}

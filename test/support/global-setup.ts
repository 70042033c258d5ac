import { execFileSync } from "node:child_process";
import path from "node:path";
import { ensureMariadbDataset, ensurePostgresDataset } from "./datasets";

/**
 * Once before every test: build dist/ (the end-to-end tests run the built CLI exactly as `npm start` does), and
 * load the sample datasets into the services that are configured.
 */
export default async function setup(): Promise<void> {
  const root = path.resolve(__dirname, "../..");
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
  if (process.env.DATABASE_URL) await ensurePostgresDataset(process.env.DATABASE_URL);
  if (process.env.MARIADB_URL) await ensureMariadbDataset(process.env.MARIADB_URL);
}

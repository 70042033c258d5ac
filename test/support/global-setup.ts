import { execFileSync } from "node:child_process";
import path from "node:path";

/** End-to-end tests run the built CLI (dist/), exactly as `npm start` does; build it once before any test. */
export default function setup(): void {
  const root = path.resolve(__dirname, "../..");
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit",
  });
}

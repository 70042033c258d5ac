import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, it } from "vitest";
import { describeWith } from "../support/services";
import { Tally } from "./tally";

const CLASS = "9 trino:start while Trino runs";
const ROOT = path.resolve(__dirname, "../..");
/** Answering at once: the script checks the node and exits; it used to wait 900 s on a lock the server inherited. */
const BOUND_MS = 10_000;

/** Runs scripts/trino/start.sh as `npm run trino:start` does; killed past twice the bound. */
function startScript(env: Record<string, string>): Promise<{ code: number | null; ms: number; err: string }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn("bash", [path.join(ROOT, "scripts/trino/start.sh")], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 2 * BOUND_MS);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, ms: performance.now() - started, err });
    });
  });
}

/**
 * Class 9 of test/security/README.md: `npm run trino:start` run again while the node it started runs (the shared
 * one CI started the same way), one after another and several at once, answers at once that Trino is up; on the same
 * port from another TRINO_HOME it says at once that the port is taken.
 */
describeWith("trino", "trino:start while Trino runs", (trinoUrl) => {
  const tally = new Tally();
  const env = { TRINO_PORT: new URL(trinoUrl).port || "8080" };
  afterAll(() => tally.print());

  it("answers at once, again and again and all at once", async () => {
    for (let i = 0; i < 3; i++) {
      const r = await startScript(env);
      tally.record(CLASS, `again #${i + 1}: exit ${r.code} in ${Math.round(r.ms)} ms ${r.err.slice(-200)}`, r.code === 0 && r.ms < BOUND_MS);
    }
    for (const r of await Promise.all([1, 2, 3].map(() => startScript(env)))) {
      tally.record(CLASS, `at once: exit ${r.code} in ${Math.round(r.ms)} ms ${r.err.slice(-200)}`, r.code === 0 && r.ms < BOUND_MS);
    }
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "gw-trino-home-"));
    try {
      const r = await startScript({ ...env, TRINO_HOME: elsewhere });
      tally.record(CLASS, `another TRINO_HOME: exit ${r.code} in ${Math.round(r.ms)} ms`, r.code !== 0 && /already in use/.test(r.err) && r.ms < BOUND_MS);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
    tally.expectHeld(CLASS, 7);
  }, 120_000);
});

import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { PidLock, type LockHolder } from "../../src/datasources/store/embedded/pid-lock";
import { ROOT } from "../support/processes";

/** The data folder's lock, with real processes as holders (a lock naming our own pid is stale by design). */
describe("PidLock", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-lock-"));
  const file = path.join(dir, "gateway.lock");
  const sleeper = spawn("sleep", ["60"]);
  const startOf = (pid: number) => {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  };
  const write = (holder: Partial<LockHolder>) => fs.writeFileSync(file, JSON.stringify({ command: "serve", startedAt: "2026-01-01T00:00:00Z", ...holder }));
  afterAll(() => {
    sleeper.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("reports a live holder and leaves its lock alone", () => {
    write({ pid: sleeper.pid!, processStart: startOf(sleeper.pid!), url: "http://127.0.0.1:4000" });
    const result = PidLock.tryAcquire(file, "account create");
    expect(result).not.toBeInstanceOf(PidLock);
    expect(result).toMatchObject({ pid: sleeper.pid, command: "serve", url: "http://127.0.0.1:4000" });
    expect(JSON.parse(fs.readFileSync(file, "utf8")).pid).toBe(sleeper.pid);
  });

  it("never judges a lock written on another host (another container on the same volume) stale", () => {
    write({ pid: spawnSync("true").pid, hostname: "another-container" });
    expect(PidLock.tryAcquire(file, "serve")).toMatchObject({ hostname: "another-container" });
    fs.rmSync(file);
  });

  it.each([
    ["a dead pid", () => write({ pid: spawnSync("true").pid })],
    ["a pid reused by another process (its start time differs)", () => write({ pid: sleeper.pid!, processStart: "1" })],
    ["our own pid (a container's pid 1 on every run)", () => write({ pid: process.pid })],
    ["an unreadable file", () => fs.writeFileSync(file, "{not json")],
  ])("takes over a lock naming %s", (_what, make) => {
    make();
    const lock = PidLock.tryAcquire(file, "serve");
    expect(lock).toBeInstanceOf(PidLock);
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toMatchObject({ pid: process.pid, command: "serve" });
    (lock as PidLock).release();
    expect(fs.existsSync(file)).toBe(false);
  });

  it("does not remove a lock someone else holds when releasing", () => {
    const lock = PidLock.tryAcquire(file, "serve") as PidLock;
    write({ pid: sleeper.pid!, processStart: startOf(sleeper.pid!) });
    lock.release();
    expect(JSON.parse(fs.readFileSync(file, "utf8")).pid).toBe(sleeper.pid);
    fs.rmSync(file);
  });

  it("lets exactly one of eight processes take over a stale lock at once", async () => {
    write({ pid: spawnSync("true").pid });
    // The children run the module as plain JavaScript compiled here from the source under test: the unit project
    // does not build, so dist/ may be stale or absent. The module imports only Node's own modules.
    const source = fs.readFileSync(path.join(ROOT, "src/datasources/store/embedded/pid-lock.ts"), "utf8");
    const compiled = path.join(dir, "pid-lock.js");
    const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
    fs.writeFileSync(compiled, ts.transpileModule(source, { compilerOptions: options }).outputText);
    const script = `const { PidLock } = require(${JSON.stringify(compiled)});
      const r = PidLock.tryAcquire(${JSON.stringify(file)}, "serve");
      process.stdout.write(r instanceof PidLock ? "won" : "lost");
      setTimeout(() => process.exit(0), 5000);`;
    const outcomes = await Promise.all(
      Array.from(
        { length: 8 },
        () =>
          new Promise<string>((resolve) => {
            const child = spawn(process.execPath, ["-e", script]);
            let out = "";
            child.stdout.on("data", (d) => (out += d));
            child.on("exit", () => resolve(out));
          }),
      ),
    );
    expect(outcomes.filter((o) => o === "won")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "lost")).toHaveLength(7);
  });
});

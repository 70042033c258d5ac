import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { chinookConnection } from "../../support/datasets";
import { apiClient, sleep, until, type ApiResult } from "../../support/faults";
import { runCli, serve, type Served } from "../../support/processes";
import { expectNoSecretLeak, PLAIN } from "../../support/secrets";
import { describeWith } from "../../support/services";
import { percentile } from "../../bench/stats";

const TIMEOUT_MS = 1_500;
const GRACE_MS = 3_000;
const RUNAWAYS = ["SELECT pg_sleep(100)", "SELECT pg_sleep(100)", "SELECT count(*) FROM track a, track b, track c", "SELECT pg_sleep(100)"];

/** Resident memory of a process, from /proc (MB). */
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

/**
 * `npm start`'s embedded mode as users run it, in real processes: the demo database and the metadata store are PGlite
 * in worker threads. Runaway scans stall nothing and are stopped at SCAN_TIMEOUT_MS; CLI commands work while the
 * gateway serves; a data folder has one owner; a killed server's lock is taken over; keys rotate in place.
 */
describeWith("postgres", "embedded mode under runaway scans, CLI writes and restarts", (postgresUrl) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-embedded-mode-"));
  const env = {
    DATA_DIR: dataDir,
    PORT: "0",
    DEMO_DB_PORT: "0",
    SCAN_TIMEOUT_MS: String(TIMEOUT_MS),
    SHUTDOWN_GRACE_MS: String(GRACE_MS),
    ALLOWED_HOSTS: "127.0.0.1/32",
    LOG_LEVEL: "info",
  };
  const captured: string[] = [];
  let served: Served;
  let token = "";
  let demoId = "";
  let sourceId = "";
  /** Scans are rate-limited per connection (10 per 10 s): each round and each stream of traffic has its own. */
  const demoCopies: string[] = [];
  const sources: string[] = [];
  const api =
    (t = () => token) =>
    (method: string, pathName: string, body?: unknown) =>
      apiClient(() => served.url, t())(method, pathName, body);
  const call = api();
  const scan = (id: string, query: string) => call("POST", `/v2/connection/${id}/scan`, { query });
  const start = async (extra: Record<string, string> = {}) => {
    served = await serve(process.execPath, ["dist/src/cli.js", "serve"], { ...env, ...extra });
    return served;
  };
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    const exit = await served.stop(signal);
    captured.push(served.output());
    return exit;
  };
  const cli = async (args: string[], extra: Record<string, string> = {}) => {
    const r = await runCli(args, { ...env, ...extra });
    captured.push(r.stdout, r.stderr);
    return r;
  };
  const memory: Record<string, number> = {};

  beforeAll(async () => {
    await start();
    token = /Admin API token \(shown once, store it now\): (gwt_[A-Za-z0-9_-]+)/.exec(served.output())![1];
    memory["after first start"] = rssMb(served.child.pid!);
    demoId = (await call("GET", "/v2/connection")).body.data[0].id;
    const created = await call("POST", "/v2/connection", {
      ...chinookConnection("source", "postgres", postgresUrl),
      config: { ...chinookConnection("source", "postgres", postgresUrl).config, password: PLAIN.password },
    });
    expect(created.status).toBe(201);
    sourceId = created.body.data.id;
    const demo = (await call("GET", `/v2/connection/${demoId}`)).body.data;
    for (let i = 1; i <= 3; i++) {
      demoCopies.push((await call("POST", "/v2/connection", { label: `demo ${i}`, connection_config_slug: "postgres", config: demo.config })).body.data.id);
    }
    for (let i = 1; i <= 5; i++) sources.push((await call("POST", "/v2/connection", chinookConnection(`traffic ${i}`, "postgres", postgresUrl))).body.data.id);
    await until(async () => (await call("GET", `/v2/connection/${demoId}`)).body.data.embedding_status.state === "READY", 60_000, "the demo's embeddings");
    memory["after the demo's embeddings"] = rssMb(served.child.pid!);
  }, 180_000);

  afterAll(async () => {
    await served?.stop("SIGKILL");
    if (served) captured.push(served.output());
    console.log(`embedded gateway RSS (MB): ${JSON.stringify(Object.fromEntries(Object.entries(memory).map(([k, v]) => [k, Math.round(v)])))}`);
    fs.rmSync(dataDir, { recursive: true, force: true });
    expectNoSecretLeak(captured);
  });

  it("stops 4 concurrent runaway scans at SCAN_TIMEOUT_MS while health, CRUD and other scans keep answering, with flat memory", async () => {
    for (let round = 1; round <= 3; round++) {
      let busy = true;
      const health: number[] = [];
      const others: ApiResult[] = [];
      const background = (async () => {
        while (busy) {
          const t = performance.now();
          const res = await fetch(`${served.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
          health.push(performance.now() - t);
          expect(res.status).toBe(200);
          await sleep(10);
        }
      })();
      const traffic = (async () => {
        for (let i = 0; busy; i++) {
          others.push(await call("GET", "/v2/connection"), await scan(sources[i % sources.length], "SELECT name FROM artist ORDER BY artist_id LIMIT 2"));
          await sleep(150);
        }
      })();
      const demoCopy = demoCopies[round - 1];
      const runaways = await Promise.all(RUNAWAYS.map((q) => scan(demoCopy, q)));
      memory[`during runaway round ${round}`] = rssMb(served.child.pid!);
      busy = false;
      await Promise.all([background, traffic]);

      for (const r of runaways) {
        expect(r.status, JSON.stringify(r.body)).toBe(504);
        expect(r.body.errors[0].code).toBe("UPSTREAM_TIMEOUT");
        expect(r.ms).toBeLessThan(TIMEOUT_MS + 1_000);
      }
      expect(health.length).toBeGreaterThan(20);
      // Frozen, it waited as long as the runaway (seconds); 250 ms leaves room for a loaded machine.
      expect(percentile(health, 99)).toBeLessThan(250);
      expect(others.length).toBeGreaterThan(4);
      expect(others.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([]);
      // The demo comes back by itself: the next scan waits for the restarted database and answers. On a loaded
      // machine the reopening can outlast one scan's time limit; that scan is then told to retry (503/504 with an
      // UPSTREAM_ code), never anything else, and a later one answers.
      let after = await scan(demoCopy, "SELECT count(*) AS n FROM track");
      for (let retry = 0; after.status !== 200 && retry < 3; retry++) {
        expect([503, 504], JSON.stringify(after.body)).toContain(after.status);
        expect(after.body.errors[0].code).toMatch(/^UPSTREAM_(UNAVAILABLE|TIMEOUT)$/);
        await sleep(500);
        after = await scan(demoCopy, "SELECT count(*) AS n FROM track");
      }
      expect(after.body.data?.rows, JSON.stringify(after.body)).toEqual([{ n: 3503 }]);
      memory[`after runaway round ${round}`] = rssMb(served.child.pid!);
    }
    // Stopping a runaway frees what it used: memory does not grow with the number of scans.
    expect(memory["after runaway round 3"] - memory["after runaway round 1"]).toBeLessThan(60);
    expect(served.output()).toMatch(/"reason":"a statement ran past 1500 ms".*"msg":"demo database restarted"/);
    const metrics = await (await fetch(`${served.url}/metrics`)).text();
    expect(metrics).toContain('gateway_embedded_restarts_total{database="demo database"} 3');
  }, 120_000);

  let cliToken = "";
  it("runs CLI commands against the serving gateway's store: the server sees their writes at once", async () => {
    const account = await cli(["account", "create", "--name", "from the cli"]);
    expect(account.code).toBe(0);
    const created = await cli(["token", "create", "--account", account.stdout.trim(), "--role", "admin"]);
    expect(created.code).toBe(0);
    cliToken = created.stdout.trim();
    const listed = await api(() => cliToken)("GET", "/v2/connection");
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([]);
    const migrate = await cli(["migrate"]);
    expect(migrate.stdout).toBe(`migrations up to date (pglite via pid ${served.child.pid})\n`);
  });

  it("refuses a second server on the same DATA_DIR with one line naming the pid and URL that hold it", async () => {
    const second = await cli(["serve"], { PORT: "0" });
    expect(second.code).toBe(1);
    expect(second.stderr.trim().split("\n")).toEqual([
      `error: DATA_DIR ${dataDir} is in use by a gateway (pid ${served.child.pid}, serving ${served.url}); stop it first or set another DATA_DIR`,
    ]);
    expect((await fetch(`${served.url}/healthz`)).status).toBe(200);
  });

  it("refuses to move the key file's secrets onto ENCRYPTION_KEYS, changing nothing", async () => {
    const keysBefore = fs.readFileSync(path.join(dataDir, "encryption-keys"), "utf8");
    const before = (await call("GET", `/v2/connection/${sourceId}`)).body.data.config.password;
    const r = await cli(["keys", "rotate"], { ENCRYPTION_KEYS: `other:${Buffer.alloc(32, 7).toString("base64")}` });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unset ENCRYPTION_KEYS and run keys rotate --new-key");
    expect((await call("GET", `/v2/connection/${sourceId}`)).body.data.config.password).toBe(before);
    expect(fs.readFileSync(path.join(dataDir, "encryption-keys"), "utf8")).toBe(keysBefore);
  });

  it("rotates the generated key while serving: new first key, old kept, secrets re-encrypted and still usable", async () => {
    const kidOf = (value: string) => value.split(":")[2];
    const oldKid = kidOf((await call("GET", `/v2/connection/${sourceId}`)).body.data.config.password);
    const r = await cli(["keys", "rotate", "--new-key"]);
    expect(r.code).toBe(0);
    const newKid = /added key (\S+) first/.exec(r.stdout)![1];
    expect(r.stdout).toContain(`kept ${oldKid} for decryption`);
    expect(r.stdout).toContain("secrets re-encrypted 1, already current 0, failed 0");
    expect(r.stdout).toContain(`every secret uses ${newKid}; ${oldKid} can now be dropped`);
    expect(
      fs
        .readFileSync(path.join(dataDir, "encryption-keys"), "utf8")
        .split("\n")
        .map((l) => l.split(":")[0]),
    ).toEqual([newKid, oldKid, ""]);

    // The running server reads the rotated ring: the re-encrypted secret decrypts, and new secrets use the new key.
    expect(kidOf((await call("GET", `/v2/connection/${sourceId}`)).body.data.config.password)).toBe(newKid);
    expect((await scan(sourceId, "SELECT 1 AS one")).body.data.rows).toEqual([{ one: 1 }]);
    const another = await call("POST", "/v2/connection", {
      ...chinookConnection("second", "postgres", postgresUrl),
      config: { ...chinookConnection("second", "postgres", postgresUrl).config, password: PLAIN.password2 },
    });
    expect(kidOf(another.body.data.config.password)).toBe(newKid);
    expect((await call("GET", "/readyz")).body.checks.secrets).toBe("ok");
  });

  it("takes over the lock of a killed server: the CLI and the next server start, and every write is there", async () => {
    const killedPid = served.child.pid!;
    await stop("SIGKILL");
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, "gateway.lock"), "utf8")).pid).toBe(killedPid);
    const account = await cli(["account", "create", "--name", "while stopped"]);
    expect(account.code).toBe(0);
    await start();
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, "gateway.lock"), "utf8"))).toMatchObject({ pid: served.child.pid, command: "serve", url: served.url });
    expect((await api(() => cliToken)("GET", "/v2/connection")).status).toBe(200);
    const labels = (await call("GET", "/v2/connection")).body.data.map((c: { label: string }) => c.label);
    expect(labels).toEqual(expect.arrayContaining(["Chinook demo (embedded PostgreSQL)", "second", "source", "demo 3", "traffic 5"]));
    expect((await scan(sourceId, "SELECT 2 AS two")).body.data.rows).toEqual([{ two: 2 }]);
  }, 60_000);

  it("exits within the grace period on SIGTERM during a runaway scan, and leaves no lock behind", async () => {
    await stop();
    expect(fs.existsSync(path.join(dataDir, "gateway.lock"))).toBe(false);
    await start({ SCAN_TIMEOUT_MS: "120000" });
    const runaway = scan(demoId, "SELECT pg_sleep(100)").then(
      () => "answered",
      () => "cut",
    );
    await sleep(500);
    const signalled = performance.now();
    const exit = await stop();
    const took = performance.now() - signalled;
    expect(exit, served.output().slice(-3000)).toEqual({ code: 0, signal: null });
    expect(took).toBeLessThan(GRACE_MS + 1_000);
    expect(await runaway).toBe("cut");
    expect(fs.existsSync(path.join(dataDir, "gateway.lock"))).toBe(false);
  }, 60_000);

  it("reports secrets: failing in /readyz when the key ring in force cannot read them", async () => {
    const file = path.join(dataDir, "encryption-keys");
    const good = fs.readFileSync(file, "utf8");
    fs.writeFileSync(file, `lost:${Buffer.alloc(32, 9).toString("base64")}\n`);
    try {
      await start();
      try {
        const ready = await call("GET", "/readyz");
        expect(ready.status).toBe(503);
        // Two connections hold a password ("source" and "second"); both are in the sample, neither decrypts.
        expect(ready.body.checks.secrets).toMatch(/^failing: 2 of 2 sampled secrets unreadable with the key ring in force \(key '\S+' unknown\)$/);
      } finally {
        await stop();
      }
    } finally {
      fs.writeFileSync(file, good);
    }
    await start();
    expect((await call("GET", "/readyz")).body.checks.secrets).toBe("ok");
  }, 60_000);
});

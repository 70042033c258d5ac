import { Client } from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createScratchDatabase, randomKeyRing } from "../../support/databases";
import { apiClient, servedGateway, sleep, until } from "../../support/faults";
import { serve, type Served } from "../../support/processes";
import { describeWith } from "../../support/services";
import { sourceConfig } from "../../support/datasets";

const GRACE_MS = 3_000;

/**
 * SIGTERM while scans are running: the listener closes at once (new clients are refused), scans in flight
 * finish and are answered, and the process exits with 0 within SHUTDOWN_GRACE_MS; a scan that outlives the
 * grace period is cut and cancelled at the source. The scans are held at the source by a table lock, so
 * "in flight" is certain rather than a race against a fast query.
 */
describeWith("postgres", "fault: SIGTERM during scans", (pgBase) => {
  let store: Awaited<ReturnType<typeof createScratchDatabase>>;
  let source: Awaited<ReturnType<typeof createScratchDatabase>>;
  let env: Record<string, string>;
  let token = "";
  const running: Served[] = [];

  beforeAll(async () => {
    store = await createScratchDatabase(pgBase);
    source = await createScratchDatabase(pgBase);
    const setup = new Client({ connectionString: source.url });
    await setup.connect();
    await setup.query("CREATE TABLE held (id int); INSERT INTO held VALUES (1), (2), (3)");
    await setup.end();
    env = { DATABASE_URL: store.url, ENCRYPTION_KEYS: randomKeyRing(), ALLOWED_HOSTS: "127.0.0.1/32", SHUTDOWN_GRACE_MS: String(GRACE_MS) };
  }, 60_000);

  afterAll(async () => {
    for (const g of running) await g.stop("SIGKILL");
    await source?.drop();
    await store?.drop();
  });

  /** A gateway process with one connection to the scratch source; each test stops its own. */
  async function gatewayWithConnection(label: string) {
    // The first start migrates and makes the token; later ones serve the same store.
    const started = token ? { served: await serve(process.execPath, ["dist/src/cli.js", "serve"], { PORT: "0", DEMO: "false", ...env }), token } : await servedGateway(env);
    token = started.token;
    running.push(started.served);
    const api = apiClient(() => started.served.url, token);
    const created = await api("POST", "/v2/connection", {
      label,
      connection_config_slug: "postgres",
      config: sourceConfig(source.url),
    });
    expect(created.status).toBe(201);
    const id = created.body.data.id as string;
    // The embedding job reads the source's catalog, which the lock below would also hold back.
    await until(async () => (await api("GET", `/v2/connection/${id}`)).body.data.embedding_status.state === "READY", 20_000, "embeddings");
    return { served: started.served, api, id };
  }

  async function holdTable() {
    const locker = new Client({ connectionString: source.url });
    await locker.connect();
    locker.on("error", () => undefined); // the scratch database is dropped with FORCE if a test fails holding it
    await locker.query("BEGIN; LOCK TABLE held IN ACCESS EXCLUSIVE MODE");
    // pg_stat_activity is read once per transaction (a cached snapshot): clear it, or the locker sees no change.
    const waiting = async () =>
      (await locker.query("SELECT pg_stat_clear_snapshot()"),
      await locker.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query ILIKE '%FROM held%'",
      )).rows[0].n as number;
    return { locker, waiting, release: async () => (await locker.query("ROLLBACK"), await locker.end()) };
  }

  const exitOf = (served: Served) =>
    new Promise<{ code: number | null; at: number }>((resolve) => {
      if (served.child.exitCode !== null) resolve({ code: served.child.exitCode, at: performance.now() });
      else served.child.once("exit", (code) => resolve({ code, at: performance.now() }));
    });

  it("refuses new clients at once, answers the scans in flight, and exits 0 within the grace period", async () => {
    const { served, api, id } = await gatewayWithConnection("drained");
    const hold = await holdTable();
    const inFlight = Array.from({ length: 3 }, () => api("POST", `/v2/connection/${id}/scan`, { query: "SELECT id FROM held ORDER BY id" }));
    await until(async () => (await hold.waiting()) === 3, 10_000, "three scans waiting on the lock");
    const exited = exitOf(served);
    const signalled = performance.now();
    process.kill(served.child.pid!, "SIGTERM");
    await sleep(300);
    await expect(api("GET", "/healthz")).rejects.toThrow();
    await hold.release();
    const answers = await Promise.all(inFlight);
    const answeredAt = performance.now();
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers[0].body.data.rows).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    const { code, at } = await exited;
    expect(code).toBe(0);
    expect(at - signalled).toBeLessThan(GRACE_MS);
    // Once the last answer is out nothing holds the process (idle keep-alive sockets are closed too).
    expect(at - answeredAt).toBeLessThan(1_000);
    expect(served.output()).toContain('"signal":"SIGTERM"');
  }, 60_000);

  it("cuts a scan that outlives the grace period, cancels it at the source, and still exits 0", async () => {
    const { served, api, id } = await gatewayWithConnection("cut");
    const hold = await holdTable();
    try {
      const stuck = api("POST", `/v2/connection/${id}/scan`, { query: "SELECT id FROM held" }).then(
        (r) => r.status,
        () => "cut" as const,
      );
      await until(async () => (await hold.waiting()) === 1, 10_000, "the scan waiting on the lock");
      const exited = exitOf(served);
      const signalled = performance.now();
      process.kill(served.child.pid!, "SIGTERM");
      const { code, at } = await exited;
      expect(code).toBe(0);
      expect(at - signalled).toBeGreaterThanOrEqual(GRACE_MS - 100);
      expect(at - signalled).toBeLessThan(GRACE_MS + 2_000);
      expect(await stuck).toBe("cut");
      // The statement did not outlive the gateway at the source.
      await until(async () => (await hold.waiting()) === 0, 2_000, "the source to lose the cut scan");
    } finally {
      await hold.release();
    }
  }, 60_000);
});

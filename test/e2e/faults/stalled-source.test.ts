import { randomBytes } from "node:crypto";
import net from "node:net";
import mysql from "mysql2/promise";
import { Client } from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createScratchDatabase, randomKeyRing } from "../../support/databases";
import { apiClient, servedGateway, sleep, until } from "../../support/faults";
import type { Served } from "../../support/processes";
import { describeWith, requireService } from "../../support/services";
import { sourceConfig } from "../../support/datasets";

const SCAN_TIMEOUT_MS = 1_500;

/**
 * Sources that stop answering: a table locked by another session (the scan's query waits at the source), and a
 * peer that accepts the TCP connection and never speaks. The scan must answer within its timeout, and the
 * statement must be gone from the source afterwards (cancelled there, not just abandoned by the gateway).
 * Each source is a scratch database of this file's own, so the locks disturb no other suite.
 */
describeWith("postgres", "fault: a source that stalls", (pgBase) => {
  const mariaBase = requireService("mariadb");
  let store: Awaited<ReturnType<typeof createScratchDatabase>>;
  let pgSource: Awaited<ReturnType<typeof createScratchDatabase>>;
  const mariaDb = `gw_stall_${randomBytes(4).toString("hex")}`;
  let maria: mysql.Connection;
  let gateway: Served;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    store = await createScratchDatabase(pgBase);
    pgSource = await createScratchDatabase(pgBase);
    const setup = new Client({ connectionString: pgSource.url });
    await setup.connect();
    await setup.query("CREATE TABLE stalled (id int); INSERT INTO stalled VALUES (1), (2)");
    await setup.end();
    maria = await mysql.createConnection(mariaBase!);
    await maria.query(`CREATE DATABASE ${mariaDb}`);
    await maria.query(`CREATE TABLE ${mariaDb}.stalled (id int)`);
    await maria.query(`INSERT INTO ${mariaDb}.stalled VALUES (1), (2)`);
    const started = await servedGateway({
      DATABASE_URL: store.url,
      ENCRYPTION_KEYS: randomKeyRing(),
      ALLOWED_HOSTS: "127.0.0.1/32",
      SCAN_TIMEOUT_MS: String(SCAN_TIMEOUT_MS),
    });
    gateway = started.served;
    api = apiClient(() => gateway.url, started.token);
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop("SIGKILL");
    await maria?.query(`DROP DATABASE IF EXISTS ${mariaDb}`);
    await maria?.end();
    await pgSource?.drop();
    await store?.drop();
  });

  const connect = async (slug: string, url: string, database: string) => {
    const res = await api("POST", "/v2/connection", {
      label: `stalled ${slug} ${database}`,
      connection_config_slug: slug,
      config: sourceConfig(url, database),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.data.id as string;
  };
  const scan = (id: string) => api("POST", `/v2/connection/${id}/scan`, { query: "SELECT id FROM stalled ORDER BY id" });

  it("times out a PostgreSQL scan blocked by a lock, cancels it at the source, and the next scan works", async () => {
    const id = await connect("postgres", pgSource.url, new URL(pgSource.url).pathname.slice(1));
    const locker = new Client({ connectionString: pgSource.url });
    await locker.connect();
    try {
      await locker.query("BEGIN; LOCK TABLE stalled IN ACCESS EXCLUSIVE MODE");
      const res = await scan(id);
      expect(res.status).toBe(504);
      expect(res.body.errors[0].code).toBe("UPSTREAM_TIMEOUT");
      expect(res.ms).toBeGreaterThanOrEqual(SCAN_TIMEOUT_MS - 50);
      expect(res.ms).toBeLessThan(SCAN_TIMEOUT_MS + 1_500);
      // Still holding the lock: a query that was only abandoned would still be waiting here.
      await sleep(300);
      await locker.query("SELECT pg_stat_clear_snapshot()"); // a transaction reads pg_stat_activity once, then caches it
      const waiting = await locker.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND query ILIKE '%stalled%'",
      );
      expect(waiting.rows[0].n).toBe(0);
    } finally {
      await locker.query("ROLLBACK");
      await locker.end();
    }
    expect((await scan(id)).body.data.rows).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it("times out a MariaDB scan blocked by a lock, kills it at the source, and the next scan works", async () => {
    const id = await connect("mariadb", mariaBase!, mariaDb);
    const locker = await mysql.createConnection(mariaBase!);
    try {
      await locker.query(`LOCK TABLES ${mariaDb}.stalled WRITE`);
      const res = await scan(id);
      expect(res.status).toBe(504);
      expect(res.body.errors[0].code).toBe("UPSTREAM_TIMEOUT");
      expect(res.ms).toBeLessThan(SCAN_TIMEOUT_MS + 1_500);
      await sleep(300);
      const [rows] = await locker.query("SELECT count(*) AS n FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID() AND info LIKE '%stalled%'", [mariaDb]);
      expect(Number((rows as { n: number }[])[0].n)).toBe(0);
    } finally {
      await locker.query("UNLOCK TABLES");
      await locker.end();
    }
    expect((await scan(id)).body.data.rows).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it("gives up on a peer that accepts and never speaks, and closes the socket", async () => {
    const sockets: net.Socket[] = [];
    const closed: boolean[] = [];
    const silent = net.createServer((s) => {
      s.resume(); // reads and drops the startup message; without a reader a closing peer is never noticed
      const i = sockets.push(s) - 1;
      closed[i] = false;
      s.on("close", () => (closed[i] = true));
    });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const id = await connect("postgres", `postgres://postgres@127.0.0.1:${port}/`, "silent");
      const res = await scan(id);
      expect(res.status).toBe(503);
      expect(res.body.errors[0]).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", message: "the source did not accept a connection in time" });
      // Bounded by the 5 s wait for a source connection, whatever the peer does.
      expect(res.ms).toBeLessThan(7_000);
      // Every socket opened so far (the scan's, and the embedding job's first try) is closed by the gateway;
      // the job's retries may open more later, each bounded the same way.
      const openedBeforeAnswer = sockets.length;
      expect(openedBeforeAnswer).toBeGreaterThan(0);
      await until(async () => closed.slice(0, openedBeforeAnswer).every(Boolean), 1_000, "the gateway to close its sockets");
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  }, 30_000);
});

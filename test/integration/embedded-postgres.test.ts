import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddedPostgres } from "../../src/datasources/store/embedded/embedded-postgres";
import { worstLag } from "../bench/stats";

/**
 * The embedded PostgreSQL every embedded-mode store and the demo run on: PGlite in a worker thread, behind one
 * statement queue. Driven with node-postgres over the real socket, as the gateway and the CLI drive it.
 */
describe("embedded PostgreSQL (PGlite in a worker thread)", () => {
  // Long enough that a thread restart (0.4–0.7 s idle, over 1.5 s on a loaded 2-core machine) fits inside it.
  const TIMEOUT_MS = 3_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-embedded-"));
  const restarts: string[] = [];
  let db: EmbeddedPostgres;
  let pool: pg.Pool;
  const client = () => new pg.Client({ host: db.host, port: db.port, user: "postgres", database: "postgres" });

  beforeAll(async () => {
    db = await EmbeddedPostgres.start({
      dir: path.join(dir, "db"),
      listen: { socketDir: dir },
      maxConnections: 12,
      statementTimeoutMs: TIMEOUT_MS,
      name: "test database",
      onRestart: (e) => void restarts.push(e.reason),
    });
    pool = new pg.Pool({ host: db.host, port: db.port, user: "postgres", database: "postgres", max: 8 });
    pool.on("error", () => undefined);
    await pool.query("CREATE TABLE kept (id int PRIMARY KEY, note text)");
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    await db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("listens on a Unix socket only its owner can use", () => {
    const stat = fs.statSync(path.join(dir, ".s.PGSQL.5432"));
    expect(stat.isSocket()).toBe(true);
    expect(stat.mode & 0o777).toBe(0o600);
  });

  it("ends a runaway statement with SQLSTATE 57014 at the deadline, keeps the event loop free, and comes back", async () => {
    await pool.query("INSERT INTO kept VALUES (1, 'before')");
    const before = db.restarts;
    const started = performance.now();
    let error: { code?: string; message: string } = { message: "" };
    const lag = await worstLag(() => pool.query("SELECT count(*) FROM generate_series(1, 100000000) a").catch((e) => (error = e)));
    const took = performance.now() - started;
    expect(error.code).toBe("57014");
    expect(error.message).toContain(`ran past ${TIMEOUT_MS} ms`);
    expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(took).toBeLessThan(TIMEOUT_MS + 500);
    expect(lag).toBeLessThan(50);
    expect(db.restarts).toBe(before + 1);
    // Later statements wait for the new thread, then see every committed row.
    expect((await pool.query("SELECT note FROM kept WHERE id = 1")).rows).toEqual([{ note: "before" }]);
    expect(restarts.at(-1)).toBe(`a statement ran past ${TIMEOUT_MS} ms`);
  });

  it("answers every statement queued behind a runaway by its own deadline, not the runaway's end", async () => {
    const started = performance.now();
    const results = await Promise.allSettled([1, 2, 3, 4].map(() => pool.query("SELECT pg_sleep(100)")));
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 1_000);
    expect(results.map((r) => (r.status === "rejected" ? (r.reason as { code: string }).code : "fulfilled"))).toEqual(["57014", "57014", "57014", "57014"]);
    expect((await pool.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
  });

  it("never interleaves two clients' extended-protocol statements (parameters and results stay paired)", async () => {
    const answers = await Promise.all(Array.from({ length: 400 }, (_, i) => pool.query("SELECT $1::int * 2 AS doubled, $2::text AS tag", [i, `t${i}`]).then((r) => r.rows[0])));
    expect(answers).toEqual(Array.from({ length: 400 }, (_, i) => ({ doubled: i * 2, tag: `t${i}` })));
  });

  it("runs another client's write after a transaction ends, and a rollback keeps it", async () => {
    const a = client();
    const b = client();
    await a.connect();
    await b.connect();
    try {
      await a.query("BEGIN");
      await a.query("INSERT INTO kept VALUES (2, 'rolled back')");
      const write = b.query("INSERT INTO kept VALUES (3, 'kept')");
      let written = false;
      void write.then(() => (written = true));
      await new Promise((r) => setTimeout(r, 200));
      expect(written).toBe(false); // PGlite is one session: b waits for a's transaction
      await a.query("ROLLBACK");
      await write;
      expect((await pool.query("SELECT id FROM kept WHERE id IN (2, 3) ORDER BY id")).rows).toEqual([{ id: 3 }]);
    } finally {
      await a.end();
      await b.end();
    }
  });

  it("rolls back the transaction of a client that vanished, and lets the others go on", async () => {
    const a = client();
    a.on("error", () => undefined);
    await a.connect();
    await a.query("BEGIN");
    await a.query("INSERT INTO kept VALUES (4, 'vanished')");
    (a as unknown as { connection: { stream: net.Socket } }).connection.stream.destroy();
    expect((await pool.query("SELECT count(*)::int AS n FROM kept WHERE id = 4")).rows).toEqual([{ n: 0 }]);
  });

  it("closes a client idle in a transaction once others wait, early enough for them to run", async () => {
    const a = client();
    a.on("error", () => undefined);
    await a.connect();
    await a.query("BEGIN");
    await a.query("INSERT INTO kept VALUES (5, 'idle')");
    const started = performance.now();
    expect((await pool.query("SELECT count(*)::int AS n FROM kept WHERE id = 5")).rows).toEqual([{ n: 0 }]);
    // Evicted after half the deadline of idling: the waiting statement ran within its own deadline.
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS);
    expect(await a.query("SELECT 1").catch((e) => e)).toBeInstanceOf(Error);
    await a.end().catch(() => undefined);
  });

  it("answers the server's own failing SQL with its error, without a restart", async () => {
    const before = db.restarts;
    await expect(db.query("SELECT * FROM no_such_table")).rejects.toThrow(/no_such_table/);
    expect(db.restarts).toBe(before);
    expect(await db.query<{ one: number }>("SELECT 1 AS one")).toEqual([{ one: 1 }]);
  });

  it("closes cancel-request connections, so they never use up connection slots", async () => {
    for (let i = 0; i < 20; i++) {
      const socket = net.connect(path.join(dir, ".s.PGSQL.5432"));
      const request = Buffer.alloc(16);
      request.writeInt32BE(16, 0);
      request.writeInt32BE(80877102, 4);
      await new Promise<void>((resolve, reject) => {
        socket
          .on("connect", () => socket.write(request))
          .on("close", () => resolve())
          .on("error", reject);
      });
    }
    expect((await pool.query("SELECT 2 AS two")).rows).toEqual([{ two: 2 }]);
    const fresh = client();
    await fresh.connect();
    await fresh.end();
  });

  it("survives clients that reset their connections, refused ones included", async () => {
    // Over TCP, where a reset is a real RST: the demo database listens like this.
    const tcp = await EmbeddedPostgres.start({ dir: null, listen: { host: "127.0.0.1", port: 0 }, maxConnections: 2, statementTimeoutMs: TIMEOUT_MS, name: "tcp database" });
    try {
      // Two clients take both slots; then twenty are refused, and each gives up after 30 ms without reading the
      // refusal (a connect timeout does this): closing with unread data sends a reset to the server's socket.
      const holders = [1, 2].map(() => net.connect(tcp.port, "127.0.0.1").on("error", () => undefined));
      await new Promise((r) => setTimeout(r, 200));
      for (let i = 0; i < 20; i++) {
        const s = net.connect(tcp.port, "127.0.0.1", () => {
          s.pause();
          setTimeout(() => s.destroy(), 30);
        });
        s.on("error", () => undefined);
      }
      await new Promise((r) => setTimeout(r, 500));
      for (const s of holders) s.resetAndDestroy();
      await new Promise((r) => setTimeout(r, 200));
      const c = new pg.Client({ host: "127.0.0.1", port: tcp.port, user: "postgres", database: "postgres" });
      await c.connect();
      expect((await c.query("SELECT 3 AS three")).rows).toEqual([{ three: 3 }]);
      await c.end();
    } finally {
      await tcp.close();
    }
  });

  it("refuses a connection past maxConnections with SQLSTATE 53300", async () => {
    const held = await Promise.all(
      Array.from({ length: 13 }, async () => {
        const c = client();
        c.on("error", () => undefined);
        try {
          await c.connect();
          return { c, error: null };
        } catch (error) {
          return { c, error: error as { code?: string } };
        }
      }),
    );
    try {
      // Thirteen clients against a limit of twelve: at least one is refused, each refusal with 53300.
      const refused = held.filter((h) => h.error);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.every((h) => h.error!.code === "53300")).toBe(true);
    } finally {
      await Promise.all(held.map((h) => h.c.end().catch(() => undefined)));
    }
  });

  it("keeps every committed write across restarts", async () => {
    const rows = (await pool.query("SELECT id, note FROM kept ORDER BY id")).rows;
    const before = db.restarts;
    expect((await pool.query("SELECT pg_sleep(10)").catch((e) => e)).code).toBe("57014");
    expect(db.restarts).toBe(before + 1);
    expect((await pool.query("SELECT id, note FROM kept ORDER BY id")).rows).toEqual(rows);
  });
});

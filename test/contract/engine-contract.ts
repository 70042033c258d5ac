import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ColumnInfo, EngineConnection, QueryEngine, TableInfo } from "../../src/datasources/engines/query-engine";
import { BEYOND_2_53, BIG_ROWS } from "../support/datasets";

/** What a pair (engine × source) supplies: the engine, a connection to the loaded dataset, and SQL in its dialect. */
export interface ContractFixture {
  name: string;
  /** Builds the engine under test; `pool` overrides the pool limits for the exhaustion case. */
  engine(pool?: { size: number; acquireTimeoutMs: number }): QueryEngine;
  connection: EngineConnection;
  /** A connection whose port nothing listens on. */
  unreachable: EngineConnection;
  tables: { album: string; bigTable: string; columnsOfAlbum: string[] };
  sql: {
    /** The first three albums by id: columns id and title. */
    firstAlbums: string;
    bigTable: string;
    /** The BIGINT column n of big_numbers, ordered by id: 2^53 + 1, then 42. */
    bigNumbers: string;
    /** Runs for about `seconds` at the source. */
    slow(seconds: number): string;
    /** Statements that change data or schema (one creates gw_contract_probe); the source itself must refuse every one. */
    writes: string[];
    albumCount: string;
  };
  firstAlbum: { id: number; title: string };
  /**
   * gw_types (every kind of column) and a view, as this engine reports them: each column's type name and what the
   * catalogue says of it, and the table's comment, kind and row estimate (2 rows, analysed).
   */
  catalogue: {
    table: string;
    /** A view of the source; null where the engine cannot tell views apart (Trino's JDBC connectors list them as tables). */
    view: string | null;
    columns: Record<string, Partial<ColumnInfo>>;
    tableMeta: Partial<Omit<TableInfo, "columns">>;
  };
  /** How many statements matching the slow query are running at the source now. */
  runningSlowQueries(): Promise<number>;
  /** Cases that do not apply to this engine, each with the reason printed in the skipped test's name. */
  notApplicable?: { poolExhaustion?: string };
  /** Through Trino: how many CREATE CATALOG statements were run for this connection id. */
  catalogCreations?(connectionId: string): Promise<number>;
}

/** What the gateway allows by default (SCAN_MAX_BYTES): 10 MiB. */
export const MAX_BYTES = 10 * 1024 * 1024;

const waitUntil = async (check: () => Promise<boolean>, ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
};

/** The contract every engine × source pair passes. Each engine's test file only names its fixture. */
export function engineContract(fixture: () => Promise<ContractFixture>): void {
  let f: ContractFixture;
  let engine: QueryEngine;
  beforeAll(async () => {
    f = await fixture();
    engine = f.engine();
  });
  afterAll(() => engine?.dispose());

  describe("schema discovery", () => {
    it("lists tables with their columns", async () => {
      const tables = await engine.listTables(f.connection);
      const album = tables.find((t) => t.fullyQualifiedName === f.tables.album);
      expect(album?.columns.map((c) => c.name)).toEqual(f.tables.columnsOfAlbum);
      expect(tables.map((t) => t.fullyQualifiedName)).toContain(f.tables.bigTable);
    });

    it("describes one table, and answers null for a missing one", async () => {
      const columns = await engine.describeTable(f.connection, f.tables.album);
      expect(columns?.map((c) => c.name)).toEqual(f.tables.columnsOfAlbum);
      expect(columns?.every((c) => c.dataType.length > 0)).toBe(true);
      expect(await engine.describeTable(f.connection, "no_such_table_here")).toBeNull();
    });
  });

  describe("column types and catalogue metadata", () => {
    it("names every column's type in the source's own words, with lengths and array types", async () => {
      const columns = await engine.describeTable(f.connection, f.catalogue.table);
      expect(Object.fromEntries((columns ?? []).map((c) => [c.name, c]))).toMatchObject(f.catalogue.columns);
      expect(columns?.map((c) => c.name)).toEqual(Object.keys(f.catalogue.columns));
    });

    it("names a scan's column types exactly as the schema routes do", async () => {
      const described = await engine.describeTable(f.connection, f.catalogue.table);
      const sql = `SELECT * FROM ${f.catalogue.table}`;
      // Twice: the second from what the engine remembers of the source's names.
      for (const round of [1, 2]) {
        const scanned = await engine.scan(f.connection, { maxBytes: MAX_BYTES, sql, limit: 5, timeoutMs: 10_000 });
        expect(scanned.columns, `round ${round}`).toEqual(described?.map((c) => ({ name: c.name, dataType: c.dataType })));
      }
    });

    it("tells a table's comment, kind and row estimate, and a view's kind", async () => {
      const tables = await engine.listTables(f.connection);
      const table = tables.find((t) => t.fullyQualifiedName === f.catalogue.table);
      expect(table).toMatchObject(f.catalogue.tableMeta);
      expect(Object.fromEntries(table!.columns.map((c) => [c.name, c]))).toMatchObject(f.catalogue.columns);
      if (f.catalogue.view) expect(tables.find((t) => t.fullyQualifiedName === f.catalogue.view)?.kind).toBe("view");
    });
  });

  describe("scan", () => {
    it("returns columns and rows in order, and says when the limit cut rows off", async () => {
      const two = await engine.scan(f.connection, { maxBytes: MAX_BYTES, sql: f.sql.firstAlbums, limit: 2, timeoutMs: 10_000 });
      expect(two.columns.map((c) => c.name.toLowerCase())).toEqual(["id", "title"]);
      expect(two.rows).toEqual([[f.firstAlbum.id, f.firstAlbum.title], expect.any(Array)]);
      expect(two.truncated).toBe(true);
      const all = await engine.scan(f.connection, { maxBytes: MAX_BYTES, sql: f.sql.firstAlbums, limit: 10, timeoutMs: 10_000 });
      expect(all.rows).toHaveLength(3);
      expect(all.truncated).toBe(false);
    });

    it("refuses a result past maxBytes as it arrives, and the next scan works", async () => {
      // 101 rows of the million-row table are several kilobytes on any protocol: over a 2,000-byte budget.
      const refused = engine.scan(f.connection, { maxBytes: 2_000, sql: f.sql.bigTable, limit: 100, timeoutMs: 20_000 });
      await expect(refused).rejects.toMatchObject({ code: "BAD_USER_INPUT", message: expect.stringContaining("SCAN_MAX_BYTES (2000 bytes)") });
      const after = await engine.scan(f.connection, { maxBytes: MAX_BYTES, sql: f.sql.firstAlbums, limit: 1, timeoutMs: 10_000 });
      expect(after.rows).toHaveLength(1);
    });

    it("serves a burst of first scans on a new connection, sharing one pool or catalog", async () => {
      const fresh = { ...f.connection, id: randomUUID() };
      try {
        const results = await Promise.all(Array.from({ length: 4 }, () => engine.scan(fresh, { maxBytes: MAX_BYTES, sql: f.sql.firstAlbums, limit: 1, timeoutMs: 20_000 })));
        expect(results.map((r) => r.rows[0])).toEqual(Array.from({ length: 4 }, () => [f.firstAlbum.id, f.firstAlbum.title]));
        if (f.catalogCreations) expect(await f.catalogCreations(fresh.id)).toBe(1);
      } finally {
        await engine.release(fresh.id);
      }
    });

    it(`stops at limit + 1 rows of a ${BIG_ROWS.toLocaleString("en")}-row table instead of reading it all`, async () => {
      const started = Date.now();
      const out = await engine.scan(f.connection, { maxBytes: MAX_BYTES, sql: f.sql.bigTable, limit: 100, timeoutMs: 20_000 });
      expect(out.rows).toHaveLength(100);
      expect(out.truncated).toBe(true);
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it("keeps every digit of a BIGINT beyond 2^53", async () => {
      const out = await engine.scan(f.connection, { maxBytes: MAX_BYTES, sql: f.sql.bigNumbers, limit: 10, timeoutMs: 10_000 });
      expect(out.rows.map((r) => r[0])).toEqual([BEYOND_2_53, 42]);
    });

    it("cancels a statement at the source when it runs past the timeout", async () => {
      const started = Date.now();
      await expect(engine.scan(f.connection, { maxBytes: MAX_BYTES, sql: f.sql.slow(30), limit: 5, timeoutMs: 1_000 })).rejects.toMatchObject({ code: "UPSTREAM_TIMEOUT" });
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(await waitUntil(async () => (await f.runningSlowQueries()) === 0, 1_000)).toBe(true);
    });

    it("counts the time limit from the scan's start, so time spent before the engine is not added to it", async () => {
      const started = Date.now();
      // 6 of the 8 seconds were spent on the way (opening the connection, checking the statement): 2 s are left.
      const request = { maxBytes: MAX_BYTES, sql: f.sql.slow(30), limit: 5, timeoutMs: 8_000, startedAt: performance.now() - 6_000 };
      await expect(engine.scan(f.connection, request)).rejects.toMatchObject({ code: "UPSTREAM_TIMEOUT", message: expect.stringContaining("8000 ms") });
      // Counted from the engine's own start it would take 8 s; Trino enforces its limit in whole seconds, late.
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await waitUntil(async () => (await f.runningSlowQueries()) === 0, 1_000)).toBe(true);
    });

    it("cancels a statement at the source when the client goes away", async () => {
      const controller = new AbortController();
      const scan = engine.scan(f.connection, { maxBytes: MAX_BYTES, sql: f.sql.slow(30), limit: 5, timeoutMs: 60_000, signal: controller.signal });
      expect(await waitUntil(async () => (await f.runningSlowQueries()) > 0, 5_000)).toBe(true);
      controller.abort();
      await expect(scan).rejects.toMatchObject({ code: "UPSTREAM_ERROR", message: expect.stringContaining("client went away") });
      expect(await waitUntil(async () => (await f.runningSlowQueries()) === 0, 1_000)).toBe(true);
    });

    it("refuses writes at the source itself, with the gate out of the path, and changes nothing", async () => {
      const before = await engine.scan(f.connection, { maxBytes: MAX_BYTES, sql: f.sql.albumCount, limit: 1, timeoutMs: 10_000 });
      for (const sql of f.sql.writes) {
        // Refused as a write (UPSTREAM_ERROR), or as a statement the source cannot parse (QUERY_ERROR: MySQL without multi-statements).
        const refused = await engine.scan(f.connection, { maxBytes: MAX_BYTES, sql, limit: 5, timeoutMs: 10_000 }).catch((e: { code?: string }) => e);
        expect(["UPSTREAM_ERROR", "QUERY_ERROR"], sql).toContain((refused as { code?: string }).code);
      }
      const after = await engine.scan(f.connection, { maxBytes: MAX_BYTES, sql: f.sql.albumCount, limit: 1, timeoutMs: 10_000 });
      expect(after.rows).toEqual(before.rows);
      expect(await engine.describeTable(f.connection, "gw_contract_probe")).toBeNull();
    });

    it("refuses cleanly, without hanging, when every pooled connection is busy", async (ctx) => {
      if (f.notApplicable?.poolExhaustion) {
        console.warn(`skipped for ${f.name}: ${f.notApplicable.poolExhaustion}`);
        return ctx.skip();
      }
      const small = f.engine({ size: 2, acquireTimeoutMs: 500 });
      try {
        const slow = [1, 2].map(() => small.scan(f.connection, { maxBytes: MAX_BYTES, sql: f.sql.slow(3), limit: 1, timeoutMs: 10_000 }).catch((e) => e));
        expect(await waitUntil(async () => (await f.runningSlowQueries()) >= 2, 5_000)).toBe(true);
        const started = Date.now();
        await expect(small.scan(f.connection, { maxBytes: MAX_BYTES, sql: f.sql.firstAlbums, limit: 1, timeoutMs: 10_000 })).rejects.toMatchObject({
          code: "UPSTREAM_UNAVAILABLE",
          message: expect.stringContaining("busy"),
        });
        expect(Date.now() - started).toBeLessThan(2_000);
        await Promise.all(slow);
        // Freed again: the next scan gets a connection.
        await expect(small.scan(f.connection, { maxBytes: MAX_BYTES, sql: f.sql.firstAlbums, limit: 1, timeoutMs: 10_000 })).resolves.toBeTruthy();
      } finally {
        await small.dispose();
      }
    });

    it("answers UPSTREAM_UNAVAILABLE when the source cannot be reached", async () => {
      await expect(engine.scan(f.unreachable, { maxBytes: MAX_BYTES, sql: f.sql.firstAlbums, limit: 1, timeoutMs: 5_000 })).rejects.toMatchObject({ code: "UPSTREAM_UNAVAILABLE" });
    });

    it("reports a mistake in the statement as QUERY_ERROR with the source's message, naming what is missing", async () => {
      const error = await engine
        .scan(f.connection, { maxBytes: MAX_BYTES, sql: f.sql.firstAlbums.replace(/\btitle\b/i, "no_such_column"), limit: 1, timeoutMs: 5_000 })
        .catch((e) => e);
      expect(error).toMatchObject({ code: "QUERY_ERROR", message: expect.stringMatching(/^query: .*no_such_column/i) });
      // One line, bounded, and never the connection's own Trino catalog name.
      expect(error.message).not.toMatch(/\n|gw_[0-9a-f]{32}/);
      expect(error.message.length).toBeLessThanOrEqual(207);
      const table = await engine.scan(f.connection, { maxBytes: MAX_BYTES, sql: "SELECT * FROM no_such_table", limit: 1, timeoutMs: 5_000 }).catch((e) => e);
      expect(table).toMatchObject({ code: "QUERY_ERROR", message: expect.stringMatching(/no_such_table/i) });
    });
  });
}

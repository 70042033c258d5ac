import net from "node:net";
import type { Readable } from "node:stream";
import mysql, { type FieldPacket, type Pool, type PoolConnection, type PoolOptions } from "mysql2";
import type { GatewayError } from "../../errors";
import { TtlCache } from "../../ttl-cache";
import { DirectEngine, type ScanStep } from "./direct-engine";
import type { ColumnInfo, EngineConnection, ProbeResult, ScanOutcome, TableInfo } from "./query-engine";
import { toUpstream, upstreamUnavailable } from "./upstream-errors";
import { groupTables, toJsonValue, type CatalogColumnRow } from "./values";
import { tlsOptions } from "./tls";
import { sslModeOf } from "../sources/connection-types";
import { DEFAULT_ROWS } from "../../limits";

const SYSTEM_SCHEMAS = ["mysql", "information_schema", "performance_schema", "sys"];
// MySQL's max_execution_time (3024) and MariaDB's max_statement_time (1969, which mysql2 knows no name for).
const TIMEOUT_ERRNOS = new Set([3024, 1969]);
const isTimeout = (error: unknown) => TIMEOUT_ERRNOS.has(Number((error as { errno?: number }).errno));
const TYPE_NAMES = mysql.Types as unknown as Record<number, string>;
/** Column types remembered: tables per lookup, tables in all, and for how long (an ALTER TABLE is seen after it). */
const MAX_LOOKUP_TABLES = 16;
const MAX_TYPED_TABLES = 10_000;
const TYPED_TABLE_TTL_MS = 60_000;

/**
 * Tables and views with their columns from information_schema: column_type (the source's own spelling, with
 * lengths, unsigned and enum values: the vocabulary scans use too), nullability, default, primary-key position,
 * comments, kind and the storage engine's row estimate (table_rows; exact for MyISAM, a guess for InnoDB).
 */
const CATALOG_SQL = `
  SELECT t.table_schema AS s, t.table_name AS t, c.column_name AS c, c.column_type AS d,
         NULLIF(t.table_comment, '') AS tc, NULLIF(c.column_comment, '') AS cc,
         CASE t.table_type WHEN 'BASE TABLE' THEN 'table' WHEN 'SEQUENCE' THEN 'sequence' ELSE 'view' END AS k,
         CASE WHEN t.table_type = 'BASE TABLE' THEN t.table_rows END AS e,
         c.is_nullable AS nl, NULLIF(c.column_default, 'NULL') AS df, k.ordinal_position AS pk
    FROM information_schema.tables t
    LEFT JOIN information_schema.columns c ON c.table_schema = t.table_schema AND c.table_name = t.table_name
    LEFT JOIN information_schema.key_column_usage k ON k.constraint_name = 'PRIMARY' AND k.table_schema = c.table_schema
         AND k.table_name = c.table_name AND k.column_name = c.column_name`;
const CATALOG_ORDER = "ORDER BY t.table_schema, t.table_name, c.ordinal_position";

interface Source {
  pool: Pool;
  options: PoolOptions;
  /** MariaDB names its timeout max_statement_time (seconds); MySQL max_execution_time (milliseconds). */
  mariadb: boolean;
}

/**
 * MySQL and MariaDB through mysql2: a READ ONLY transaction, a server-side execution time limit, one statement
 * per call (multipleStatements off), LOCAL INFILE off, and sql_select_limit so the server itself stops at
 * limit + 1 rows; rows are streamed and the statement is killed if a LIMIT of the user's own asks for more.
 */
export class MysqlEngine extends DirectEngine<Source, PoolConnection> {
  readonly name = "mysql";
  /** The SET each pooled session was last given; none means not known, so a scan sets it up first. */
  private readonly prepared = new WeakMap<PoolConnection, string>();

  async listTables(connection: EngineConnection): Promise<TableInfo[]> {
    const db = databaseOf(connection);
    return groupTables(
      await this.metadata<CatalogColumnRow>(connection, `${CATALOG_SQL} WHERE (? IS NULL AND t.table_schema NOT IN (?)) OR t.table_schema = ? ${CATALOG_ORDER}`, [
        db,
        SYSTEM_SCHEMAS,
        db,
      ]),
    );
  }

  async describeTable(connection: EngineConnection, table: string): Promise<ColumnInfo[] | null> {
    const [schema, name] = table.includes(".") ? table.split(".", 2) : [databaseOf(connection), table];
    const rows = await this.metadata<CatalogColumnRow>(connection, `${CATALOG_SQL} WHERE t.table_name = ? AND t.table_schema = COALESCE(?, DATABASE()) ${CATALOG_ORDER}`, [
      name,
      schema,
    ]);
    return rows.length === 0 ? null : (groupTables(rows)[0]?.columns ?? null);
  }

  async probe(connection: EngineConnection): Promise<ProbeResult> {
    const db = databaseOf(connection);
    // information_schema lists only what the user has some privilege on.
    const [row] = await this.metadata<{ v: string; t: number | string }>(
      connection,
      `SELECT VERSION() AS v, (SELECT COUNT(*) FROM information_schema.tables WHERE (? IS NULL AND table_schema NOT IN (?)) OR table_schema = ?) AS t`,
      [db, SYSTEM_SCHEMAS, db],
    );
    return { serverVersion: /mariadb/i.test(row.v) ? `MariaDB ${row.v.replace(/-MariaDB.*$/i, "")}` : `MySQL ${row.v}`, readableTables: Number(row.t) };
  }

  /**
   * Between scans every pooled session is reset and set up again for the next one (releaseConnection), so in the
   * common case a scan sends nothing before its statement: the session is read-only (every statement runs in a
   * read-only transaction), has the time limit and the row cap. Only another cap than the last costs a round trip.
   */
  protected async runScan({ pool: source, conn, connection, request, cancel }: ScanStep<Source, PoolConnection>): Promise<ScanOutcome> {
    const settings = this.sessionSettings(source, request.limit + 1, request.timeoutMs);
    if (this.prepared.get(conn) !== settings) {
      await run(conn, settings);
      this.prepared.set(conn, settings);
    }
    const { rows, fields, more } = await stream(conn, request.sql, request.limit + 1);
    // The user's own LIMIT asked for more than the cap: stop the statement rather than read the rest. The session
    // goes with it, so column types are then named from what was looked up before (or by the protocol's words).
    if (more) cancel();
    const columns = await this.columnTypes(more ? null : conn, connection, fields);
    return { columns, rows: rows.slice(0, request.limit).map((r) => r.map((v) => toJsonValue(v))), truncated: rows.length > request.limit };
  }

  /** `connection:version:schema.table` → column → column_type, for naming result columns as the schema routes do. */
  private readonly tableColumnTypes = new TtlCache<string, Map<string, string>>(TYPED_TABLE_TTL_MS, MAX_TYPED_TABLES);

  /**
   * The result's columns with information_schema's column_type where a column comes straight from a table or view
   * (`varchar(160)`, `int(11) unsigned`, `enum('a','b')`), looked up in one catalogue read the first time a
   * connection's result reads that table, and remembered for a minute. A computed column has only the protocol's type.
   */
  private async columnTypes(conn: PoolConnection | null, connection: EngineConnection, fields: FieldPacket[]): Promise<{ name: string; dataType: string }[]> {
    const keyOf = (f: FieldPacket) => (f.db && f.orgTable && f.orgName ? `${connection.id}:${connection.configVersion}:${f.db}.${f.orgTable}` : null);
    const known = new Map<string, Map<string, string> | undefined>(
      fields
        .map((f) => keyOf(f))
        .filter((k): k is string => k !== null)
        .map((k) => [k, this.tableColumnTypes.get(k)]),
    );
    // key → [schema, table] of the tables not remembered yet.
    const missing = new Map<string, [string, string]>();
    for (const f of fields) {
      const key = keyOf(f);
      if (key && !known.get(key) && missing.size < MAX_LOOKUP_TABLES) missing.set(key, [f.db!, f.orgTable]);
    }
    if (conn && missing.size > 0) {
      const rows = await query<{ s: string; t: string; c: string; d: string }>(
        conn,
        `SELECT table_schema AS s, table_name AS t, column_name AS c, column_type AS d FROM information_schema.columns
          WHERE (table_schema, table_name) IN (${[...missing.values()].map(() => "(?, ?)").join(", ")}) LIMIT 10000`,
        [...missing.values()].flat(),
      );
      const prefix = `${connection.id}:${connection.configVersion}:`;
      for (const key of missing.keys()) known.set(key, new Map());
      for (const r of rows) known.get(`${prefix}${r.s}.${r.t}`)?.set(r.c, r.d);
      for (const key of missing.keys()) this.tableColumnTypes.set(key, known.get(key)!);
    }
    return fields.map((f) => ({ name: f.name, dataType: known.get(keyOf(f) ?? "")?.get(f.orgName) ?? typeName(f) }));
  }

  /**
   * The session a scan runs in. Read-only for the session, not per transaction: every statement, DDL that would
   * commit implicitly included, then runs in a read-only transaction.
   */
  private sessionSettings(source: Source, cap: number, timeoutMs: number): string {
    const limit = source.mariadb ? `max_statement_time = ${Math.max(0.001, timeoutMs / 1000)}` : `max_execution_time = ${Math.max(1, Math.floor(timeoutMs))}`;
    const readOnly = source.mariadb ? "tx_read_only = 1" : "transaction_read_only = 1";
    return `SET SESSION sql_select_limit = ${cap}, SESSION ${limit}, SESSION ${readOnly}`;
  }

  protected async runMetadata<R>(conn: PoolConnection, sql: string, params: unknown[]): Promise<R[]> {
    // A session set up for scans caps every SELECT at the scan's row cap; a catalogue query needs all its rows.
    if (this.prepared.has(conn)) {
      this.prepared.delete(conn);
      await run(conn, "SET SESSION sql_select_limit = DEFAULT");
    }
    return new Promise<R[]>((resolve, reject) =>
      conn.query({ sql, values: params, timeout: this.defaultTimeoutMs }, (error, rows) => (error ? reject(error) : resolve(rows as R[]))),
    );
  }

  protected metadataError(error: unknown): GatewayError {
    return toUpstream(error, "metadata query");
  }

  protected isTimeout(error: unknown): boolean {
    return isTimeout(error);
  }

  protected socketOf(conn: PoolConnection): Readable {
    return (conn as unknown as { stream: Readable }).stream;
  }

  protected cancelRunning(source: Source, conn: PoolConnection): void {
    killQuery(source, conn.threadId);
    conn.destroy();
  }

  /**
   * After the answer has gone out, off the scan's own time: COM_RESET_CONNECTION clears whatever the statement left
   * in the session (user variables, named locks taken inside a stored function, temporary tables, settings, an
   * open transaction), then the session is set up for the next scan with the default row cap. Only then does the
   * connection go back to the pool; if either step fails it is closed instead.
   */
  protected releaseConnection(source: Source, conn: PoolConnection, healthy: boolean): void {
    this.prepared.delete(conn);
    if (!healthy) {
      conn.destroy();
      return;
    }
    const settings = this.sessionSettings(source, DEFAULT_ROWS + 1, this.defaultTimeoutMs);
    conn.reset((resetError) => {
      if (resetError) return conn.destroy();
      conn.query(settings, (setError) => {
        if (setError) return conn.destroy();
        this.prepared.set(conn, settings);
        conn.release();
      });
    });
  }

  protected closePool(source: Source): Promise<void> {
    return new Promise((resolve) => source.pool.end(() => resolve()));
  }

  protected async openPool(connection: EngineConnection): Promise<Source> {
    const c = connection.config;
    const host = String(c.host);
    const port = Number(c.port ?? 3306);
    const target = await this.hosts.check(host, { field: "config.host", port });
    const mode = sslModeOf(c.ssl);
    const tls = tlsOptions(c, host);
    const options: PoolOptions = {
      // The name, which mysql2 checks the certificate against (verify-full); the socket goes to the address checked
      // now, in every mode, so DNS cannot swap it afterwards. null: an ALLOWED_HOSTS name that does not resolve now;
      // the driver resolves it (ENOTFOUND is unreachable).
      host,
      port,
      ...(target ? { stream: () => net.connect({ port, host: target.address, noDelay: true }) } : {}),
      user: String(c.user),
      password: typeof c.password === "string" ? c.password : "",
      database: databaseOf(connection) ?? undefined,
      // mysql2 checks the chain when rejectUnauthorized, and the name only with verifyIdentity.
      ssl: tls
        ? ({ ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.rejectUnauthorized, verifyIdentity: mode === "verify-full" } as PoolOptions["ssl"])
        : undefined,
      multipleStatements: false,
      // The server could otherwise ask the gateway to upload a local file (LOAD DATA LOCAL INFILE).
      flags: ["-LOCAL_FILES"],
      supportBigNumbers: true,
      bigNumberStrings: false,
      decimalNumbers: false,
      dateStrings: true,
      charset: "utf8mb4",
      connectTimeout: this.limits.acquireTimeoutMs,
      connectionLimit: this.limits.size,
      maxIdle: this.limits.size,
      idleTimeout: 30_000,
      waitForConnections: true,
      queueLimit: 0,
    };
    const pool = mysql.createPool(options);
    pool.on("connection", (conn) => {
      conn.on("error", () => undefined);
      // Session-wide, not only per transaction: DDL commits the scan's READ ONLY transaction implicitly and
      // would then run in a fresh read-write one. With the session default read-only, it is refused too.
      conn.query("SET SESSION TRANSACTION READ ONLY");
    });
    const version = await new Promise<string>((resolve, reject) =>
      pool.query("SELECT VERSION() AS v", (error, rows) => (error ? reject(toUpstream(error, "connection")) : resolve(String((rows as { v: string }[])[0].v)))),
    ).catch(async (error) => {
      await new Promise((r) => pool.end(() => r(undefined)));
      throw error;
    });
    return { pool, options, mariadb: /mariadb/i.test(version) };
  }

  /** mysql2's pool waits forever for a free connection; a scan waits at most acquireTimeoutMs. */
  protected acquire(source: Source): Promise<PoolConnection> {
    return new Promise((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        reject(upstreamUnavailable(`all ${this.limits.size} connections to this source are busy; retry shortly`));
      }, this.limits.acquireTimeoutMs);
      source.pool.getConnection((error, conn) => {
        if (done) {
          conn?.release();
          return;
        }
        done = true;
        clearTimeout(timer);
        if (error) reject(toUpstream(error, "connection"));
        else resolve(conn);
      });
    });
  }
}

function databaseOf(connection: EngineConnection): string | null {
  const db = connection.config.database;
  return typeof db === "string" && db !== "" ? db : null;
}

function query<R>(conn: PoolConnection, sql: string, values: unknown[]): Promise<R[]> {
  return new Promise((resolve, reject) => conn.query({ sql, values }, (error, rows) => (error ? reject(error) : resolve(rows as R[]))));
}

function run(conn: PoolConnection, sql: string): Promise<void> {
  return new Promise((resolve, reject) => conn.query(sql, (error) => (error ? reject(error) : resolve())));
}

function stream(conn: PoolConnection, sql: string, max: number): Promise<{ rows: unknown[][]; fields: FieldPacket[]; more: boolean }> {
  return new Promise((resolve, reject) => {
    const rows: unknown[][] = [];
    let fields: FieldPacket[] = [];
    let settled = false;
    const query = conn.query({ sql, rowsAsArray: true });
    query.on("fields", (f: FieldPacket[]) => (fields = f));
    query.on("result", (row: unknown) => {
      if (settled) return;
      if (!Array.isArray(row)) return; // an OK packet: not a row
      rows.push(row);
      if (rows.length > max) {
        settled = true;
        resolve({ rows, fields, more: true });
      }
    });
    query.on("error", (error: Error) => {
      if (!settled) reject(error);
      settled = true;
    });
    query.on("end", () => {
      if (!settled) resolve({ rows, fields, more: false });
      settled = true;
    });
  });
}

/** KILL QUERY from a separate, short-lived connection: the scan's own connection is busy with the statement. */
function killQuery(source: Source, threadId: number): void {
  const killer = mysql.createConnection({ ...source.options, connectionLimit: undefined } as mysql.ConnectionOptions);
  killer.on("error", () => undefined);
  killer.query(`KILL QUERY ${Number(threadId)}`, () => killer.end());
}

/** MySQL's word for a protocol type, for computed columns (no table to ask): no length, as the protocol has none to spare. */
const PROTOCOL_WORDS: Record<string, string> = {
  DECIMAL: "decimal",
  NEWDECIMAL: "decimal",
  TINY: "tinyint",
  SHORT: "smallint",
  LONG: "int",
  INT24: "mediumint",
  LONGLONG: "bigint",
  NEWDATE: "date",
  VAR_STRING: "varchar",
  STRING: "char",
};
const BINARY_CHARSET = 63;

function typeName(field: FieldPacket): string {
  const name = TYPE_NAMES[field.columnType ?? -1];
  if (!name) return "unknown";
  if (name.endsWith("BLOB")) return `${name.slice(0, -4).toLowerCase()}${field.characterSet === BINARY_CHARSET ? "blob" : "text"}`;
  return PROTOCOL_WORDS[name] ?? name.toLowerCase();
}

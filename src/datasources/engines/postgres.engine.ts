import type { Socket } from "node:net";
import pg from "pg";
import type { GatewayError } from "../../errors";
import { DirectEngine, type ScanStep } from "./direct-engine";
import { PgBatch } from "./pg-batch";
import { remainingMs, type ColumnInfo, type EngineConnection, type ScanOutcome, type SourceCode, type TableInfo } from "./query-engine";
import { toUpstream, upstreamTimeout, upstreamUnavailable } from "./upstream-errors";
import { groupTables, pgTypeName, toJsonValue } from "./values";

const SYSTEM_SCHEMAS = ["pg_catalog", "information_schema", "pg_toast"];
/** How long a source's own code is remembered: a function created meanwhile is seen by the next look-up. */
const SOURCE_CODE_TTL_MS = 60_000;

/**
 * Everything outside pg_catalog that runs code: functions, operators, base/domain/range types, casts and type I/O
 * through functions, and the relations that run them when read (views whose definitions use them, tables whose row
 * policies do, then every view built on those, transitively). Objects an extension installed (a superuser's choice)
 * are left out; dblink's own functions are refused by name by the gate anyway.
 */
const SOURCE_CODE_SQL = `
  WITH RECURSIVE own AS (SELECT oid FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg_toast%'),
       ext AS (SELECT objid FROM pg_depend WHERE deptype = 'e'),
       code(classid, objid) AS (
         SELECT 'pg_proc'::regclass, p.oid FROM pg_proc p WHERE p.pronamespace IN (SELECT oid FROM own)
         UNION ALL SELECT 'pg_operator'::regclass, o.oid FROM pg_operator o WHERE o.oprnamespace IN (SELECT oid FROM own)
         UNION ALL SELECT 'pg_type'::regclass, t.oid FROM pg_type t WHERE t.typnamespace IN (SELECT oid FROM own) AND t.typtype IN ('b', 'd', 'r', 'm')),
       tainted(relid) AS (
         (SELECT r.ev_class FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
            JOIN code c ON c.classid = d.refclassid AND c.objid = d.refobjid AND c.objid NOT IN (SELECT objid FROM ext)
          UNION SELECT pol.polrelid FROM pg_policy pol JOIN pg_depend d ON d.classid = 'pg_policy'::regclass AND d.objid = pol.oid
            JOIN code c ON c.classid = d.refclassid AND c.objid = d.refobjid AND c.objid NOT IN (SELECT objid FROM ext))
         UNION SELECT r.ev_class FROM tainted t
            JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = t.relid AND d.classid = 'pg_rewrite'::regclass
            JOIN pg_rewrite r ON r.oid = d.objid WHERE r.ev_class <> t.relid)
  SELECT 'f' AS k, lower(p.proname) AS n FROM pg_proc p WHERE p.pronamespace IN (SELECT oid FROM own) AND p.oid NOT IN (SELECT objid FROM ext)
  UNION SELECT 'o', o.oprname FROM pg_operator o WHERE o.oprnamespace IN (SELECT oid FROM own) AND o.oid NOT IN (SELECT objid FROM ext)
  UNION SELECT 't', lower(t.typname) FROM pg_type t
         WHERE t.typnamespace IN (SELECT oid FROM own) AND t.typtype IN ('b', 'd', 'r', 'm') AND t.oid NOT IN (SELECT objid FROM ext)
  UNION SELECT 'r', lower(c.relname) FROM tainted JOIN pg_class c ON c.oid = tainted.relid
  UNION SELECT 'c', format_type(c.castsource, NULL) || ' AS ' || format_type(c.casttarget, NULL) FROM pg_cast c JOIN pg_proc p ON p.oid = c.castfunc
         WHERE p.pronamespace IN (SELECT oid FROM own) AND c.oid NOT IN (SELECT objid FROM ext)
  UNION SELECT 'c', 'type ' || t.typname || ' reads or writes values with its own functions' FROM pg_type t
         JOIN pg_proc p ON p.oid IN (t.typinput, t.typoutput, t.typreceive, t.typsend)
         WHERE p.pronamespace IN (SELECT oid FROM own) AND t.oid NOT IN (SELECT objid FROM ext)`;

/**
 * PostgreSQL (and Redshift) through node-postgres. Every scan: its own READ ONLY transaction with a server-side
 * statement_timeout, the extended protocol (one statement, no stacking), a portal that hands over at most
 * limit + 1 rows, and the session reset before the connection goes back to the pool.
 */
export class PostgresEngine extends DirectEngine<pg.Pool, pg.PoolClient> {
  readonly name = "postgres";

  async listTables(connection: EngineConnection): Promise<TableInfo[]> {
    const rows = await this.metadata<{ s: string; t: string; c: string | null; d: string | null; tc: string | null; cc: string | null }>(
      connection,
      `SELECT t.table_schema AS s, t.table_name AS t, c.column_name AS c, c.data_type AS d,
              obj_description(format('%I.%I', t.table_schema, t.table_name)::regclass, 'pg_class') AS tc,
              col_description(format('%I.%I', t.table_schema, t.table_name)::regclass, c.ordinal_position::int) AS cc
         FROM information_schema.tables t
         LEFT JOIN information_schema.columns c ON c.table_schema = t.table_schema AND c.table_name = t.table_name
        WHERE t.table_schema <> ALL($1) AND t.table_schema NOT LIKE 'pg_temp%'
        ORDER BY 1, 2, c.ordinal_position`,
      [SYSTEM_SCHEMAS],
    );
    return groupTables(rows);
  }

  async describeTable(connection: EngineConnection, table: string): Promise<ColumnInfo[] | null> {
    const [schema, name] = table.includes(".") ? table.split(".", 2) : [null, table];
    // Parameters, not quoting: the table name from a URL never becomes SQL text.
    const rows = await this.metadata<{ column_name: string; data_type: string }>(
      connection,
      `SELECT column_name, data_type FROM information_schema.columns
        WHERE table_name = $1 AND table_schema = COALESCE($2, (SELECT table_schema FROM information_schema.tables
              WHERE table_name = $1 AND table_schema = ANY(current_schemas(false)) ORDER BY array_position(current_schemas(false), table_schema::name) LIMIT 1))
        ORDER BY ordinal_position`,
      [name, schema],
    );
    return rows.length === 0 ? null : rows.map((r) => ({ name: r.column_name, dataType: r.data_type }));
  }

  private readonly sourceCodes = new Map<string, { version: number; at: number; code: Promise<SourceCode> }>();

  /** The source's own code the gate must keep statements away from; looked up once a minute per connection. */
  sourceCode(connection: EngineConnection): Promise<SourceCode> {
    const cached = this.sourceCodes.get(connection.id);
    if (cached && cached.version === connection.configVersion && Date.now() - cached.at < SOURCE_CODE_TTL_MS) return cached.code;
    const code = this.metadata<{ k: string; n: string }>(connection, SOURCE_CODE_SQL, []).then((rows) => {
      const of = (k: string) => new Set(rows.filter((r) => r.k === k).map((r) => r.n));
      const casts = [...of("c")];
      return {
        functions: of("f"),
        operators: of("o"),
        types: of("t"),
        relations: of("r"),
        refuseAll: casts.length > 0 ? `the source runs code of its own in casts or types (${casts.slice(0, 3).join("; ")}), which any statement could reach` : null,
      };
    });
    this.sourceCodes.set(connection.id, { version: connection.configVersion, at: Date.now(), code });
    code.catch(() => this.sourceCodes.delete(connection.id));
    return code;
  }

  /**
   * One round trip: `BEGIN READ ONLY`, the scan's own statement_timeout (what is left of its time limit), the statement
   * through a portal that hands over at most limit + 1 rows, and `ROLLBACK`, sent together (pg-batch.ts). The user's
   * statement is the only one bound to the portal, so a second statement cannot ride along. A session cannot be
   * changed by what the gate lets through (SET, set_config, advisory locks, LISTEN, the source's own code are all
   * refused), so it is reset only for sources whose own code the gate cannot see (Redshift).
   */
  protected async runScan({ conn: client, connection, request }: ScanStep<pg.Pool, pg.PoolClient>): Promise<ScanOutcome> {
    const batch = new PgBatch({
      before: ["BEGIN READ ONLY", `SET LOCAL statement_timeout = ${remainingMs(request)}`],
      sql: request.sql,
      maxRows: request.limit + 1,
      after: ["ROLLBACK"],
    });
    client.query(batch as unknown as pg.Submittable);
    const { rows, fields } = await batch.done;
    // A closed connection (the byte budget ran out) answers nothing more: the guard has answered already.
    if (this.socketOf(client).destroyed) throw new Error("connection closed");
    // Separately: DISCARD ALL refuses to run inside the implicit transaction of a multi-statement query.
    if (!connection.type.checksSourceCode) await client.query(connection.type.sessionReset ?? "DISCARD ALL");
    const columns = fields.map((f) => ({ name: f.name, dataType: pgTypeName(f.dataTypeID) }));
    const kept = rows.slice(0, request.limit).map((row) => row.map((v, i) => toJsonValue(v, fields[i]?.dataTypeID)));
    return { columns, rows: kept, truncated: rows.length > request.limit };
  }

  protected async runMetadata<R>(client: pg.PoolClient, sql: string, params: unknown[]): Promise<R[]> {
    await client.query(`BEGIN READ ONLY; SET LOCAL statement_timeout = ${this.defaultTimeoutMs}`);
    const result = await client.query({ text: sql, values: params });
    await client.query("ROLLBACK");
    return result.rows as R[];
  }

  protected metadataError(error: unknown): GatewayError {
    if ((error as { code?: string }).code === "57014") return upstreamTimeout(this.defaultTimeoutMs, error);
    return toUpstream(error, "metadata query");
  }

  protected isTimeout(error: unknown): boolean {
    return (error as { code?: string }).code === "57014";
  }

  /** The client's socket: counted by the guard, and cut when a cancel must also stop what is still arriving. */
  protected socketOf(client: pg.PoolClient): Socket {
    return (client as unknown as { connection: { stream: Socket } }).connection.stream;
  }

  protected cancelRunning(pool: pg.Pool, client: pg.PoolClient): void {
    cancelBackend(pool, client);
    // node-postgres reads a whole message (a huge value) before anything else: only closing the socket stops it.
    this.socketOf(client).destroy();
  }

  protected releaseConnection(_pool: pg.Pool, client: pg.PoolClient, healthy: boolean): void {
    client.release(!healthy);
  }

  protected closePool(pool: pg.Pool): Promise<void> {
    return pool.end();
  }

  protected async openPool(connection: EngineConnection): Promise<pg.Pool> {
    const c = connection.config;
    const host = String(c.host);
    const port = Number(c.port ?? 5432);
    // Resolved and checked now, and the pool dials the checked address: DNS cannot swap it afterwards.
    const target = await this.hosts.check(host, { field: "config.host", port });
    const password = typeof c.password === "string" ? c.password : "";
    const pool = new pg.Pool({
      // null: an ALLOWED_HOSTS name that does not resolve now; the driver resolves it (ENOTFOUND is unreachable).
      host: target?.address ?? host,
      port,
      database: String(c.database),
      user: String(c.user),
      // A function, because node-postgres replaces an empty password with the gateway's own PGPASSWORD.
      password: () => password,
      ssl: c.ssl ? { servername: host, rejectUnauthorized: true } : false,
      application_name: "connections-gateway",
      client_encoding: "UTF8",
      // Set explicitly so no PGOPTIONS of the gateway's own environment reaches a user's database.
      options: `-c statement_timeout=${this.defaultTimeoutMs}`,
      max: this.limits.size,
      connectionTimeoutMillis: this.limits.acquireTimeoutMs,
      idleTimeoutMillis: 30_000,
      allowExitOnIdle: true,
    });
    pool.on("error", () => undefined); // an idle client's socket dropped: the pool replaces it
    return pool;
  }

  protected async acquire(pool: pg.Pool): Promise<pg.PoolClient> {
    const busy = pool.totalCount >= this.limits.size && pool.idleCount === 0;
    try {
      const client = await pool.connect();
      // A connection the source drops while checked out fails its query, and node-postgres also emits 'error' on
      // the client, which the pool listens for only while the client is idle: unheard, it would end the process.
      if (client.listenerCount("error") === 0) client.on("error", () => undefined);
      return client;
    } catch (error) {
      // pg-pool's wait for a free client, or a source that took the TCP connection and never answered the
      // startup message ("Connection terminated due to connection timeout" / "timeout expired"): unreachable.
      if (busy || /timeout exceeded when trying to connect|connection timeout|timeout expired/.test(String((error as Error).message))) {
        throw upstreamUnavailable(busy ? `all ${this.limits.size} connections to this source are busy; retry shortly` : "the source did not accept a connection in time", error);
      }
      // The source's own time limit ran out before the session started (an embedded database answers so when the
      // connection waited behind a statement that ran past it): the same limit a scan reports.
      if ((error as { code?: string }).code === "57014") throw upstreamTimeout(this.defaultTimeoutMs, error);
      throw toUpstream(error, "connection");
    }
  }
}

/** Asks the server to cancel the running statement (a CancelRequest on a separate socket). */
function cancelBackend(pool: pg.Pool, client: pg.PoolClient): void {
  const options = (pool as unknown as { options: pg.ClientConfig }).options;
  const canceller = new pg.Client(options) as unknown as { cancel(c: unknown, q: unknown): void; connection: { on(e: string, f: () => void): void; end(): void } };
  const target = client as unknown as { activeQuery: unknown };
  try {
    canceller.cancel(client, target.activeQuery);
    canceller.connection.on("error", () => undefined);
  } catch {
    // Best effort: the connection is destroyed right after anyway, which ends the backend.
  }
}

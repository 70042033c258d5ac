import { TtlCache } from "../../ttl-cache";
import type { Socket } from "node:net";
import pg from "pg";
import type { GatewayError } from "../../errors";
import { DirectEngine, type ScanStep } from "./direct-engine";
import { PgBatch } from "./pg-batch";
import { remainingMs, type ColumnInfo, type EngineConnection, type ProbeResult, type ScanOutcome, type SourceCode, type TableInfo } from "./query-engine";
import { toUpstream, upstreamTimeout, upstreamUnavailable } from "./upstream-errors";
import { groupTables, toJsonValue } from "./values";
import { pgTypeName } from "./pg-type-names";
import { tlsOptions } from "./tls";

const SYSTEM_SCHEMAS = ["pg_catalog", "information_schema", "pg_toast"];

/** What the catalogue query answers per column (a table without visible columns: one row with nulls). */
type CatalogRow = Parameters<typeof groupTables>[0][number];

/**
 * Tables, views, materialized views, foreign and partitioned tables with their columns, straight from pg_catalog:
 * format_type names (the vocabulary scans use too), nullability, default, primary-key position, comments, and the
 * planner's row estimate (reltuples; -1 until the table is first analysed). Visibility follows
 * information_schema's: owned, or any privilege on the relation or the column.
 */
const CATALOG_SQL = `
  SELECT n.nspname AS s, c.relname AS t, a.attname AS c, format_type(a.atttypid, a.atttypmod) AS d,
         obj_description(c.oid, 'pg_class') AS tc, col_description(c.oid, a.attnum) AS cc,
         CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' ELSE 'table' END AS k,
         CASE WHEN c.relkind IN ('r', 'm', 'p') AND c.reltuples >= 0 THEN c.reltuples::float8 END AS e,
         NOT a.attnotnull AS nl,
         CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid) END AS df,
         array_position(pk.conkey, a.attnum) AS pk
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         AND (pg_has_role(c.relowner, 'USAGE') OR has_column_privilege(c.oid, a.attnum, 'SELECT, INSERT, UPDATE, REFERENCES'))
    LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
    LEFT JOIN pg_constraint pk ON pk.conrelid = c.oid AND pk.contype = 'p'`;
const LISTED = `c.relkind IN ('r', 'v', 'm', 'f', 'p') AND n.nspname <> ALL($1) AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast%'
    AND (pg_has_role(c.relowner, 'USAGE') OR has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
         OR has_any_column_privilege(c.oid, 'SELECT, INSERT, UPDATE, REFERENCES'))`;
/** How long a source's own code (and type names) are remembered: a function created meanwhile is seen by the next look-up. */
const SOURCE_CODE_TTL_MS = 60_000;
/** Type names only the source can give, remembered: how many in all, and for how long (a renamed type is seen). */
const MAX_SOURCE_TYPE_NAMES = 10_000;

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
    return groupTables(await this.metadata<CatalogRow>(connection, `${CATALOG_SQL} WHERE ${LISTED} ORDER BY 1, 2, a.attnum`, [SYSTEM_SCHEMAS]));
  }

  async describeTable(connection: EngineConnection, table: string): Promise<ColumnInfo[] | null> {
    const [schema, name] = table.includes(".") ? table.split(".", 2) : [null, table];
    // Parameters, not quoting: the table name from a URL never becomes SQL text. Without a schema, the first on
    // the search path that has it, as the source itself would resolve the name.
    const rows = await this.metadata<CatalogRow>(
      connection,
      `${CATALOG_SQL}
        WHERE ${LISTED} AND c.relname = $2 AND n.nspname = COALESCE($3, (SELECT s FROM unnest(current_schemas(false)) WITH ORDINALITY AS p(s, i)
              WHERE EXISTS (SELECT 1 FROM pg_class c2 JOIN pg_namespace n2 ON n2.oid = c2.relnamespace WHERE c2.relname = $2 AND n2.nspname = p.s) ORDER BY i LIMIT 1))
        ORDER BY a.attnum`,
      [SYSTEM_SCHEMAS, name, schema],
    );
    return rows.length === 0 ? null : (groupTables(rows)[0]?.columns ?? null);
  }

  async probe(connection: EngineConnection): Promise<ProbeResult> {
    const [row] = await this.metadata<{ v: string; t: number }>(
      connection,
      `SELECT current_setting('server_version') AS v,
              (SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE ${LISTED} AND has_table_privilege(c.oid, 'SELECT')) AS t`,
      [SYSTEM_SCHEMAS],
    );
    return { serverVersion: `${connection.type.name} ${row.v}`, readableTables: row.t };
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
    const columns = await this.columnTypes(client, connection, fields);
    const kept = rows.slice(0, request.limit).map((row) => row.map((v, i) => toJsonValue(v, fields[i]?.dataTypeID)));
    return { columns, rows: kept, truncated: rows.length > request.limit };
  }

  /** `connection:version:oid:typmod` → format_type, for types only the source can name (enums, domains, extensions). */
  private readonly sourceTypeNames = new TtlCache<string, string>(SOURCE_CODE_TTL_MS, MAX_SOURCE_TYPE_NAMES);

  /**
   * The result's columns with format_type names. Built-in types are named without a round trip; the others are asked
   * of the source in one catalogue read, the first time a connection's result has them, and remembered for a minute.
   */
  private async columnTypes(client: pg.PoolClient, connection: EngineConnection, fields: pg.FieldDef[]): Promise<{ name: string; dataType: string }[]> {
    const keyOf = (f: pg.FieldDef) => `${connection.id}:${connection.configVersion}:${f.dataTypeID}:${f.dataTypeModifier}`;
    const named = fields.map((f) => pgTypeName(f.dataTypeID, f.dataTypeModifier) ?? this.sourceTypeNames.get(keyOf(f)) ?? null);
    const missing = fields.flatMap((f, i) => (named[i] === null ? [i] : []));
    if (missing.length > 0) {
      const { rows } = await client.query<{ n: string }>("SELECT format_type(o, m) AS n FROM unnest($1::oid[], $2::int[]) WITH ORDINALITY AS x(o, m, i) ORDER BY i", [
        missing.map((i) => fields[i].dataTypeID),
        missing.map((i) => fields[i].dataTypeModifier),
      ]);
      missing.forEach((i, j) => {
        named[i] = rows[j]?.n ?? `oid ${fields[i].dataTypeID}`;
        this.sourceTypeNames.set(keyOf(fields[i]), named[i]);
      });
    }
    return fields.map((f, i) => ({ name: f.name, dataType: named[i]! }));
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
      ssl: tlsOptions(c, host) ?? false,
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

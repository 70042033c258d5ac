import { GatewayError } from "../../errors";
import type { HostPolicy } from "../sources/host-policy";
import { remainingMs, type ColumnInfo, type EngineConnection, type ProbeResult, type QueryEngine, type ScanOutcome, type ScanRequest, type TableInfo } from "./query-engine";
import { catalogNameOf, createCatalogSql, defaultSchemaOf, trinoLiteral } from "./trino-catalogs";
import { PoolRegistry } from "./pool-registry";
import { runTrino, TrinoQueryError, TrinoResultTooLarge, type TrinoRun } from "./trino-protocol";
import { cancelledByClient, resultTooLarge, upstreamError, upstreamTimeout, upstreamUnavailable, userQueryError } from "./upstream-errors";
import { groupTables, toJsonValue } from "./values";

export interface TrinoEngineOptions {
  url: string;
  /** May CREATE and DROP catalogs; never runs user SQL. */
  adminUser: string;
  /** Read-only by Trino's access control: runs every scan and metadata query. */
  scanUser: string;
  defaultTimeoutMs: number;
}

const MISSING_CATALOG = new Set(["CATALOG_NOT_FOUND"]);
const TIMEOUTS = new Set(["EXCEEDED_TIME_LIMIT", "EXCEEDED_CPU_LIMIT"]);
const UNREACHABLE = /connection refused|connection to \S+ refused|could not connect|communications link failure|unknown ?host|connect timed out|socket fail/i;

const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/**
 * Trino as the federated query layer: each connection is a dynamic catalog. Catalogs are created on first use
 * (so a gateway with thousands of connections starts at once and Trino holds only those in use), dropped when
 * the connection changes or goes, and re-created once when Trino has lost them (its catalog store is memory).
 */
export class TrinoEngine implements QueryEngine {
  readonly name = "trino";
  /** The catalog this process made for each connection's config version; concurrent first scans share one creation. */
  private readonly catalogs = new PoolRegistry<true>(async () => undefined);

  constructor(
    private readonly hosts: HostPolicy,
    private readonly options: TrinoEngineOptions,
  ) {}

  async listTables(connection: EngineConnection): Promise<TableInfo[]> {
    const catalog = catalogNameOf(connection.id);
    const out = await this.query(connection, {
      sql: `SELECT tab.table_schema, tab.table_name, col.column_name, col.data_type,
                   CASE tab.table_type WHEN 'BASE TABLE' THEN 'table' ELSE lower(tab.table_type) END, col.is_nullable
              FROM ${catalog}.information_schema.tables tab
              LEFT JOIN ${catalog}.information_schema.columns col ON col.table_schema = tab.table_schema AND col.table_name = tab.table_name
             WHERE tab.table_schema <> 'information_schema'
             ORDER BY 1, 2, col.ordinal_position`,
      timeoutMs: this.options.defaultTimeoutMs,
    });
    return groupTables(out.rows.map(([s, t, c, d, k, nl]) => ({ s: String(s), t: String(t), c: text(c), d: text(d), k: text(k), nl: text(nl) })));
  }

  async describeTable(connection: EngineConnection, table: string): Promise<ColumnInfo[] | null> {
    const catalog = catalogNameOf(connection.id);
    const [schema, name] = table.includes(".") ? table.split(".", 2) : [defaultSchemaOf(connection) ?? null, table];
    if (!schema) return null;
    // Trino folds names to lower case; literals, not identifiers, so the name never becomes SQL text unescaped.
    const out = await this.query(connection, {
      sql: `SELECT column_name, data_type, is_nullable FROM ${catalog}.information_schema.columns
             WHERE table_schema = ${trinoLiteral(schema.toLowerCase())} AND table_name = ${trinoLiteral(name.toLowerCase())}
             ORDER BY ordinal_position`,
      timeoutMs: this.options.defaultTimeoutMs,
    });
    return out.rows.length === 0
      ? null
      : out.rows.map(([n, d, nl]) => ({ name: String(n), dataType: String(d), nullable: nl === "YES", primaryKey: null, default: null, comment: null }));
  }

  async probe(connection: EngineConnection): Promise<ProbeResult> {
    const catalog = catalogNameOf(connection.id);
    // Listing a catalog's tables makes Trino log in to the source: a wrong password or database fails here.
    const out = await this.query(connection, {
      sql: `SELECT version(), count(*) FROM ${catalog}.information_schema.tables WHERE table_schema <> 'information_schema'`,
      timeoutMs: this.options.defaultTimeoutMs,
    });
    const [version, tables] = out.rows[0] ?? [];
    return { serverVersion: `Trino ${String(version)}`, readableTables: Number(tables) };
  }

  async scan(connection: EngineConnection, request: ScanRequest): Promise<ScanOutcome> {
    const left = remainingMs(request);
    const seconds = Math.max(1, Math.ceil(left / 1000));
    const out = await this.query(connection, {
      sql: request.sql,
      maxRows: request.limit + 1,
      timeoutMs: left + 1_000,
      maxBytes: request.maxBytes,
      signal: request.signal,
      session: { query_max_execution_time: `${seconds}s` },
      reportTimeoutAs: request.timeoutMs,
    });
    return {
      columns: out.columns,
      rows: out.rows.slice(0, request.limit).map((r) => r.map((v) => toJsonValue(v))),
      truncated: out.rows.length > request.limit || out.more,
    };
  }

  async release(connectionId: string): Promise<void> {
    await this.catalogs.evict(connectionId);
    // The next use re-creates it from the stored config; a failure here leaves a catalog that the next
    // create replaces anyway.
    await this.admin(`DROP CATALOG IF EXISTS ${catalogNameOf(connectionId)}`).catch(() => undefined);
  }

  async ready(): Promise<void> {
    let info: { starting?: boolean };
    try {
      const res = await fetch(new URL("/v1/info", this.options.url), { signal: AbortSignal.timeout(1_500) });
      info = (await res.json()) as { starting?: boolean };
    } catch {
      throw new Error("unreachable");
    }
    if (info.starting !== false) throw new Error("starting");
  }

  async dispose(): Promise<void> {
    await this.catalogs.closeAll();
  }

  private async query(
    connection: EngineConnection,
    q: { sql: string; timeoutMs: number; maxRows?: number; maxBytes?: number; signal?: AbortSignal; session?: Record<string, string>; reportTimeoutAs?: number },
  ) {
    const run: TrinoRun = {
      server: this.options.url,
      user: this.options.scanUser,
      sql: q.sql,
      catalog: catalogNameOf(connection.id),
      schema: defaultSchemaOf(connection),
      session: q.session,
      maxRows: q.maxRows,
      maxBytes: q.maxBytes,
      timeoutMs: q.timeoutMs,
      signal: q.signal,
    };
    const started = Date.now();
    try {
      const catalog = this.catalog(connection);
      await catalog;
      try {
        return await runTrino(run);
      } catch (error) {
        if (!(error instanceof TrinoQueryError) || !MISSING_CATALOG.has(error.errorName)) throw error;
        // Trino restarted (or another instance dropped it): create it again and retry once.
        await this.catalogs.evict(connection.id, catalog);
        await this.catalog(connection);
        return await runTrino({ ...run, timeoutMs: Math.max(1_000, q.timeoutMs - (Date.now() - started)) });
      }
    } catch (error) {
      if (error instanceof TrinoResultTooLarge) throw resultTooLarge(q.maxBytes ?? 0);
      throw this.translate(error, q.signal, q.reportTimeoutAs ?? q.timeoutMs, Date.now() - started >= q.timeoutMs);
    }
  }

  private catalog(connection: EngineConnection): Promise<true> {
    return this.catalogs.get(connection, () => this.createCatalog(connection).then(() => true as const));
  }

  private async createCatalog(connection: EngineConnection): Promise<void> {
    const c = connection.config;
    let address: string | null = null;
    if (typeof c.host === "string") {
      const checked = await this.hosts.check(c.host, { field: "config.host", port: Number(c.port) });
      address = checked?.address ?? null;
    }
    const name = catalogNameOf(connection.id);
    // Replace whatever catalog of this name exists: it may hold an older version of the config.
    await this.admin(`DROP CATALOG IF EXISTS ${name}`);
    try {
      await this.admin(createCatalogSql(connection, address));
    } catch (error) {
      // Another gateway instance created it between our DROP and CREATE: theirs is built from the same row.
      if (!(error instanceof TrinoQueryError && error.errorName === "ALREADY_EXISTS")) throw error;
    }
  }

  private async admin(sql: string): Promise<void> {
    await runTrino({ server: this.options.url, user: this.options.adminUser, sql, timeoutMs: 30_000 });
  }

  private translate(error: unknown, signal: AbortSignal | undefined, timeoutMs: number, pastDeadline: boolean): GatewayError {
    if (error instanceof GatewayError) return error;
    if (signal?.aborted) return cancelledByClient();
    if (error instanceof TrinoQueryError) {
      if (TIMEOUTS.has(error.errorName)) return upstreamTimeout(timeoutMs, error);
      // The connector could not open a connection to the source (as opposed to the source refusing the query).
      if (error.errorName === "JDBC_ERROR" && UNREACHABLE.test(error.message)) return upstreamUnavailable("the source cannot be reached through Trino", error);
      return userQueryError(error) ?? upstreamError("query", error);
    }
    const code = (error as { code?: string }).code;
    if (pastDeadline || code === "ECONNABORTED" || code === "ETIMEDOUT") return upstreamTimeout(timeoutMs, error);
    return upstreamUnavailable("the Trino query layer cannot be reached", error);
  }
}

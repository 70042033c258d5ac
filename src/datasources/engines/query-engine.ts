import type { ConnectionType } from "../sources/connection-types";

/** What an engine needs to reach one source: the stored connection with its secrets decrypted, never logged. */
export interface EngineConnection {
  readonly id: string;
  readonly accountId: string;
  /** Bumped on every config change: pools and catalogs built from an older version are replaced. */
  readonly configVersion: number;
  readonly type: ConnectionType;
  readonly config: Readonly<Record<string, string | number | boolean>>;
}

export interface ColumnInfo {
  readonly name: string;
  readonly dataType: string;
  /** The source's own comment, where it has one: schema embeddings use it. */
  readonly comment?: string | null;
  /** What the source's catalogue says, where it does (a result column of a scan has none of these). */
  readonly nullable?: boolean | null;
  /** The default as the source spells it (an expression). */
  readonly default?: string | null;
  /** 1-based position in the primary key; null when not part of it. */
  readonly primaryKey?: number | null;
}

export interface TableInfo {
  readonly schema: string;
  readonly name: string;
  readonly fullyQualifiedName: string;
  readonly comment?: string | null;
  /** table, view, materialized view, foreign table, as the source classes it. */
  readonly kind?: string | null;
  /** The source's own cheap estimate (planner statistics), not a count; null when it has none. */
  readonly estimatedRows?: number | null;
  /** Listed in one metadata query with the tables, so a page of tables never costs a call per table. */
  readonly columns: ColumnInfo[];
}

/**
 * What a PostgreSQL source defines outside pg_catalog that a statement could reach without calling it by a
 * non-built-in name: overloads of built-in names, functions called by attribute notation (`t.f` is `f(t)`),
 * operators spelled like built-in ones, and types whose input, output or checks run code of their own.
 */
export interface SourceCode {
  /** Function names, lower case. */
  readonly functions: ReadonlySet<string>;
  readonly operators: ReadonlySet<string>;
  /** Base, domain, range and multirange type names, lower case. */
  readonly types: ReadonlySet<string>;
  /** Views and tables that run the source's own code when read (a view's definition, a row policy), lower case. */
  readonly relations: ReadonlySet<string>;
  /** Set when the source has casts with functions of its own: they can run implicitly anywhere, so nothing may run. */
  readonly refuseAll: string | null;
}

export interface ScanRequest {
  readonly sql: string;
  /** Rows wanted; the engine fetches at most limit + 1 to tell whether more existed. */
  readonly limit: number;
  readonly timeoutMs: number;
  /**
   * The most bytes the source may send for this statement, counted as they arrive (before any row is parsed or
   * kept): past it the statement is stopped at the source and the scan refused naming SCAN_MAX_BYTES.
   */
  readonly maxBytes: number;
  /** Aborted when the client goes away: the engine cancels at the source. */
  readonly signal?: AbortSignal;
  /**
   * When the scan began (performance.now()), before its connection was opened and its statement checked: timeoutMs
   * counts from here, so time spent on the way (a busy store, the source-code lookup) is not added to it.
   */
  readonly startedAt?: number;
}

/** What is left of the scan's time limit, for the source's own statement timeout (at least 1 ms). */
export function remainingMs(request: ScanRequest): number {
  const spent = request.startedAt === undefined ? 0 : performance.now() - request.startedAt;
  return Math.max(1, Math.floor(request.timeoutMs - spent));
}

export interface ScanOutcome {
  readonly columns: ColumnInfo[];
  /** Rows as arrays in column order; BIGINT beyond 2^53 arrives as a string so no digit is lost. */
  readonly rows: unknown[][];
  readonly truncated: boolean;
}

export interface ProbeResult {
  /** The product and version that answered (through Trino: Trino's own). */
  readonly serverVersion: string;
  /** Tables and views the configured user may read (within the configured database, where there is one). */
  readonly readableTables: number;
}

/**
 * One narrow interface for every way of reaching a source (Cube's driver habit): direct drivers and Trino alike.
 * Errors are GatewayErrors with upstream codes and sanitised messages; the driver's own text goes to `cause`.
 */
export interface QueryEngine {
  /** PostgreSQL only: the source's own functions, operators, types and casts, for the gate (see SourceCode). */
  sourceCode?(connection: EngineConnection): Promise<SourceCode>;
  readonly name: string;
  listTables(connection: EngineConnection): Promise<TableInfo[]>;
  /** null when the table does not exist. `table` is "name" or "schema.name". */
  describeTable(connection: EngineConnection, table: string): Promise<ColumnInfo[] | null>;
  scan(connection: EngineConnection, request: ScanRequest): Promise<ScanOutcome>;
  /** Logs in and asks what answered and how many tables the user may read: a connection test. */
  probe(connection: EngineConnection): Promise<ProbeResult>;
  /** Forgets what is kept for this connection (pools, catalogs): on update and delete. */
  release(connectionId: string): Promise<void>;
  /** For /readyz: resolves when a shared layer every scan needs (Trino) answers. Direct engines have none. */
  ready?(): Promise<void>;
  dispose(): Promise<void>;
}

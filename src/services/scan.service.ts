import type { EngineRegistry } from "../datasources/engines/engine-registry";
import { catalogNameOf } from "../datasources/engines/trino-catalogs";
import { badInput, ErrorCode, GatewayError } from "../errors";
import type { GatewayMetrics } from "../metrics";
import type { ScanResult } from "../schema/scan.type";
import { checkReadOnly, type GateVerdict } from "../sql-gate";
import type { EngineConnection } from "../datasources/engines/query-engine";
import { DEFAULT_ROWS, MAX_PRIMARY_KEYS, MAX_ROWS, MAX_SQL_CHARS } from "../limits";
import type { ConnectionService } from "./connection.service";
import type { Principal } from "./principal";
import type { ConnectionHealth } from "./connection-health";

/**
 * What a failed scan says of the connection: the source unreachable or refusing it (failing), answering with an
 * error in the statement (ok), used without a verdict (a time limit, a result too large), or nothing at all (the
 * scan never reached the source).
 */
function verdictOf(error: unknown): [verdict: "ok" | "failing" | "used" | null, why?: string] {
  const code = error instanceof GatewayError ? error.code : null;
  if (code === ErrorCode.UPSTREAM_UNAVAILABLE || code === ErrorCode.UPSTREAM_ERROR) return ["failing", `${code}: ${(error as Error).message}`];
  if (code === ErrorCode.QUERY_ERROR) return ["ok"];
  if (code === ErrorCode.UPSTREAM_TIMEOUT || code === ErrorCode.BAD_USER_INPUT) return ["used"];
  return [null];
}

/** Scans: one read-only statement, gated by a parser for the dialect it runs in, capped, timed out at the source. */
export class ScanService {
  constructor(
    private readonly connections: ConnectionService,
    private readonly engines: EngineRegistry,
    private readonly timeoutMs: number,
    private readonly metrics: GatewayMetrics,
    private readonly maxBytes: number,
    private readonly health: ConnectionHealth,
  ) {}

  async scan(
    principal: Principal,
    connectionId: string,
    query: string,
    limit: number = DEFAULT_ROWS,
    /** startedAt: when the request arrived (performance.now()); the time limit covers everything from then on. */
    options: { signal?: AbortSignal; primaryKeys?: string[] | null; startedAt?: number } = {},
  ): Promise<ScanResult> {
    // The time limit covers the whole scan, including opening the connection and checking the statement.
    const startedAt = options.startedAt ?? performance.now();
    if (!query.trim()) throw badInput("query: must not be empty");
    if (query.length > MAX_SQL_CHARS) throw badInput(`query: longer than ${MAX_SQL_CHARS} characters`);
    if (!Number.isInteger(limit) || limit < 1) throw badInput(`limit: must be an integer of at least 1 (at most ${MAX_ROWS} are returned)`);
    if ((options.primaryKeys?.length ?? 0) > MAX_PRIMARY_KEYS) throw badInput(`primaryKeys: at most ${MAX_PRIMARY_KEYS} columns`);
    const connection = await this.connections.openForQuery(principal, connectionId);
    const engine = this.engines.for(connection.type, connection.config);
    const verdict = await this.gate(connection, query);
    // A syntax error is the user's to fix (BAD_USER_INPUT); anything else the gate refuses is the policy's.
    if (!verdict.allowed) throw new GatewayError(verdict.syntax ? ErrorCode.BAD_USER_INPUT : ErrorCode.READ_ONLY_VIOLATION, `query: ${verdict.reason}`);
    const started = performance.now();
    let outcome;
    try {
      outcome = await engine.scan(connection, {
        sql: verdict.sql,
        limit: Math.min(limit, MAX_ROWS),
        timeoutMs: this.timeoutMs,
        maxBytes: this.maxBytes,
        signal: options.signal,
        startedAt,
      });
      this.metrics.observeScan(engine.name, "ok", (performance.now() - started) / 1000);
      this.health.scanned(connection.id, "ok");
    } catch (error) {
      const code = error instanceof GatewayError ? error.code : ErrorCode.INTERNAL_SERVER_ERROR;
      this.metrics.observeScan(engine.name, code, (performance.now() - started) / 1000);
      this.recordFailure(connection.id, error);
      throw error;
    }
    const names = uniqueNames(outcome.columns.map((c) => c.name));
    for (const key of options.primaryKeys ?? []) {
      if (!names.includes(key)) throw badInput(`primaryKeys: '${key.slice(0, 64)}' is not a column of the result`);
    }
    return {
      columns: outcome.columns.map((c, i) => ({ name: names[i], dataType: c.dataType })),
      rows: outcome.rows.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i] ?? null]))),
      rowCount: outcome.rows.length,
      truncated: outcome.truncated,
    };
  }

  /**
   * The read-only gate for a statement on this connection, in the dialect it runs in. Through Trino, a three-part
   * name could reach another connection's catalog: only this one's is allowed. PostgreSQL: a statement that passes
   * every other check is compared with what the source defines outside pg_catalog (looked up once a minute).
   */
  async gate(connection: EngineConnection, query: string): Promise<GateVerdict> {
    const engine = this.engines.for(connection.type, connection.config);
    const dialect = this.engines.dialectFor(connection.type);
    const sourceCode = dialect === "pg" && connection.type.checksSourceCode ? engine.sourceCode?.bind(engine, connection) : undefined;
    return checkReadOnly(query, dialect, dialect === "trino" ? { catalogs: [catalogNameOf(connection.id)] } : { sourceCode }).catch((error: unknown) => {
      // The source-code lookup reaches the source first: its failure is a verdict on the connection too.
      this.recordFailure(connection.id, error);
      throw error;
    });
  }

  private recordFailure(connectionId: string, error: unknown): void {
    const [verdict, why] = verdictOf(error);
    if (verdict) this.health.scanned(connectionId, verdict, why ?? null);
  }
}

/** `SELECT 1, 1` has two columns called "?column?": rows are objects, so later duplicates get _2, _3… */
function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    let candidate = n === 1 ? name : `${name}_${n}`;
    while (n > 1 && names.includes(candidate)) candidate = `${candidate}_`;
    return candidate;
  });
}

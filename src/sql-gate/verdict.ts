import type { SourceCode } from "../datasources/engines/query-engine";
/** Types and small helpers shared by every gate (kept apart from index.ts so the gates need not import it). */

export type Dialect = "pg" | "mysql" | "tsql" | "snowflake" | "bigquery" | "clickhouse" | "trino";

/**
 * `sql` is the one statement the engine must run, exactly as checked: no trailing semicolon; for the
 * node-sql-parser dialects also without comments (see lexer.ts).
 */
export type GateVerdict =
  { allowed: true; sql: string } | { allowed: false; reason: string; /** the source's own parser rejected it: a syntax error, not a policy refusal */ syntax?: boolean };

export interface GateOptions {
  /**
   * Trino only: the catalogs this connection may read. When given, a three-part name (`catalog.schema.table`) must
   * use one of them; one- and two-part names resolve in the session's catalog and are always accepted.
   */
  readonly catalogs?: readonly string[];
  /**
   * PostgreSQL only: the source's own functions, operators and types. A statement that names one of them, however
   * it is spelled (an overload of a built-in name, attribute notation, an operator symbol, a cast), is refused.
   */
  readonly sourceCode?: () => Promise<SourceCode>;
}

export class Refusal extends Error {
  constructor(
    readonly reason: string,
    readonly syntax = false,
  ) {
    super(reason);
  }
}

/** Throws inside a gate; checkReadOnly turns it into `{ allowed: false }` (the gate itself never throws out). */
export function refuse(reason: string): never {
  throw new Refusal(reason);
}

/**
 * A statement the source's own parser (libpg-query is PostgreSQL's) rejects: the user's syntax error. Not for the
 * node-sql-parser grammars, which are approximations: what they cannot parse may be valid at the source.
 */
export function refuseSyntax(reason: string): never {
  throw new Refusal(reason, true);
}

/** User text inside a reason: never more than `max` characters, on one line. */
export function clip(text: string, max = 40): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** `s`, `sch.fn`: lower-cased parts of a possibly qualified name, for case-insensitive matching. */
export function nameParts(parts: readonly (string | null | undefined)[]): string[] {
  return parts.filter((p): p is string => typeof p === "string" && p.length > 0).map((p) => p.toLowerCase());
}

/**
 * The number of rows `generate_series`-like producers yield for literal bounds, or null when a bound is not a
 * plain number. Used to refuse obvious CPU burns (the source's timeout is the real limit).
 */
export function seriesLength(start: number, stop: number, step = 1): number {
  if (!Number.isFinite(start) || !Number.isFinite(stop) || !Number.isFinite(step) || step === 0) return Infinity;
  return Math.max(0, Math.floor((stop - start) / step) + 1);
}

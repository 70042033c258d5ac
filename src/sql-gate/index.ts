import { GatewayError } from "../errors";
import { DIALECTS } from "./dialects";
import { checkWithNodeSqlParser } from "./generic.gate";
import { checkPostgres } from "./postgres.gate";
import { MAX_SQL_CHARS } from "../limits";
import { Refusal, type Dialect, type GateOptions, type GateVerdict } from "./verdict";

export type { Dialect, GateOptions, GateVerdict } from "./verdict";

/**
 * The read-only gate for scans. Fails closed: anything that does not parse, or is not exactly one read-only
 * statement, is refused with a short reason naming the class; the caller maps a refusal to READ_ONLY_VIOLATION.
 *
 * It is the first of two lines: the engines also run every scan in a read-only transaction (or as a read-only
 * Trino user) with a server-side timeout, which is what stops what no parser can see (a view over a function that
 * writes, a user-defined function in a dialect without a catalog here).
 */
export async function checkReadOnly(sql: string, dialect: Dialect, options: GateOptions = {}): Promise<GateVerdict> {
  try {
    if (typeof sql !== "string" || sql.trim() === "") return { allowed: false, reason: "the statement is empty" };
    if (sql.length > MAX_SQL_CHARS) {
      return { allowed: false, reason: `the statement is longer than ${MAX_SQL_CHARS} characters` };
    }
    // Whether a backslash escapes a quote depends on server settings (standard_conforming_strings, Redshift,
    // NO_BACKSLASH_ESCAPES): with it, where a string ends is a guess. Doubled quotes ('it''s') mean one thing.
    if (/\\['"`]/.test(sql)) {
      return { allowed: false, reason: "a backslash before a quote is ambiguous; double the quote instead ('it''s')" };
    }
    if (dialect === "pg") {
      return { allowed: true, sql: await checkPostgres(sql, options.sourceCode) };
    }
    const rules = DIALECTS[dialect];
    if (!rules) return { allowed: false, reason: `unknown SQL dialect ${String(dialect).slice(0, 20)}` };
    return { allowed: true, sql: await checkWithNodeSqlParser(sql, rules, options) };
  } catch (error) {
    if (error instanceof Refusal) return { allowed: false, reason: error.reason, ...(error.syntax ? { syntax: true } : {}) };
    // The source could not tell what it defines (unreachable, say): its own error, not a verdict on the text.
    if (error instanceof GatewayError) throw error;
    // A parser crash is a refusal too: the gate never lets an unchecked statement through.
    return { allowed: false, reason: "the statement could not be checked" };
  }
}

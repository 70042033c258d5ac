import { ErrorCode, GatewayError } from "../../errors";

const RESTARTING_CODES = new Set(["57P01", "57P02", "57P03"]);
const NETWORK_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ETIMEDOUT", "ECONNRESET", "PROTOCOL_CONNECTION_LOST"]);

/** A driver failure → a typed error: network failures are "cannot be reached", anything else the source refusing. */
export function toUpstream(error: unknown, what: string): GatewayError {
  if (error instanceof GatewayError) return error;
  const code = (error as { code?: string }).code;
  if (code && NETWORK_CODES.has(code)) return upstreamUnavailable(`the source cannot be reached (${code})`, error);
  // PostgreSQL shutting down, restarting or still starting (an embedded database restarted after a runaway
  // statement, say): nothing wrong with the request, so it is worth retrying.
  if (code && RESTARTING_CODES.has(code)) return upstreamUnavailable(`the source is restarting (${code}); retry in a moment`, error);
  return upstreamError(what, error);
}

/**
 * The source found a mistake in the user's own statement (a missing table or column, a syntax error): 400
 * QUERY_ERROR, which clients do not retry, with the source's message. Only for errors whose messages quote nothing
 * but the statement's own names and keywords (listed by code), clipped to one line; the connection's Trino catalog
 * name is left out. null for anything else, which stays UPSTREAM_ERROR.
 */
export function userQueryError(error: unknown): GatewayError | null {
  const e = error as { code?: unknown; message?: unknown; sqlMessage?: unknown; position?: unknown; errorName?: unknown; errorType?: unknown } | null;
  let text: string | null = null;
  if (typeof e?.code === "string" && PG_USER_CODES.test(e.code) && e.code !== "42501") {
    const at = Number(e.position);
    text = `${String(e.message)}${Number.isInteger(at) && at > 0 ? ` (at character ${at})` : ""}`;
  } else if (typeof e?.code === "string" && MYSQL_USER_CODES.has(e.code)) {
    text = String(e.sqlMessage ?? e.message);
  } else if (e?.errorType === "USER_ERROR" && typeof e.errorName === "string" && TRINO_USER_NAMES.has(e.errorName)) {
    text = String(e.message).replace(/\bgw_[0-9a-f]{32}\./g, "");
  }
  if (text === null) return null;
  const flat = text.replace(/\s+/g, " ").trim();
  return new GatewayError(ErrorCode.QUERY_ERROR, `query: ${flat.length > 200 ? `${flat.slice(0, 199)}…` : flat}`, { cause: error });
}

/** PostgreSQL class 42 (syntax error or access rule violation; 42501, permission, is the connection's, not the statement's) and 3F000 (no such schema). */
const PG_USER_CODES = /^(42[0-9A-Z]{3}|3F000)$/;
const MYSQL_USER_CODES = new Set([
  "ER_NO_SUCH_TABLE",
  "ER_BAD_FIELD_ERROR",
  "ER_PARSE_ERROR",
  "ER_NON_UNIQ_ERROR",
  "ER_SP_DOES_NOT_EXIST",
  "ER_WRONG_FIELD_WITH_GROUP",
  "ER_BAD_TABLE_ERROR",
  "ER_NO_DB_ERROR",
]);
const TRINO_USER_NAMES = new Set([
  "SYNTAX_ERROR",
  "TABLE_NOT_FOUND",
  "COLUMN_NOT_FOUND",
  "SCHEMA_NOT_FOUND",
  "FUNCTION_NOT_FOUND",
  "TYPE_MISMATCH",
  "AMBIGUOUS_NAME",
  "MISSING_TABLE",
  "MISSING_COLUMN_NAME",
  "INVALID_COLUMN_REFERENCE",
  "EXPRESSION_NOT_AGGREGATE",
]);

/** The source refused (bad SQL, missing table, permission): the message keeps only the class, never driver text. */
export const upstreamError = (what: string, cause: unknown) => new GatewayError(ErrorCode.UPSTREAM_ERROR, `the source refused the ${what}${detailOf(cause)}`, { cause });
export const upstreamTimeout = (ms: number, cause?: unknown) =>
  new GatewayError(ErrorCode.UPSTREAM_TIMEOUT, `the scan ran past SCAN_TIMEOUT_MS (${ms} ms) and was cancelled at the source`, { cause });
export const upstreamUnavailable = (message: string, cause?: unknown) => new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, message, { cause });
export const resultTooLarge = (maxBytes: number) =>
  new GatewayError(
    ErrorCode.BAD_USER_INPUT,
    `query: the result is larger than SCAN_MAX_BYTES (${maxBytes} bytes) and was stopped at the source; select fewer or narrower columns, or fewer rows`,
  );
export const cancelledByClient = () => new GatewayError(ErrorCode.UPSTREAM_ERROR, "the scan was cancelled: the client went away");

/**
 * A short, safe hint: SQLSTATE-style codes and the kind of failure only. Driver messages can quote values,
 * connection strings or the statement itself, so they are never passed on.
 */
function detailOf(cause: unknown): string {
  const c = cause as { code?: unknown; errorName?: unknown; errno?: unknown } | null;
  const code = typeof c?.code === "string" && /^[A-Z0-9_]{2,40}$/.test(c.code) ? c.code : null;
  const name = typeof c?.errorName === "string" && /^[A-Z0-9_]{2,60}$/.test(c.errorName) ? c.errorName : null;
  const hint = name ?? code;
  return hint ? ` (${hint}${KNOWN[hint] ? `: ${KNOWN[hint]}` : ""})` : "";
}

/** Common causes worth naming, keyed by SQLSTATE (PostgreSQL), MySQL error name or Trino error name. */
const KNOWN: Record<string, string> = {
  "42P01": "no such table",
  "42703": "no such column",
  "42601": "syntax error",
  "42501": "permission denied",
  "28P01": "login failed",
  "28000": "login failed",
  "3D000": "no such database",
  "25006": "read-only transaction",
  ER_NO_SUCH_TABLE: "no such table",
  ER_BAD_FIELD_ERROR: "no such column",
  ER_PARSE_ERROR: "syntax error",
  ER_ACCESS_DENIED_ERROR: "login failed",
  ER_DBACCESS_DENIED_ERROR: "access denied",
  ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION: "read-only transaction",
  ER_BAD_DB_ERROR: "no such database",
  TABLE_NOT_FOUND: "no such table",
  COLUMN_NOT_FOUND: "no such column",
  SYNTAX_ERROR: "syntax error",
  PERMISSION_DENIED: "permission denied",
  SCHEMA_NOT_FOUND: "no such schema",
};

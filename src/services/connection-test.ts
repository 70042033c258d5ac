import { ErrorCode, GatewayError } from "../errors";

/** Where a connection test stopped, in the order a connection is made. */
export type TestStage = "dns" | "host_policy" | "network" | "tls" | "authentication" | "database" | "permissions" | "source";

export interface TestFailure {
  readonly stage: TestStage;
  readonly code: string;
  /** Ours, naming the config field to look at: never the driver's text, which may quote more than the user sent. */
  readonly message: string;
}

const PG_AUTH = new Set(["28P01", "28000"]);
const PG_NO_DATABASE = "3D000";
const MYSQL_AUTH = new Set(["ER_ACCESS_DENIED_ERROR", "ER_DBACCESS_DENIED_ERROR", "ER_ACCESS_DENIED_NO_PASSWORD_ERROR"]);
const MYSQL_NO_DATABASE = "ER_BAD_DB_ERROR";
const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME"]);
const NETWORK_CODES = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "ECONNRESET", "PROTOCOL_CONNECTION_LOST"]);
/** Node's TLS verification codes and the drivers' own words for a server without TLS. */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_(GET|VERIFY)_|HANDSHAKE_)/;
const TLS_TEXT = /does not support SSL|SSL connection|TLS|certificate|PKIX|handshake/i;

/** Trino reports the source's failure inside its own message: the same stages, read from the text. */
const TRINO_TEXT: readonly [RegExp, TestStage][] = [
  [/UnknownHostException|unknown host|Name or service not known|nodename nor servname/i, "dns"],
  [/password authentication failed|Access denied for user|authentication failed|Login failed|no pg_hba\.conf entry/i, "authentication"],
  [/database "[^"]*" does not exist|Unknown database/i, "database"],
  [/Connection refused|Connection to \S+ refused|connect timed out|Communications link failure|No route to host|Connection attempt failed/i, "network"],
  [/SSL|TLS|certificate|PKIX/i, "tls"],
];

const MESSAGES: Record<TestStage, [string, string]> = {
  dns: ["DNS_FAILED", "config.host: the name does not resolve"],
  host_policy: ["HOST_REFUSED", "config.host: refused by the gateway's host policy"],
  network: ["UNREACHABLE", "config.host, config.port: nothing accepted a connection there in time"],
  tls: ["TLS_FAILED", "config.ssl: the TLS handshake failed (the server has no TLS, or its certificate was not accepted)"],
  authentication: ["AUTHENTICATION_FAILED", "config.user, config.password: the source refused the login"],
  database: ["DATABASE_NOT_FOUND", "config.database: the source has no such database"],
  permissions: ["NO_READABLE_TABLE", "config.user: logged in, but the user may read no table; grant SELECT on what it should sample"],
  source: ["SOURCE_ERROR", "the source refused the test query"],
};

export const testFailure = (stage: TestStage, message = MESSAGES[stage][1]): TestFailure => ({ stage, code: MESSAGES[stage][0], message });

/** The errors an error wraps, outermost first (engines put the driver's error in `cause`). */
function* chain(error: unknown): Generator<unknown> {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) yield e;
}

/** A failed connection test → where it stopped. Reads driver codes, never shows driver text. */
export function classifyTestError(error: unknown): TestFailure {
  for (const e of chain(error)) {
    const code = String((e as { code?: unknown }).code ?? "");
    const message = String((e as { message?: unknown }).message ?? "");
    if (e instanceof GatewayError && e.code === ErrorCode.BAD_USER_INPUT && message.startsWith("config.host:")) {
      return /cannot resolve/.test(message) ? testFailure("dns") : testFailure("host_policy", message);
    }
    if (e instanceof GatewayError && e.code === ErrorCode.UPSTREAM_TIMEOUT) return { ...testFailure("network"), code: "TIMEOUT", message: "the source did not answer in time" };
    if (DNS_CODES.has(code)) return testFailure("dns");
    if (NETWORK_CODES.has(code)) return testFailure("network");
    if (TLS_CODE.test(code)) return testFailure("tls");
    if (PG_AUTH.has(code) || MYSQL_AUTH.has(code)) return testFailure("authentication");
    if (code === PG_NO_DATABASE || code === MYSQL_NO_DATABASE) return testFailure("database");
    if ((e as { errorType?: unknown }).errorType !== undefined) {
      const stage = TRINO_TEXT.find(([pattern]) => pattern.test(message))?.[1];
      if (stage) return testFailure(stage);
    }
    if (!(e instanceof GatewayError) && TLS_TEXT.test(message)) return testFailure("tls");
    if (/did not accept a connection in time|timeout expired|connection timeout/i.test(message)) return testFailure("network");
  }
  return testFailure("source");
}

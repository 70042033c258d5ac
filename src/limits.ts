/**
 * Every limit a user or an operator can run into, in one place. Services enforce these, schema descriptions and the
 * OpenAPI document quote them, and docs/limits.md is generated from LIMIT_TABLE below (a test keeps it in step), so
 * changing a value here changes it everywhere. Deadlines of the gateway's own I/O live beside that I/O.
 */

/** Rows a scan returns when no limit is given, and the most it returns whatever the limit asks. */
export const DEFAULT_ROWS = 20;
export const MAX_ROWS = 100;
/** Key columns a scan may name (`primaryKeys`): more than any result could usefully have. */
export const MAX_PRIMARY_KEYS = 32;
/** Characters in one scan statement: refused before parsing, since a huge input is a parser-time burn. */
export const MAX_SQL_CHARS = 100_000;
/** Rows a literal generate_series may produce inside a scan (it burns CPU under count(*) whatever the LIMIT). */
export const MAX_GENERATED_ROWS = 10_000_000;
/** Bytes a scan may read from its source, counted as they arrive; SCAN_MAX_BYTES overrides it. */
export const DEFAULT_SCAN_MAX_BYTES = 10 * 1024 * 1024;
/** Calls that open a source connection (scan, refreshed table lists), per account and connection. */
export const SCAN_BUDGET = { limit: 10, seconds: 10 } as const;

/** A connection's label (one line) and description. */
export const LABEL_MAX = 200;
export const DESCRIPTION_MAX = 2000;
export const MAX_AUTH_IDS = 20;
export const AUTH_ID_MAX = 64;
/** One config value: strings such as host or user, and free text such as a private key. */
export const CONFIG_STRING_MAX = 1024;
export const CONFIG_TEXT_MAX = 65_536;

/** Tables in one page of a connection's table list. */
export const MAX_PAGE = 1_000;
/** Matches a schema search returns by default and at most, and the characters of its question. */
export const DEFAULT_K = 5;
export const MAX_K = 50;
export const MAX_SEARCH_CHARS = 2_000;
/** Memory the search indexes of recently searched connections may hold in one process (least recently used go first). */
export const SEARCH_INDEX_CACHE_BYTES = 256 * 1024 * 1024;

/** A request body (JSON), and the depth and aliases of one GraphQL operation. */
export const BODY_LIMIT = "1mb";
export const MAX_DEPTH = 10;
export const MAX_ALIASES = 30;

/** Per source connection: a few sockets, and a bounded wait for one, so a burst of scans queues briefly then fails cleanly. */
export const SOURCE_POOL = { size: 4, acquireTimeoutMs: 5_000 } as const;

/** The table docs/limits.md is generated from: [name, value, what it bounds]. */
export const LIMIT_TABLE: readonly (readonly [string, string, string])[] = [
  ["DEFAULT_ROWS", String(DEFAULT_ROWS), "rows a scan returns when no `limit` is given"],
  ["MAX_ROWS", String(MAX_ROWS), "rows a scan returns at most (a larger `limit` is clamped)"],
  ["MAX_PRIMARY_KEYS", String(MAX_PRIMARY_KEYS), "columns a scan's `primaryKeys` may name"],
  ["MAX_SQL_CHARS", String(MAX_SQL_CHARS), "characters in one scan statement"],
  ["MAX_GENERATED_ROWS", String(MAX_GENERATED_ROWS), "rows a literal `generate_series` may produce in a scan"],
  ["SCAN_MAX_BYTES", `${DEFAULT_SCAN_MAX_BYTES} (10 MiB; environment)`, "bytes a scan may read from its source"],
  ["SCAN_BUDGET", `${SCAN_BUDGET.limit} per ${SCAN_BUDGET.seconds} s`, "scans and refreshed table lists per account and connection"],
  ["LABEL_MAX", String(LABEL_MAX), "characters in a connection's label"],
  ["DESCRIPTION_MAX", String(DESCRIPTION_MAX), "characters in a connection's description"],
  ["MAX_AUTH_IDS", String(MAX_AUTH_IDS), "auth ids linked to one connection (auth_ids)"],
  ["AUTH_ID_MAX", String(AUTH_ID_MAX), "characters in one auth id"],
  ["CONFIG_STRING_MAX", String(CONFIG_STRING_MAX), "characters in one string config value (host, user, …)"],
  ["CONFIG_TEXT_MAX", String(CONFIG_TEXT_MAX), "characters in one text config value (a private key, …)"],
  ["MAX_PAGE", String(MAX_PAGE), "tables in one page of `tables(first:)`"],
  ["DEFAULT_K", String(DEFAULT_K), "matches `searchSchema` returns by default"],
  ["MAX_K", String(MAX_K), "matches `searchSchema` returns at most"],
  ["MAX_SEARCH_CHARS", String(MAX_SEARCH_CHARS), "characters in a schema-search question"],
  ["SEARCH_INDEX_CACHE_BYTES", `${SEARCH_INDEX_CACHE_BYTES} (256 MiB)`, "memory the search indexes of recently searched connections hold in one process"],
  ["BODY_LIMIT", BODY_LIMIT, "size of a JSON request body"],
  ["MAX_DEPTH", String(MAX_DEPTH), "depth of a GraphQL operation"],
  ["MAX_ALIASES", String(MAX_ALIASES), "aliases in a GraphQL operation"],
  ["SOURCE_POOL", `${SOURCE_POOL.size} connections, ${SOURCE_POOL.acquireTimeoutMs} ms wait`, "connections held open to one source, and a scan's wait for one"],
];

/** docs/limits.md, whole. */
export function limitsMarkdown(): string {
  const rows = LIMIT_TABLE.map(([name, value, what]) => `| \`${name}\` | ${value} | ${what} |`);
  return [
    "# Limits",
    "",
    "Generated from `src/limits.ts` by `npm run docs:limits`; a test fails when this file and the code differ.",
    "",
    "| limit | value | bounds |",
    "|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}

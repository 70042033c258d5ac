import { isSafeNumber, parse as parseLossless } from "lossless-json";
import { Trino } from "trino-client";
import type { ColumnInfo } from "./query-engine";

/** The protocol spells decimal(10, 2) where information_schema (and the schema routes) say decimal(10,2): one spelling. */
const trinoTypeName = (type: string) => type.replace(/decimal\((\d+), (\d+)\)/g, "decimal($1,$2)");

/** One Trino error as the protocol reports it: on a page, with HTTP 200, never thrown by the client. */
export class TrinoQueryError extends Error {
  constructor(
    readonly errorName: string,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = "TrinoQueryError";
  }
}

interface Page {
  id?: string;
  nextUri?: string;
  columns?: { name: string; type: string }[];
  data?: unknown[][];
  error?: { message?: string; errorName?: string; errorType?: string };
}

interface RequestClient {
  request<T>(config: Record<string, unknown>): Promise<T>;
}

/** Integers beyond 2^53 stay strings: JSON.parse would round 9007199254740993 to …992. */
const parseBody = (text: unknown) => (typeof text === "string" && text.length > 0 ? parseLossless(text, undefined, (n: string) => (isSafeNumber(n) ? Number(n) : n)) : text);

export interface TrinoRun {
  server: string;
  user: string;
  sql: string;
  catalog?: string;
  schema?: string;
  session?: Record<string, string>;
  /** Stop after this many rows and cancel the rest at the source. */
  maxRows?: number;
  /** Stop once the pages add up to more than this many bytes (each response is cut off as it arrives). */
  maxBytes?: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface TrinoResult {
  columns: ColumnInfo[];
  rows: unknown[][];
  /** More rows were on their way when maxRows was reached. */
  more: boolean;
}

/**
 * Runs one statement over Trino's client protocol with trino-client doing the HTTP. A new client per call: the
 * library copies Set-Catalog/Set-Session response headers into its own state for later queries. Every page is
 * checked for `error` (failures arrive as HTTP 200), the body is parsed without losing integer digits, and the
 * query is cancelled with DELETE on its nextUri when the rows are enough, the time is up or the caller aborts.
 */
/** The pages of a query added up to more than its byte budget. */
export class TrinoResultTooLarge extends Error {
  constructor() {
    super("result larger than the byte budget");
    this.name = "TrinoResultTooLarge";
  }
}

export async function runTrino(run: TrinoRun): Promise<TrinoResult> {
  const trino = Trino.create({ server: run.server, source: "connections-gateway" });
  // trino-client keeps its HTTP client private; its request() takes per-call axios options (parser, timeout,
  // abort signal) that Trino.query() does not expose, and the first page of a query would be skipped by its iterator.
  const client = (trino as unknown as { client: RequestClient }).client;
  // PARAMETRIC_DATETIME: types and values keep their precision (timestamp(3) with time zone), as information_schema
  // names them, rather than the legacy names older clients expect.
  const headers: Record<string, string> = { "X-Trino-User": run.user, "X-Trino-Client-Capabilities": "PARAMETRIC_DATETIME" };
  if (run.catalog) headers["X-Trino-Catalog"] = run.catalog;
  if (run.schema) headers["X-Trino-Schema"] = run.schema;
  if (run.session && Object.keys(run.session).length > 0) {
    headers["X-Trino-Session"] = Object.entries(run.session)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join(",");
  }
  const deadline = Date.now() + run.timeoutMs;
  let received = 0;
  const budget = run.maxBytes ?? Number.POSITIVE_INFINITY;
  const count = (raw: string) => {
    received += Buffer.byteLength(raw);
    return parseBody(raw);
  };
  const http = (config: Record<string, unknown>) =>
    client
      .request<Page>({
        transformResponse: [count],
        responseType: "text",
        timeout: Math.max(1, deadline - Date.now()),
        signal: run.signal,
        // axios stops reading a response past this many bytes: a huge page is refused as it arrives, not after.
        ...(Number.isFinite(budget) ? { maxContentLength: Math.max(1, budget - received) } : {}),
        ...config,
      })
      .catch((error: unknown) => {
        if (/maxContentLength size of/.test(String((error as Error).message))) throw new TrinoResultTooLarge();
        throw error;
      });

  let page = await withRetry(() => http({ method: "POST", url: "/v1/statement", data: run.sql, headers }));
  const rows: unknown[][] = [];
  let columns: ColumnInfo[] = [];
  try {
    for (;;) {
      if (page.error) throw new TrinoQueryError(page.error.errorName ?? "UNKNOWN", page.error.errorType ?? "UNKNOWN", page.error.message ?? "query failed");
      if (page.columns && columns.length === 0) columns = page.columns.map((c) => ({ name: c.name, dataType: trinoTypeName(c.type) }));
      if (page.data) rows.push(...page.data);
      if (run.maxRows !== undefined && rows.length >= run.maxRows) {
        const more = Boolean(page.nextUri);
        if (page.nextUri) await cancel(client, page.nextUri);
        return { columns, rows: rows.slice(0, run.maxRows), more: more || rows.length > run.maxRows };
      }
      if (!page.nextUri) return { columns, rows, more: false };
      const nextUri = page.nextUri;
      page = await withRetry(() => http({ method: "GET", url: nextUri }));
    }
  } catch (error) {
    if (page.nextUri) await cancel(client, page.nextUri);
    throw error;
  }
}

/** DELETE on nextUri ends the query at the source; best effort, bounded, never throws. */
async function cancel(client: RequestClient, nextUri: string): Promise<void> {
  await client.request({ method: "DELETE", url: nextUri, timeout: 2_000 }).catch(() => undefined);
}

/** The protocol asks clients to retry 502, 503 and 504 after a short pause. */
async function withRetry<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const status = (error as { response?: { status?: number } }).response?.status;
      if (attempt >= 5 || !status || ![502, 503, 504].includes(status)) throw error;
      await new Promise((r) => setTimeout(r, 50 + attempt * 50));
    }
  }
}

/**
 * The /v2 routes, each written once: the GraphQL operation it runs (REST is only a reshaping of GraphQL, never a
 * second code path), how the request becomes its variables, how the result becomes the REST body, and what the
 * OpenAPI document says of it. The router serves this table and openapi.ts describes it; adding a route is one
 * record here (plus a resource in resources.ts if its shape is new).
 */
import type { Request } from "express";
import { DEFAULT_K, DEFAULT_ROWS, LABEL_MAX, MAX_K, MAX_PAGE, MAX_ROWS, MAX_SEARCH_CHARS, SCAN_BUDGET } from "../../limits";
import {
  arrayOf,
  CONNECTION,
  CONNECTION_CONFIG,
  GENERATED_SQL,
  CONNECTION_TEST,
  TABLE_COLUMN,
  ref,
  SCAN_RESULT,
  schemaRef,
  selection,
  TABLE_MATCH,
  TABLE_SUMMARY,
  toRest,
  type JsonSchema,
} from "./resources";

type Json = Record<string, unknown>;

export interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required?: boolean;
  description: string;
  schema: JsonSchema;
}
export type Ref = { $ref: string };
export type Tag = "connections" | "schema" | "scan" | "connection types" | "ai";
/** Statuses a route answers beyond the ones every authenticated route can (400, 401, 403, 413, 500). */
export type ErrorStatus = "404" | "409" | "429" | "502" | "503" | "504";

export interface Route {
  method: "get" | "post" | "put" | "delete";
  /** Express syntax (`/connection/:id`); OpenAPI's `{id}` is derived from it. */
  path: string;
  operationId: string;
  /** The GraphQL document; its root field is aliased `result`. */
  document: string;
  variables(req: Request): Json;
  shape(result: Json): unknown;
  status?: 200 | 201;
  /** What a null result means, for routes whose GraphQL field answers null when nothing is found. */
  missing?: string;
  /** A nested null (a table of an existing connection): the message for a 404, or null when present. */
  missingInside?(result: Json): string | null;
  /** GraphQL argument → the name this route's client uses for it, where they differ (messages name the latter). */
  restNames?: Record<string, string>;
  /**
   * Keys of the resource as read that the body may carry back: ignored, so a client can GET, edit and PUT the object.
   * `id` and `account_id` among them must still be this connection's and the caller's own (checked by the router).
   */
  readOnlyKeys?: string[];
  /** Paged routes: `_meta` beside `data`. */
  meta?(result: Json): Json;
  /** The body's keys, for routes that read some and pass none on: any other key is refused by name, not ignored. */
  bodyKeys?: string[];
  doc: {
    summary: string;
    description?: string;
    tag: Tag;
    /** The route's own parameters; account_id and X-Request-Id follow on every route. */
    parameters?: (Parameter | Ref)[];
    requestBody?: { required: boolean; schema: string };
    response: { schema: JsonSchema; description: string };
    /** The schema of `_meta`, for a route with meta(). */
    meta?: JsonSchema;
    errors?: ErrorStatus[];
  };
}

/** `?limit=5` → 5; anything else goes to GraphQL as given so its coercion error names the argument. */
const intParam = (v: unknown) => (typeof v === "string" && /^-?\d{1,9}$/.test(v) ? Number(v) : v);
const boolParam = (v: unknown) => (v === "true" ? true : v === "false" ? false : v);

/** REST body keys → GraphQL input fields. Unknown keys pass through untouched so GraphQL refuses them by name. */
export const BODY_KEYS: Record<string, string> = {
  label: "label",
  description: "description",
  connection_config_id: "connectionConfigId",
  connection_config_slug: "connectionConfigSlug",
  config: "config",
  test: "test",
  auth_ids: "authIds",
  provider_id: "providerId",
  provider_slug: "providerSlug",
};

function inputFrom(body: unknown): unknown {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return body;
  return Object.fromEntries(Object.entries(body as Json).map(([k, v]) => [BODY_KEYS[k] ?? k, v]));
}

const CONNECTION_SELECTION = selection(CONNECTION);
const CONFIG_SELECTION = selection(CONNECTION_CONFIG);
const connection = (c: Json) => toRest(CONNECTION, c);
const list = (shape: (j: Json) => unknown) => (r: Json) => (r as unknown as Json[]).map(shape);
const ADMIN_ONLY = "Needs an admin token (a reader token gets 403).";
const CONNECTION_ID = ref("parameters", "ConnectionId");
const RATE_LIMITED = `Rate limited: ${SCAN_BUDGET.limit} per ${SCAN_BUDGET.seconds} s per account and connection (429 with Retry-After).`;

export const ROUTES: Route[] = [
  {
    method: "get",
    path: "/connection",
    operationId: "listConnections",
    document: `query ListConnections($search: String, $type: String, $first: Int, $after: String) {
      result: connectionPage(search: $search, type: $type, first: $first, after: $after) {
        connections { ${CONNECTION_SELECTION} } totalCount pageInfo { hasNextPage endCursor } } }`,
    variables: (r) => ({ search: r.query.search, type: r.query.type, first: intParam(r.query.limit), after: r.query.start }),
    restNames: { first: "limit", after: "start" },
    shape: (r) => (r.connections as Json[]).map(connection),
    // As Lytics' paged endpoints answer: whether more follow, and the `start` that fetches them.
    meta: (r) => {
      const info = r.pageInfo as { hasNextPage: boolean; endCursor: string | null };
      return { has_more: info.hasNextPage, next: info.hasNextPage ? info.endCursor : null, total: r.totalCount };
    },
    doc: {
      summary: "List the account's connections (deleted ones excluded), oldest first",
      description: `Filtered by \`search\` (part of the label, any case) and \`type\` (a connection type's id or slug); paged by \`limit\` (all when left out, at most ${MAX_PAGE}) and \`start\` (\`_meta.next\` of the page before).`,
      tag: "connections",
      parameters: [
        { name: "search", in: "query", required: false, description: "Part of the label, any case.", schema: { type: "string", maxLength: LABEL_MAX } },
        { name: "type", in: "query", required: false, description: "A connection type's id or slug.", schema: { type: "string" } },
        { name: "limit", in: "query", required: false, description: `At most this many; all when left out.`, schema: { type: "integer", minimum: 0, maximum: MAX_PAGE } },
        { name: "start", in: "query", required: false, description: "`_meta.next` of the page before.", schema: { type: "string" } },
      ],
      response: { schema: arrayOf("LiveConnection"), description: "The connections." },
      meta: {
        type: "object",
        additionalProperties: false,
        required: ["has_more", "next", "total"],
        properties: {
          has_more: { type: "boolean" },
          next: { type: ["string", "null"], description: "Pass as `start` for the next page; null on the last." },
          total: { type: "integer", minimum: 0, description: "Connections matching the filters, on every page." },
        },
      },
    },
  },
  {
    method: "get",
    path: "/connection/:id",
    operationId: "getConnection",
    document: `query GetConnection($id: ID!) { result: connection(id: $id) { ${CONNECTION_SELECTION} } }`,
    variables: (r) => ({ id: r.params.id }),
    shape: connection,
    missing: "connection",
    doc: {
      summary: "Get one connection",
      tag: "connections",
      parameters: [CONNECTION_ID],
      response: { schema: schemaRef("LiveConnection"), description: "The connection." },
      errors: ["404"],
    },
  },
  {
    method: "post",
    path: "/connection",
    operationId: "createConnection",
    document: `mutation CreateConnection($input: CreateConnectionInput!) { result: createConnection(input: $input) { ${CONNECTION_SELECTION} } }`,
    status: 201,
    variables: (r) => ({ input: inputFrom(r.body ?? {}) }),
    shape: connection,
    doc: {
      summary: "Create a connection",
      description: `${ADMIN_ONLY} Secret config fields are sent in plaintext and come back only as enc:v1 ciphertext.`,
      tag: "connections",
      requestBody: { required: true, schema: "CreateConnectionBody" },
      response: { schema: schemaRef("LiveConnection"), description: "The new connection; its embeddings are PENDING." },
      errors: ["409"],
    },
  },
  {
    method: "put",
    path: "/connection/:id",
    operationId: "updateConnection",
    document: `mutation UpdateConnection($id: ID!, $input: UpdateConnectionInput!) { result: updateConnection(id: $id, input: $input) { ${CONNECTION_SELECTION} } }`,
    variables: (r) => ({ id: r.params.id, input: inputFrom(r.body ?? {}) }),
    readOnlyKeys: ["id", "account_id", "aid", "created", "updated", "deleted", "author_id", "updated_by_user_id", "embedding_status", "status"],
    shape: connection,
    doc: {
      summary: "Change a connection's label, description or config",
      description:
        `${ADMIN_ONLY} \`config\` is merged onto the stored one; null removes an optional field. A secret sent back as its ` +
        "enc:v1 value (or left out) is kept, but changing a field it is bound to (host, port, database, user…) without re-sending it is refused. " +
        "The connection as read may be sent back whole: its read-only fields are ignored (id and account_id must be its own), and the type may be named only as it is.",
      tag: "connections",
      parameters: [CONNECTION_ID],
      requestBody: { required: false, schema: "UpdateConnectionBody" },
      response: { schema: schemaRef("LiveConnection"), description: "The updated connection." },
      errors: ["404", "409"],
    },
  },
  {
    method: "delete",
    path: "/connection/:id",
    operationId: "deleteConnection",
    document: `mutation DeleteConnection($id: ID!) { result: deleteConnection(id: $id) { ${CONNECTION_SELECTION} } }`,
    variables: (r) => ({ id: r.params.id }),
    shape: connection,
    doc: {
      summary: "Soft-delete a connection",
      description: `${ADMIN_ONLY} The row stays with \`deleted\` set and disappears from every read.`,
      tag: "connections",
      parameters: [CONNECTION_ID],
      response: { schema: schemaRef("DeletedConnection"), description: "The connection as deleted." },
      errors: ["404"],
    },
  },
  {
    method: "post",
    path: "/connection/:id/scan",
    operationId: "scan",
    document: `query Scan($id: ID!, $query: String!, $limit: Int, $primaryKeys: [String!]) {
      result: scan(connectionId: $id, query: $query, limit: $limit, primaryKeys: $primaryKeys) { ${selection(SCAN_RESULT)} } }`,
    variables: (r) => {
      const body = r.body as { query?: unknown; primary_keys?: unknown } | null | undefined;
      return { id: r.params.id, query: body?.query, limit: intParam(r.query.limit), primaryKeys: body?.primary_keys };
    },
    shape: (r) => toRest(SCAN_RESULT, r),
    bodyKeys: ["query", "primary_keys"],
    restNames: { primaryKeys: "primary_keys" },
    doc: {
      summary: "Run one read-only statement",
      description: `Checked by a parser for the source's dialect and run read-only at the source, cancelled after SCAN_TIMEOUT_MS. ${RATE_LIMITED}`,
      tag: "scan",
      parameters: [
        CONNECTION_ID,
        {
          name: "limit",
          in: "query",
          required: false,
          description: `Rows to return; default ${DEFAULT_ROWS}, a value above ${MAX_ROWS} is clamped to ${MAX_ROWS}.`,
          schema: { type: "integer", minimum: 1, default: DEFAULT_ROWS },
        },
      ],
      requestBody: { required: true, schema: "ScanBody" },
      response: { schema: schemaRef("ScanResult"), description: "The first rows." },
      errors: ["404", "429", "502", "503", "504"],
    },
  },
  {
    method: "post",
    path: "/connection/:id/test",
    operationId: "testConnection",
    document: `mutation TestConnection($id: ID!) { result: testConnection(id: $id) { ${selection(CONNECTION_TEST)} } }`,
    variables: (r) => ({ id: r.params.id }),
    shape: (r) => toRest(CONNECTION_TEST, r),
    bodyKeys: [],
    doc: {
      summary: "Test a saved connection",
      description: `Logs in afresh with the stored config and counts the tables the user may read. A failed test is 200 with \`ok: false\` and where it stopped. ${RATE_LIMITED}`,
      tag: "connections",
      parameters: [CONNECTION_ID],
      response: { schema: schemaRef(CONNECTION_TEST.name), description: "What answered, or where the test stopped." },
      errors: ["404", "429", "503"],
    },
  },
  {
    method: "post",
    path: "/connection/test",
    operationId: "testConnectionConfig",
    document: `mutation TestConnectionConfig($input: TestConnectionConfigInput!) { result: testConnectionConfig(input: $input) { ${selection(CONNECTION_TEST)} } }`,
    variables: (r) => ({ input: inputFrom(r.body ?? {}) }),
    shape: (r) => toRest(CONNECTION_TEST, r),
    doc: {
      summary: "Test a config before saving it",
      description: `${ADMIN_ONLY} The config is checked as on create; its secrets are used for the test and never stored. ${RATE_LIMITED.replace("and connection", "(all unsaved configs together)")}`,
      tag: "connections",
      requestBody: { required: true, schema: "TestConnectionBody" },
      response: { schema: schemaRef(CONNECTION_TEST.name), description: "What answered, or where the test stopped." },
      errors: ["429", "503"],
    },
  },
  {
    method: "post",
    path: "/ai/sql/:id",
    operationId: "generateSql",
    document: `mutation GenerateSql($id: ID!, $text: String!, $run: Boolean) { result: generateSql(connectionId: $id, text: $text, run: $run) { ${selection(GENERATED_SQL)} } }`,
    variables: (r) => {
      const body = r.body as { text?: unknown; run?: unknown } | null | undefined;
      return { id: r.params.id, text: body?.text, run: body?.run };
    },
    shape: (r) => toRest(GENERATED_SQL, r),
    bodyKeys: ["text", "run"],
    doc: {
      summary: "Write SQL for a question (Lytics: POST /v2/ai/sql/{connection})",
      description:
        "The 5 tables closest in meaning (schema embeddings) with their columns and comments go to the AI endpoint (AI_URL); its statement must pass the read-only gate and EXPLAIN at the source, and a refusal goes back to it once. " +
        `\`run: true\` also scans it. ${RATE_LIMITED} 409 while the embeddings are not ready; 503 without AI_URL.`,
      tag: "ai",
      parameters: [CONNECTION_ID],
      requestBody: { required: true, schema: "GenerateSqlBody" },
      response: { schema: schemaRef(GENERATED_SQL.name), description: "The statement, the tables it was written from, and its rows with run." },
      errors: ["404", "409", "429", "502", "503", "504"],
    },
  },
  {
    method: "get",
    path: "/connection/:id/schema",
    operationId: "listTables",
    document: `query ListTables($id: ID!, $refresh: Boolean) {
      result: connection(id: $id) { tables(refresh: $refresh) { tables { ${selection(TABLE_SUMMARY)} } } } }`,
    variables: (r) => ({ id: r.params.id, refresh: boolParam(r.query.refresh) }),
    shape: (c) => (c.tables as { tables: Json[] }).tables.map((t) => toRest(TABLE_SUMMARY, t)),
    missing: "connection",
    doc: {
      summary: "List the source's tables",
      tag: "schema",
      parameters: [CONNECTION_ID, { name: "refresh", in: "query", required: false, description: "`true` bypasses the cache.", schema: { type: "boolean", default: false } }],
      response: { schema: arrayOf("TableSummary"), description: "Tables ordered by fully qualified name." },
      errors: ["404", "502", "503", "504"],
    },
  },
  {
    method: "get",
    path: "/connection/:id/schema/:table",
    operationId: "describeTable",
    document: `query DescribeTable($id: ID!, $name: String!) {
      result: connection(id: $id) { table(name: $name) { columns { ${selection(TABLE_COLUMN)} } } } }`,
    variables: (r) => ({ id: r.params.id, name: r.params.table }),
    restNames: { name: "table" },
    shape: (c) => (c.table as { columns: Json[] }).columns.map((col) => toRest(TABLE_COLUMN, col)),
    missing: "connection",
    missingInside: (c) => (c.table === null ? "table not found" : null),
    doc: {
      summary: "One table's columns",
      description: `Rate limited like scan: ${SCAN_BUDGET.limit} per ${SCAN_BUDGET.seconds} s per account and connection (429 with Retry-After).`,
      tag: "schema",
      parameters: [
        CONNECTION_ID,
        {
          name: "table",
          in: "path",
          required: true,
          description: "Table name, optionally schema-qualified (`public.album`); 1-255 printable characters.",
          schema: { type: "string", minLength: 1, maxLength: 255 },
        },
      ],
      response: { schema: arrayOf(TABLE_COLUMN.name), description: "The columns in table order, with what the source says of each (nullable, primary key, default, comment)." },
      errors: ["404", "429", "502", "503", "504"],
    },
  },
  {
    method: "post",
    path: "/connection/:id/schema/refresh",
    operationId: "refreshSchema",
    document: `mutation RefreshSchema($id: ID!) { result: refreshConnectionSchema(id: $id) { ${CONNECTION_SELECTION} } }`,
    variables: (r) => ({ id: r.params.id }),
    shape: connection,
    doc: {
      summary: "Drop the cached schema and compute the embeddings again",
      description: ADMIN_ONLY,
      tag: "schema",
      parameters: [CONNECTION_ID],
      response: { schema: schemaRef("LiveConnection"), description: "The connection, embeddings PENDING." },
      errors: ["404"],
    },
  },
  {
    method: "get",
    path: "/connection/:id/search",
    operationId: "searchSchema",
    document: `query SearchSchema($id: ID!, $text: String!, $k: Int) {
      result: searchSchema(connectionId: $id, text: $text, k: $k) { ${selection(TABLE_MATCH)} } }`,
    variables: (r) => ({ id: r.params.id, text: r.query.q, k: intParam(r.query.k) }),
    restNames: { text: "q" },
    shape: list((m) => toRest(TABLE_MATCH, m)),
    doc: {
      summary: "Tables ranked by meaning",
      description:
        "Best first: the embedder's cosine, the sentence model's best of table and column similarity, and BM25, fused by reciprocal rank; each match names the columns and words that made it. Empty until the connection's embeddings are computed.",
      tag: "schema",
      parameters: [
        CONNECTION_ID,
        { name: "q", in: "query", required: true, description: "The question or words to search by.", schema: { type: "string", minLength: 1, maxLength: MAX_SEARCH_CHARS } },
        { name: "k", in: "query", required: false, description: "How many tables.", schema: { type: "integer", minimum: 1, maximum: MAX_K, default: DEFAULT_K } },
      ],
      response: { schema: arrayOf("TableMatch"), description: "Best first." },
      errors: ["404", "503"],
    },
  },
  {
    method: "get",
    path: "/connectionconfig",
    operationId: "listConnectionConfigs",
    document: `query ListConnectionConfigs { result: connectionConfigs { ${CONFIG_SELECTION} } }`,
    variables: () => ({}),
    shape: list((c) => toRest(CONNECTION_CONFIG, c)),
    doc: {
      summary: "List the connection types and their config fields",
      tag: "connection types",
      response: { schema: arrayOf("ConnectionConfig"), description: "Every connection type." },
    },
  },
  {
    method: "get",
    path: "/connectionconfig/:idOrSlug",
    operationId: "getConnectionConfig",
    document: `query GetConnectionConfig($idOrSlug: String!) { result: connectionConfig(idOrSlug: $idOrSlug) { ${CONFIG_SELECTION} } }`,
    variables: (r) => ({ idOrSlug: r.params.idOrSlug }),
    shape: (c) => toRest(CONNECTION_CONFIG, c),
    missing: "connection config",
    doc: {
      summary: "One connection type",
      tag: "connection types",
      parameters: [{ name: "idOrSlug", in: "path", required: true, description: "The type's id or slug (case-insensitive), e.g. `postgres`.", schema: { type: "string" } }],
      response: { schema: schemaRef("ConnectionConfig"), description: "The connection type." },
      errors: ["404"],
    },
  },
];

/** `/connection/:id` → `/connection/{id}`. */
export const openApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");

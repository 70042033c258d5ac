/**
 * The OpenAPI 3.1 description of /v2, served at GET /v2/openapi.json. Written by hand against the router and the
 * services it reaches; test/integration/openapi.test.ts holds it to real responses, so a shape or status that
 * drifts fails there. Schemas are JSON Schema 2020-12 and closed (`additionalProperties: false`) wherever the
 * shape is fixed, so an added or renamed field is caught too.
 */
import { CONNECTION_TYPES, type ConnectionType, type FieldType } from "../../datasources/sources/connection-types";
import { ErrorCode } from "../../errors";
import type { Operations } from "./operations";
import { DEFAULT_K, DEFAULT_ROWS, DESCRIPTION_MAX, LABEL_MAX, MAX_K, MAX_PRIMARY_KEYS, MAX_ROWS, MAX_SEARCH_CHARS, MAX_SQL_CHARS, SCAN_BUDGET } from "../../limits";

/** A JSON Schema (2020-12), as OpenAPI 3.1 embeds it. */
export type JsonSchema = { readonly [keyword: string]: unknown };
export type Ref = { $ref: string };
export interface Header {
  description: string;
  required?: boolean;
  schema: JsonSchema;
}
export interface ResponseObject {
  description: string;
  headers?: Record<string, Header | Ref>;
  content?: Record<string, { schema: JsonSchema }>;
}
export interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required?: boolean;
  description: string;
  schema: JsonSchema;
}
export interface Operation {
  operationId: keyof typeof Operations | "getOpenApiDocument";
  summary: string;
  description?: string;
  tags: string[];
  security?: Record<string, string[]>[];
  parameters?: (Parameter | Ref)[];
  requestBody?: { required: boolean; description?: string; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, ResponseObject | Ref>;
}
export type Method = "get" | "put" | "post" | "delete";
export type PathItem = Partial<Record<Method, Operation>>;
export interface OpenApiDocument {
  openapi: "3.1.0";
  jsonSchemaDialect: string;
  info: { title: string; version: string; description: string; license: { name: string; identifier: string } };
  servers: { url: string; description: string }[];
  security: Record<string, string[]>[];
  tags: { name: string; description: string }[];
  paths: Record<string, PathItem>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, ResponseObject>;
    parameters: Record<string, Parameter>;
    headers: Record<string, Header>;
    securitySchemes: Record<string, Record<string, string>>;
  };
}

const ref = (kind: "schemas" | "responses" | "parameters" | "headers", name: string): Ref => ({ $ref: `#/components/${kind}/${name}` });
const schema = (name: string) => ref("schemas", name);
const nullable = (s: JsonSchema): JsonSchema => ({ anyOf: [s, { type: "null" }] });

const JSON_TYPE: Record<FieldType, string> = { string: "string", text: "string", integer: "integer", boolean: "boolean" };
const SECRET_FIELDS = [...new Set(CONNECTION_TYPES.flatMap((t) => t.fields.filter((f) => f.secret).map((f) => f.name)))];
const ALL_FIELDS = [...new Set(CONNECTION_TYPES.flatMap((t) => t.fields.map((f) => f.name)))];
const configValuesName = (t: ConnectionType) => `ConfigValues.${t.slug}`;

/** A stored config of one type as responses show it: defaults are filled in at write time, so those keys are always there. */
function configValues(t: ConnectionType): JsonSchema {
  return {
    type: "object",
    description: `${t.name} config as stored. Secret fields appear only as enc:v1 ciphertext.`,
    additionalProperties: false,
    required: t.fields.filter((f) => f.required || f.default !== null).map((f) => f.name),
    properties: Object.fromEntries(
      t.fields.map((f) => [f.name, f.secret ? schema("EncryptedSecret") : { type: JSON_TYPE[f.type], description: f.description }]),
    ),
  };
}

/** Every error code the envelope can carry; 401 has its own body, so UNAUTHENTICATED never appears in it. */
const ENVELOPE_CODES = Object.values(ErrorCode).filter((c) => c !== ErrorCode.UNAUTHENTICATED);

function errorResponse(status: number, codes: string[], description: string, headers: Record<string, Ref> = {}): ResponseObject {
  return {
    description,
    headers: { "X-Request-Id": ref("headers", "X-Request-Id"), ...headers },
    content: {
      "application/json": {
        schema: {
          $ref: "#/components/schemas/ErrorEnvelope",
          type: "object",
          properties: { status: { const: status }, errors: { type: "array", items: { type: "object", properties: { code: { enum: codes } } } } },
        },
      },
    },
  };
}

function success(status: 200 | 201, data: JsonSchema, description: string): ResponseObject {
  return {
    description,
    headers: { "X-Request-Id": ref("headers", "X-Request-Id") },
    content: {
      "application/json": {
        schema: {
          type: "object",
          additionalProperties: false,
          required: ["data", "status", "request_id"],
          properties: { data, status: { const: status }, request_id: schema("RequestId") },
        },
      },
    },
  };
}

const ERROR_RESPONSES = {
  "400": "BadRequest",
  "401": "Unauthorized",
  "403": "Forbidden",
  "404": "NotFound",
  "413": "PayloadTooLarge",
  "429": "TooManyRequests",
  "500": "InternalServerError",
  "502": "BadGateway",
  "503": "ServiceUnavailable",
  "504": "GatewayTimeout",
} as const;

const errors = (...statuses: (keyof typeof ERROR_RESPONSES)[]) =>
  Object.fromEntries(statuses.map((s) => [s, ref("responses", ERROR_RESPONSES[s])]));

/** Every authenticated route takes account_id and X-Request-Id after its own parameters. */
const params = (...own: (Parameter | Ref)[]) => [...own, ref("parameters", "AccountId"), ref("parameters", "RequestId")];
/** Every authenticated route can answer 400 (bad JSON), 401, 403 (account_id), 413 and 500; `more` are its own. */
const routeErrors = (...more: (keyof typeof ERROR_RESPONSES)[]) => errors("400", "401", "403", "413", "500", ...more);

const arrayOf = (name: string): JsonSchema => ({ type: "array", items: schema(name) });
const json = (s: JsonSchema) => ({ "application/json": { schema: s } });
const ADMIN_ONLY = "Needs an admin token (a reader token gets 403).";

export const openApiDocument: OpenApiDocument = {
  openapi: "3.1.0",
  jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
  info: {
    title: "Connections gateway REST API (Lytics-compatible /v2)",
    version: "0.1.0",
    license: { name: "MIT", identifier: "MIT" },
    description: [
      "Every /v2 route runs the same GraphQL operation as /graphql and reshapes the result to snake_case.",
      "Success: `{data, status, request_id}`. Error: `{status, errors: [{code, level, message, timestamp}], request_id}`,",
      "except 401, which is exactly `{\"message\":\"Not authorized\",\"status\":401}`.",
      "Every response carries `X-Request-Id` (the request's own when it is 1-64 of `A-Za-z0-9._-`, otherwise a new UUID), equal to `request_id`.",
      "Any other method or path under /v2 answers 404 with the error envelope (`NOT_FOUND`, `no route …`).",
      "Request bodies are JSON of at most 1 MB; a body that is not valid JSON is refused with 400 on every route.",
    ].join("\n"),
  },
  servers: [{ url: "/v2", description: "this gateway" }],
  security: [{ bearerAuth: [] }, { token: [] }],
  tags: [
    { name: "connections", description: "Registered links to external databases." },
    { name: "schema", description: "Tables and columns of a connection's source, cached 30 minutes; search by meaning." },
    { name: "scan", description: "One read-only statement against the source." },
    { name: "connection types", description: "The kinds of database the gateway can connect to (`ConnectionConfig`)." },
    { name: "meta", description: "This document." },
  ],
  paths: {
    "/connection": {
      get: {
        operationId: "listConnections",
        summary: "List the account's connections (deleted ones excluded)",
        tags: ["connections"],
        parameters: params(),
        responses: {
          "200": success(200, arrayOf("LiveConnection"), "The connections."),
          ...routeErrors(),
        },
      },
      post: {
        operationId: "createConnection",
        summary: "Create a connection",
        description: `${ADMIN_ONLY} Secret config fields are sent in plaintext and come back only as enc:v1 ciphertext.`,
        tags: ["connections"],
        parameters: params(),
        requestBody: { required: true, content: json(schema("CreateConnectionBody")) },
        responses: {
          "201": success(201, schema("LiveConnection"), "The new connection; its embeddings are PENDING."),
          ...routeErrors(),
        },
      },
    },
    "/connection/{id}": {
      get: {
        operationId: "getConnection",
        summary: "Get one connection",
        tags: ["connections"],
        parameters: params(ref("parameters", "ConnectionId")),
        responses: {
          "200": success(200, schema("LiveConnection"), "The connection."),
          ...routeErrors("404"),
        },
      },
      put: {
        operationId: "updateConnection",
        summary: "Change a connection's label, description or config",
        description:
          `${ADMIN_ONLY} \`config\` is merged onto the stored one; null removes an optional field. A secret sent back as its ` +
          "enc:v1 value (or left out) is kept, but changing a field it is bound to (host, port, database, user…) without re-sending it is refused.",
        tags: ["connections"],
        parameters: params(ref("parameters", "ConnectionId")),
        requestBody: { required: false, content: json(schema("UpdateConnectionBody")) },
        responses: {
          "200": success(200, schema("LiveConnection"), "The updated connection."),
          ...routeErrors("404"),
        },
      },
      delete: {
        operationId: "deleteConnection",
        summary: "Soft-delete a connection",
        description: `${ADMIN_ONLY} The row stays with \`deleted\` set and disappears from every read.`,
        tags: ["connections"],
        parameters: params(ref("parameters", "ConnectionId")),
        responses: {
          "200": success(200, schema("DeletedConnection"), "The connection as deleted."),
          ...routeErrors("404"),
        },
      },
    },
    "/connection/{id}/scan": {
      post: {
        operationId: "scan",
        summary: "Run one read-only statement",
        description:
          "Checked by a parser for the source's dialect and run read-only at the source, cancelled after SCAN_TIMEOUT_MS. " +
          `Rate limited: ${SCAN_BUDGET.limit} per ${SCAN_BUDGET.seconds} s per account and connection (429 with Retry-After).`,
        tags: ["scan"],
        parameters: params(
          ref("parameters", "ConnectionId"),
          {
            name: "limit",
            in: "query",
            required: false,
            description: `Rows to return; default ${DEFAULT_ROWS}, a value above ${MAX_ROWS} is clamped to ${MAX_ROWS}.`,
            schema: { type: "integer", minimum: 1, default: DEFAULT_ROWS },
          },
        ),
        requestBody: { required: true, content: json(schema("ScanBody")) },
        responses: {
          "200": success(200, schema("ScanResult"), "The first rows."),
          ...routeErrors("404", "429", "502", "503", "504"),
        },
      },
    },
    "/connection/{id}/schema": {
      get: {
        operationId: "listTables",
        summary: "List the source's tables",
        tags: ["schema"],
        parameters: params(
          ref("parameters", "ConnectionId"),
          { name: "refresh", in: "query", required: false, description: "`true` bypasses the cache.", schema: { type: "boolean", default: false } },
        ),
        responses: {
          "200": success(200, arrayOf("TableSummary"), "Tables ordered by fully qualified name."),
          ...routeErrors("404", "502", "503", "504"),
        },
      },
    },
    "/connection/{id}/schema/{table}": {
      get: {
        operationId: "describeTable",
        summary: "One table's columns",
        description: `Rate limited like scan: ${SCAN_BUDGET.limit} per ${SCAN_BUDGET.seconds} s per account and connection (429 with Retry-After).`,
        tags: ["schema"],
        parameters: params(
          ref("parameters", "ConnectionId"),
          {
            name: "table",
            in: "path",
            required: true,
            description: "Table name, optionally schema-qualified (`public.album`); 1-255 printable characters.",
            schema: { type: "string", minLength: 1, maxLength: 255 },
          },
        ),
        responses: {
          "200": success(200, arrayOf("Column"), "The columns in table order."),
          ...routeErrors("404", "429", "502", "503", "504"),
        },
      },
    },
    "/connection/{id}/schema/refresh": {
      post: {
        operationId: "refreshSchema",
        summary: "Drop the cached schema and compute the embeddings again",
        description: ADMIN_ONLY,
        tags: ["schema"],
        parameters: params(ref("parameters", "ConnectionId")),
        responses: {
          "200": success(200, schema("LiveConnection"), "The connection, embeddings PENDING."),
          ...routeErrors("404"),
        },
      },
    },
    "/connection/{id}/search": {
      get: {
        operationId: "searchSchema",
        summary: "Tables ranked by meaning",
        description: "Cosine similarity of schema embeddings; empty until the connection's embeddings are computed.",
        tags: ["schema"],
        parameters: params(
          ref("parameters", "ConnectionId"),
          { name: "q", in: "query", required: true, description: "The question or words to search by.", schema: { type: "string", minLength: 1, maxLength: MAX_SEARCH_CHARS } },
          { name: "k", in: "query", required: false, description: "How many tables.", schema: { type: "integer", minimum: 1, maximum: MAX_K, default: DEFAULT_K } },
        ),
        responses: {
          "200": success(200, arrayOf("TableMatch"), "Best first."),
          ...routeErrors("404"),
        },
      },
    },
    "/connectionconfig": {
      get: {
        operationId: "listConnectionConfigs",
        summary: "List the connection types and their config fields",
        tags: ["connection types"],
        parameters: params(),
        responses: {
          "200": success(200, arrayOf("ConnectionConfig"), "Every connection type."),
          ...routeErrors(),
        },
      },
    },
    "/connectionconfig/{idOrSlug}": {
      get: {
        operationId: "getConnectionConfig",
        summary: "One connection type",
        tags: ["connection types"],
        parameters: params(
          { name: "idOrSlug", in: "path", required: true, description: "The type's id or slug (case-insensitive), e.g. `postgres`.", schema: { type: "string" } },
        ),
        responses: {
          "200": success(200, schema("ConnectionConfig"), "The connection type."),
          ...routeErrors("404"),
        },
      },
    },
    "/openapi.json": {
      get: {
        operationId: "getOpenApiDocument",
        summary: "This document",
        tags: ["meta"],
        security: [],
        responses: {
          "200": {
            description: "The OpenAPI 3.1 document.",
            headers: { "X-Request-Id": ref("headers", "X-Request-Id") },
            content: json({ type: "object", required: ["openapi", "info", "paths"] }),
          },
          ...errors("400", "413"),
        },
      },
    },
  },
  components: {
    securitySchemes: {
      bearerAuth: { type: "http", scheme: "bearer", description: "`Authorization: Bearer gwt_…`, an API token from `cli token create`." },
      token: { type: "apiKey", in: "header", name: "Authorization", description: "The same token without the `Bearer ` prefix." },
    },
    parameters: {
      ConnectionId: {
        name: "id",
        in: "path",
        required: true,
        description: "Connection id (UUID). Anything else, or another account's connection, is 404.",
        schema: { type: "string" },
      },
      AccountId: {
        name: "account_id",
        in: "query",
        required: false,
        description: "Must be the token's own account; any other value is 403.",
        schema: { type: "string" },
      },
      RequestId: {
        name: "X-Request-Id",
        in: "header",
        required: false,
        description: "Echoed in `request_id` and the X-Request-Id response header when it is 1-64 of `A-Za-z0-9._-`; otherwise a new UUID is used.",
        schema: { type: "string" },
      },
    },
    headers: {
      "X-Request-Id": { description: "This request's id, as in `request_id` and the server log.", required: true, schema: schema("RequestId") },
      "Retry-After": { description: "Whole seconds until the budget allows another call.", required: true, schema: { type: "integer", minimum: 1 } },
    },
    responses: {
      BadRequest: errorResponse(
        400,
        [ErrorCode.BAD_USER_INPUT, ErrorCode.READ_ONLY_VIOLATION],
        "BAD_USER_INPUT: a field, parameter or body is invalid (the message names it), or the body is not valid JSON. " +
          "READ_ONLY_VIOLATION (scan only): not a single read-only statement.",
      ),
      Unauthorized: {
        description: "No token, or an unknown or revoked one.",
        headers: { "X-Request-Id": ref("headers", "X-Request-Id") },
        content: json(schema("Unauthorized")),
      },
      Forbidden: errorResponse(403, [ErrorCode.FORBIDDEN], "FORBIDDEN: the token's role may not do this, or `account_id` names another account."),
      NotFound: errorResponse(404, [ErrorCode.NOT_FOUND], "NOT_FOUND: no such connection (or another account's), connection type or table."),
      PayloadTooLarge: errorResponse(413, [ErrorCode.BAD_USER_INPUT], "BAD_USER_INPUT: the request body exceeds 1 MB."),
      TooManyRequests: errorResponse(429, [ErrorCode.RATE_LIMITED], `RATE_LIMITED: over ${SCAN_BUDGET.limit} calls in ${SCAN_BUDGET.seconds} s for this account and connection.`, {
        "Retry-After": ref("headers", "Retry-After"),
      }),
      InternalServerError: errorResponse(500, [ErrorCode.INTERNAL_SERVER_ERROR], "INTERNAL_SERVER_ERROR: details only in the server log, under the request id."),
      BadGateway: errorResponse(502, [ErrorCode.UPSTREAM_ERROR], "UPSTREAM_ERROR: the source refused the query or the login (message sanitised)."),
      ServiceUnavailable: errorResponse(503, [ErrorCode.UPSTREAM_UNAVAILABLE], "UPSTREAM_UNAVAILABLE: the source or Trino cannot be reached, or all its connections are busy."),
      GatewayTimeout: errorResponse(504, [ErrorCode.UPSTREAM_TIMEOUT], "UPSTREAM_TIMEOUT: the statement ran past SCAN_TIMEOUT_MS and was cancelled at the source."),
    },
    schemas: {
      RequestId: { type: "string", pattern: "^[A-Za-z0-9._-]{1,64}$" },
      DateTime: { type: "string", format: "date-time" },
      Unauthorized: {
        type: "object",
        additionalProperties: false,
        required: ["message", "status"],
        properties: { message: { const: "Not authorized" }, status: { const: 401 } },
      },
      ErrorEnvelope: {
        type: "object",
        additionalProperties: false,
        required: ["status", "errors", "request_id"],
        properties: {
          status: { type: "integer", minimum: 400, maximum: 599 },
          errors: { type: "array", minItems: 1, items: schema("Error") },
          request_id: schema("RequestId"),
        },
      },
      Error: {
        type: "object",
        additionalProperties: false,
        required: ["code", "level", "message", "timestamp"],
        properties: {
          code: { enum: ENVELOPE_CODES },
          level: { const: "error" },
          message: { type: "string", minLength: 1, description: "For people; names the field or limit, never a secret or driver text." },
          timestamp: schema("DateTime"),
        },
      },
      EncryptedSecret: {
        type: "string",
        pattern: "^enc:v1:[A-Za-z0-9_-]{1,32}:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$",
        description: "A secret as stored: AES-256-GCM ciphertext `enc:v1:<key id>:<iv>:<sealed>`, bound to account, connection and field. The plaintext is never returned.",
      },
      SecretInput: {
        type: ["string", "null"],
        writeOnly: true,
        description:
          "Plaintext, write-only: stored encrypted and returned only as EncryptedSecret. On update, the enc:v1 value sent back unchanged " +
          "(or the field left out) keeps the stored secret; any other enc: value is refused.",
      },
      ConfigInput: {
        type: "object",
        description: "Field values for the connection type (see ConnectionConfig.fields); unknown, missing or malformed fields are refused together.",
        propertyNames: { enum: ALL_FIELDS },
        additionalProperties: { type: ["string", "integer", "boolean", "null"] },
        properties: Object.fromEntries(SECRET_FIELDS.map((name) => [name, schema("SecretInput")])),
      },
      ...Object.fromEntries(CONNECTION_TYPES.map((t) => [configValuesName(t), configValues(t)])),
      CreateConnectionBody: {
        type: "object",
        additionalProperties: false,
        required: ["label", "config"],
        anyOf: [{ required: ["connection_config_id"] }, { required: ["connection_config_slug"] }],
        properties: {
          label: { type: "string", minLength: 1, maxLength: LABEL_MAX, description: "Unique in the account." },
          description: { type: ["string", "null"], maxLength: DESCRIPTION_MAX },
          connection_config_id: { type: "string", enum: CONNECTION_TYPES.map((t) => t.id) },
          connection_config_slug: { type: "string", enum: CONNECTION_TYPES.map((t) => t.slug), description: "Case-insensitive." },
          config: schema("ConfigInput"),
        },
      },
      UpdateConnectionBody: {
        type: "object",
        additionalProperties: false,
        properties: {
          label: { type: "string", minLength: 1, maxLength: LABEL_MAX, description: "Left out keeps the label; null is refused." },
          description: { type: ["string", "null"], maxLength: DESCRIPTION_MAX },
          config: nullable(schema("ConfigInput")),
        },
      },
      ScanBody: {
        type: "object",
        description: "Other keys are refused by name (the row limit is the ?limit= query parameter).",
        additionalProperties: false,
        required: ["query"],
        properties: {
          query: { type: "string", minLength: 1, maxLength: MAX_SQL_CHARS, description: "One read-only statement in the source's dialect." },
          primary_keys: {
            type: ["array", "null"],
            items: { type: "string" },
            maxItems: MAX_PRIMARY_KEYS,
            description: "Columns that identify a row; each must be in the result.",
          },
        },
      },
      EmbeddingStatus: {
        type: "object",
        additionalProperties: false,
        required: ["state", "progress", "table_count", "model", "error", "updated_at"],
        properties: {
          state: { enum: ["PENDING", "RUNNING", "READY", "FAILED"] },
          progress: { type: ["number", "null"], minimum: 0, maximum: 1 },
          table_count: { type: ["integer", "null"], minimum: 0 },
          model: { type: ["string", "null"] },
          error: { type: ["string", "null"] },
          updated_at: nullable(schema("DateTime")),
        },
      },
      Connection: {
        type: "object",
        additionalProperties: false,
        required: [
          "id", "account_id", "label", "description", "connection_config_id", "connection_config_slug", "config",
          "created", "updated", "deleted", "author_id", "updated_by_user_id", "embedding_status",
        ],
        properties: {
          id: { type: "string", format: "uuid" },
          account_id: { type: "string", format: "uuid" },
          label: { type: "string", minLength: 1, maxLength: LABEL_MAX },
          description: { type: ["string", "null"], maxLength: DESCRIPTION_MAX },
          connection_config_id: { enum: CONNECTION_TYPES.map((t) => t.id) },
          connection_config_slug: { enum: CONNECTION_TYPES.map((t) => t.slug) },
          config: { type: "object", description: "The type's field values (see the ConfigValues.* schemas): passed through under the type's own field names." },
          created: schema("DateTime"),
          updated: schema("DateTime"),
          deleted: nullable(schema("DateTime")),
          author_id: { type: ["string", "null"], format: "uuid", description: "The token that created it." },
          updated_by_user_id: { type: ["string", "null"], format: "uuid", description: "The token that changed it last." },
          embedding_status: schema("EmbeddingStatus"),
        },
        // The config's keys depend on the connection's type.
        allOf: CONNECTION_TYPES.map((t) => ({
          if: { properties: { connection_config_slug: { const: t.slug } }, required: ["connection_config_slug"] },
          then: { properties: { config: schema(configValuesName(t)) } },
        })),
      },
      LiveConnection: { $ref: "#/components/schemas/Connection", type: "object", properties: { deleted: { type: "null" } } },
      DeletedConnection: { $ref: "#/components/schemas/Connection", type: "object", properties: { deleted: schema("DateTime") } },
      ConnectionConfigField: {
        type: "object",
        additionalProperties: false,
        required: ["name", "label", "type", "required", "secret", "default", "description"],
        properties: {
          name: { type: "string" },
          label: { type: "string" },
          type: { enum: ["string", "integer", "boolean", "text"] },
          required: { type: "boolean" },
          secret: { type: "boolean", description: "Stored encrypted; sent as plaintext, returned only as enc:v1 ciphertext." },
          default: { type: ["string", "number", "boolean", "null"] },
          description: { type: "string" },
        },
      },
      ConnectionConfig: {
        type: "object",
        additionalProperties: false,
        required: ["id", "slug", "name", "description", "fields"],
        properties: {
          id: { enum: CONNECTION_TYPES.map((t) => t.id) },
          slug: { enum: CONNECTION_TYPES.map((t) => t.slug) },
          name: { type: "string" },
          description: { type: "string" },
          fields: arrayOf("ConnectionConfigField"),
        },
      },
      Column: {
        type: "object",
        additionalProperties: false,
        required: ["column_name", "column_datatype"],
        properties: { column_name: { type: "string" }, column_datatype: { type: "string", description: "The source's own type name." } },
      },
      ScanResult: {
        type: "object",
        additionalProperties: false,
        required: ["columns", "row_count", "rows", "truncated"],
        properties: {
          columns: arrayOf("Column"),
          row_count: { type: "integer", minimum: 0, maximum: MAX_ROWS },
          rows: {
            type: "array",
            maxItems: MAX_ROWS,
            items: { type: "object" },
            description: "Objects keyed by column name (later duplicates renamed `_2`, `_3`…); BIGINT beyond 2^53 as a string.",
          },
          truncated: { type: "boolean", description: "More rows existed than the limit let through." },
        },
      },
      TableSummary: {
        type: "object",
        additionalProperties: false,
        required: ["table_name", "fully_qualified_name", "num_columns", "error"],
        properties: {
          table_name: { type: "string" },
          fully_qualified_name: { type: "string" },
          num_columns: { type: ["integer", "null"], minimum: 0 },
          error: { type: ["string", "null"] },
        },
      },
      TableMatch: {
        type: "object",
        additionalProperties: false,
        required: ["table_name", "fully_qualified_name", "score", "columns"],
        properties: {
          table_name: { type: "string" },
          fully_qualified_name: { type: "string" },
          score: { type: "number", minimum: -1, maximum: 1, description: "Cosine similarity." },
          columns: arrayOf("Column"),
        },
      },
    },
  },
};

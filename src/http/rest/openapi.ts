/**
 * The OpenAPI 3.1 description of /v2, served at GET /v2/openapi.json. Its paths are generated from the route table
 * (routes.ts) and its resource schemas from the resources' field lists (resources.ts); what is written here is what
 * no route or resource says: the envelopes, parameters, headers and bodies they share. test/integration/openapi.test.ts
 * holds it to real responses, so a shape or status that drifts fails there. Schemas are JSON Schema 2020-12 and closed
 * (`additionalProperties: false`) wherever the shape is fixed, so an added or renamed field is caught too.
 */
import { CONNECTION_TYPES, type ConnectionField, type ConnectionType, type FieldType } from "../../datasources/sources/connection-types";
import { ErrorCode } from "../../errors";
import { LYTICS_SENT } from "./lytics-codes";
import { BODY_LIMIT, DESCRIPTION_MAX, LABEL_MAX, MAX_PRIMARY_KEYS, MAX_SEARCH_CHARS, MAX_SQL_CHARS, SCAN_BUDGET } from "../../limits";
import {
  AUTH_IDS_SCHEMA,
  COLUMN,
  CONNECTION,
  CONNECTION_CONFIG,
  CONNECTION_CONFIG_FIELD,
  CONNECTION_STATUS,
  CONNECTION_TEST,
  configValuesName,
  EMBEDDING_STATUS,
  GENERATED_SQL,
  nullable,
  objectSchema,
  PROVIDER_IDS,
  PROVIDER_SLUGS,
  ref,
  schemaRef as schema,
  SCAN_RESULT,
  TABLE_COLUMN,
  TABLE_MATCH,
  TABLE_SUMMARY,
  type JsonSchema,
  type Resource,
} from "./resources";
import { openApiPath, ROUTES, type Parameter, type Ref, type Route } from "./routes";

export type { JsonSchema, Parameter, Ref };

/** "1mb" as people write it: "1 MB". */
const BODY_SIZE = BODY_LIMIT.replace(/mb$/i, " MB");
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
export interface Operation {
  operationId: string;
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

const JSON_TYPE: Record<FieldType, string> = { string: "string", text: "string", integer: "integer", boolean: "boolean" };
const SECRET_FIELDS = [...new Set(CONNECTION_TYPES.flatMap((t) => t.fields.filter((f) => f.secret).map((f) => f.name)))];
const ALL_FIELDS = [...new Set(CONNECTION_TYPES.flatMap((t) => t.fields.map((f) => f.name)))];

/** A stored config of one type as responses show it: defaults are filled in at write time, so those keys are always there. */
/** A stored config value's schema, with the same bounds the validator applies and ConnectionConfigField tells a form. */
function valueSchema(f: ConnectionField): JsonSchema {
  const bounds = Object.entries({ minimum: f.minimum, maximum: f.maximum, maxLength: f.maxLength, pattern: f.pattern }).filter(([, v]) => v !== null);
  return { type: JSON_TYPE[f.type], description: f.description, ...Object.fromEntries(bounds), ...(f.options ? { enum: f.options.map((o) => o.value) } : {}) };
}

function configValues(t: ConnectionType): JsonSchema {
  return {
    type: "object",
    description: `${t.name} config as stored. Secret fields appear only as enc:v1 ciphertext.`,
    additionalProperties: false,
    // A field that applies only under a condition (depends_on) may be absent.
    required: t.fields.filter((f) => (f.required || f.default !== null) && f.dependsOn === null).map((f) => f.name),
    properties: Object.fromEntries(t.fields.map((f) => [f.name, f.secret ? schema("EncryptedSecret") : valueSchema(f)])),
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

function success(status: 200 | 201, data: JsonSchema, description: string, meta?: JsonSchema): ResponseObject {
  return {
    description,
    headers: { "X-Request-Id": ref("headers", "X-Request-Id") },
    content: {
      "application/json": {
        schema: {
          type: "object",
          additionalProperties: false,
          required: meta ? ["data", "_meta", "status", "request_id"] : ["data", "status", "request_id"],
          properties: { data, ...(meta ? { _meta: meta } : {}), status: { const: status }, request_id: schema("RequestId") },
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
  "409": "Conflict",
  "413": "PayloadTooLarge",
  "415": "UnsupportedMediaType",
  "429": "TooManyRequests",
  "500": "InternalServerError",
  "502": "BadGateway",
  "503": "ServiceUnavailable",
  "504": "GatewayTimeout",
} as const;

const errors = (...statuses: (keyof typeof ERROR_RESPONSES)[]) => Object.fromEntries(statuses.map((s) => [s, ref("responses", ERROR_RESPONSES[s])]));

/** Every authenticated route takes account_id and X-Request-Id after its own parameters. */
const params = (...own: (Parameter | Ref)[]) => [...own, ref("parameters", "AccountId"), ref("parameters", "RequestId")];
/** Every authenticated route can answer 400 (bad JSON), 401, 403 (account_id), 413, 415 (a body not sent as JSON) and 500; `more` are its own. */
const routeErrors = (...more: (keyof typeof ERROR_RESPONSES)[]) => errors("400", "401", "403", "413", "415", "500", ...more);

const json = (s: JsonSchema) => ({ "application/json": { schema: s } });

/** One route's OpenAPI operation, from what its record in routes.ts says. */
function operationOf(route: Route): Operation {
  const { doc } = route;
  const status = route.status ?? 200;
  return {
    operationId: route.operationId,
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: [doc.tag],
    parameters: params(...(doc.parameters ?? [])),
    ...(doc.requestBody ? { requestBody: { required: doc.requestBody.required, content: json(schema(doc.requestBody.schema)) } } : {}),
    responses: { [status]: success(status, doc.response.schema, doc.response.description, doc.meta), ...routeErrors(...(doc.errors ?? [])) },
  };
}

/** The paths, in the route table's order, and this document's own. */
function pathsOf(routes: Route[]): Record<string, PathItem> {
  const paths: Record<string, PathItem> = {};
  for (const route of routes) (paths[openApiPath(route.path)] ??= {})[route.method] = operationOf(route);
  paths["/openapi.json"] = {
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
  };
  return paths;
}

/** Lytics' connection fields a request may carry: auth ids kept as given, the provider only as the type's own. */
const LYTICS_BODY = {
  auth_ids: AUTH_IDS_SCHEMA,
  provider_id: { type: "string", enum: PROVIDER_IDS, description: "Only the vendor of the connection's type: it follows from the type." },
  provider_slug: { type: "string", enum: PROVIDER_SLUGS, description: "The same, by slug (case-insensitive)." },
};

const TEST_FLAG = {
  type: ["boolean", "null"],
  description: "true: test the config first (as POST /connection/test does) and save nothing when the test fails (400 naming the stage).",
};

const components = (...resources: Resource[]) => Object.fromEntries(resources.map((r) => [r.name, objectSchema(r)]));

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
      'except 401, which is exactly `{"message":"Not authorized","status":401}`.',
      "Every response carries `X-Request-Id` (the request's own when it is 1-64 of `A-Za-z0-9._-`, otherwise a new UUID), equal to `request_id`.",
      "Any other method or path under /v2 answers 404 with the error envelope (`NOT_FOUND`, `no route …`).",
      `Request bodies are JSON of at most ${BODY_SIZE}; a body that is not valid JSON is refused with 400 on every route.`,
    ].join("\n"),
  },
  servers: [{ url: "/v2", description: "this gateway" }],
  security: [{ bearerAuth: [] }, { token: [] }],
  tags: [
    { name: "connections", description: "Registered links to external databases." },
    { name: "schema", description: "Tables and columns of a connection's source, cached 30 minutes; search by meaning." },
    { name: "scan", description: "One read-only statement against the source." },
    { name: "connection types", description: "The kinds of database the gateway can connect to (`ConnectionConfig`)." },
    { name: "ai", description: "SQL written for a question by an OpenAI-compatible endpoint (AI_URL), checked before it is answered." },
    { name: "meta", description: "This document." },
  ],
  paths: pathsOf(ROUTES),
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
        [ErrorCode.BAD_USER_INPUT, ErrorCode.READ_ONLY_VIOLATION, ErrorCode.QUERY_ERROR],
        "BAD_USER_INPUT: a field, parameter or body is invalid (the message names it), the body is not valid JSON, or (scan, PostgreSQL) the statement has a syntax error. " +
          "READ_ONLY_VIOLATION (scan only): not a single read-only statement. " +
          "QUERY_ERROR (scan only): the source found a mistake in the statement (no such table or column, a syntax error it reports); the message is the source's, with its position.",
      ),
      Unauthorized: {
        description: "No token, or an unknown or revoked one.",
        headers: { "X-Request-Id": ref("headers", "X-Request-Id") },
        content: json(schema("Unauthorized")),
      },
      Forbidden: errorResponse(403, [ErrorCode.FORBIDDEN], "FORBIDDEN: the token's role may not do this, or `account_id` names another account."),
      NotFound: errorResponse(404, [ErrorCode.NOT_FOUND], "NOT_FOUND: no such connection (or another account's), connection type or table."),
      Conflict: errorResponse(409, [ErrorCode.CONFLICT], "CONFLICT: another live connection of the account has this label (labels are unique, case-insensitive)."),
      PayloadTooLarge: errorResponse(413, [ErrorCode.BAD_USER_INPUT], `BAD_USER_INPUT: the request body exceeds ${BODY_SIZE}.`),
      UnsupportedMediaType: errorResponse(415, [ErrorCode.BAD_USER_INPUT], "BAD_USER_INPUT: a body was sent with another Content-Type than application/json."),
      TooManyRequests: errorResponse(429, [ErrorCode.RATE_LIMITED], `RATE_LIMITED: over ${SCAN_BUDGET.limit} calls in ${SCAN_BUDGET.seconds} s for this account and connection.`, {
        "Retry-After": ref("headers", "Retry-After"),
      }),
      InternalServerError: errorResponse(500, [ErrorCode.INTERNAL_SERVER_ERROR], "INTERNAL_SERVER_ERROR: details only in the server log, under the request id."),
      BadGateway: errorResponse(
        502,
        [ErrorCode.UPSTREAM_ERROR],
        "UPSTREAM_ERROR: the source refused the query for another reason (permission, a write, the login); the message keeps only the class.",
      ),
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
        required: ["code", "lytics_code", "level", "message", "timestamp"],
        properties: {
          code: { enum: ENVELOPE_CODES },
          lytics_code: { enum: LYTICS_SENT, description: "The nearest code of Lytics' published v2 error enum, for clients written for Lytics (docs/api.md has the table)." },
          level: { enum: ["warn", "error"], description: "As Lytics sets it: warn for a 4xx (the client's to fix), error for a 5xx." },
          message: { type: "string", minLength: 1, description: "For people; names the field or limit, never a secret or driver text." },
          timestamp: schema("DateTime"),
        },
      },
      ConnectionConfigFieldOption: {
        type: "object",
        additionalProperties: false,
        required: ["value", "label"],
        properties: { value: { type: "string" }, label: { type: "string" } },
      },
      ConnectionConfigFieldCondition: {
        type: "object",
        additionalProperties: false,
        required: ["field", "values"],
        description: "The field applies only when `field` has one of `values`; a form hides it otherwise, and the gateway refuses it.",
        properties: { field: { type: "string" }, values: { type: "array", minItems: 1, items: { type: ["string", "boolean"] } } },
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
      ...Object.fromEntries(CONNECTION_TYPES.map((t) => [configValuesName(t.slug), configValues(t)])),
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
          ...LYTICS_BODY,
          test: TEST_FLAG,
        },
      },
      UpdateConnectionBody: {
        type: "object",
        additionalProperties: false,
        properties: {
          label: { type: "string", minLength: 1, maxLength: LABEL_MAX, description: "Left out keeps the label; null is refused." },
          description: { type: ["string", "null"], maxLength: DESCRIPTION_MAX },
          config: nullable(schema("ConfigInput")),
          connection_config_id: { type: "string", enum: CONNECTION_TYPES.map((t) => t.id), description: "Only the connection's own type: a type cannot be changed." },
          connection_config_slug: { type: "string", enum: CONNECTION_TYPES.map((t) => t.slug), description: "Only the connection's own type: a type cannot be changed." },
          ...LYTICS_BODY,
          test: TEST_FLAG,
          auth_ids: nullable({ ...AUTH_IDS_SCHEMA, description: "Replaces the list; left out keeps it, null or [] empties it." }),
          ...Object.fromEntries(
            (ROUTES.find((r) => r.operationId === "updateConnection")?.readOnlyKeys ?? []).map((key) => [
              key,
              { description: key === "id" || key === "account_id" ? "Ignored when it is the connection's own; refused otherwise." : "Read-only: ignored." },
            ]),
          ),
        },
      },
      TestConnectionBody: {
        type: "object",
        additionalProperties: false,
        required: ["config"],
        anyOf: [{ required: ["connection_config_id"] }, { required: ["connection_config_slug"] }],
        properties: {
          connection_config_id: { type: "string", enum: CONNECTION_TYPES.map((t) => t.id) },
          connection_config_slug: { type: "string", enum: CONNECTION_TYPES.map((t) => t.slug), description: "Case-insensitive." },
          config: schema("ConfigInput"),
        },
      },
      GenerateSqlBody: {
        type: "object",
        additionalProperties: false,
        required: ["text"],
        properties: {
          text: { type: "string", minLength: 1, maxLength: MAX_SEARCH_CHARS, description: "The question, in words." },
          run: { type: "boolean", description: "Also scan the statement (counted against the scan budget)." },
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
      ...components(EMBEDDING_STATUS, CONNECTION_STATUS, CONNECTION),
      LiveConnection: { $ref: "#/components/schemas/Connection", type: "object", properties: { deleted: { type: "null" } } },
      DeletedConnection: { $ref: "#/components/schemas/Connection", type: "object", properties: { deleted: schema("DateTime") } },
      ...components(CONNECTION_CONFIG_FIELD, CONNECTION_CONFIG, CONNECTION_TEST, GENERATED_SQL, COLUMN, TABLE_COLUMN, SCAN_RESULT, TABLE_SUMMARY, TABLE_MATCH),
    },
  },
};

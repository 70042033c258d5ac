/**
 * The /v2 resources, each one list of fields: a REST (snake_case) name, where the value sits in the GraphQL result,
 * and its JSON Schema. From each list come the GraphQL selection the route asks for, the function that reshapes the
 * result, and the OpenAPI schema, so a field is added or renamed in one line.
 */
import { CONNECTION_TYPES, PROVIDERS } from "../../datasources/sources/connection-types";
import { AUTH_ID_MAX, DESCRIPTION_MAX, LABEL_MAX, MAX_AUTH_IDS, MAX_ROWS } from "../../limits";

/** A JSON Schema (2020-12), as OpenAPI 3.1 embeds it. */
export type JsonSchema = { readonly [keyword: string]: unknown };
type Json = Record<string, unknown>;

export interface RestField {
  /** The REST name. */
  readonly rest: string;
  /** Dotted path in the GraphQL result (`table.name`); the selection is built from these. */
  readonly gql: string;
  readonly schema: JsonSchema;
  /** A nested resource (an object, or a list of them with `list`), reshaped by its own field list. */
  readonly of?: Resource;
  readonly list?: boolean;
  /** The value's own GraphQL selection when it is passed through as it is (JSON scalars need none). */
  readonly select?: string;
}

export interface Resource {
  /** The OpenAPI component's name. */
  readonly name: string;
  readonly fields: readonly RestField[];
  /** Keywords the component has after its properties (conditional schemas). */
  readonly extra?: JsonSchema;
}

export const ref = (kind: "schemas" | "responses" | "parameters" | "headers", name: string) => ({ $ref: `#/components/${kind}/${name}` });
export const schemaRef = (name: string) => ref("schemas", name);
export const nullable = (s: JsonSchema): JsonSchema => ({ anyOf: [s, { type: "null" }] });
export const arrayOf = (name: string): JsonSchema => ({ type: "array", items: schemaRef(name) });

const field = (rest: string, gql: string, schema: JsonSchema): RestField => ({ rest, gql, schema });
const nested = (rest: string, gql: string, of: Resource, list = false): RestField => ({
  rest,
  gql,
  of,
  list,
  schema: list ? arrayOf(of.name) : schemaRef(of.name),
});

/** The GraphQL selection set of a resource: `a b { c d }`, paths of two segments grouped under their first. */
export function selection(resource: Resource): string {
  const tree = new Map<string, string[]>();
  for (const f of resource.fields) {
    const [head, ...rest] = f.gql.split(".");
    if (rest.length > 1) throw new Error(`${resource.name}.${f.rest}: a path of more than two segments needs a nested resource`);
    const inner = f.of ? [selection(f.of)] : f.select ? [f.select] : [];
    const sub = rest.length > 0 ? [`${rest.join(".")}${inner.length ? ` { ${inner[0]} }` : ""}`] : inner;
    tree.set(head, [...(tree.get(head) ?? []), ...sub]);
  }
  return [...tree].map(([name, sub]) => (sub.length ? `${name} { ${sub.join(" ")} }` : name)).join(" ");
}

const at = (value: Json, path: string): unknown => path.split(".").reduce<unknown>((v, key) => (v as Json | null | undefined)?.[key], value);

/** A GraphQL result reshaped to the resource's REST names, nested resources included. */
export function toRest(resource: Resource, value: Json): Json {
  return Object.fromEntries(
    resource.fields.map((f) => {
      const v = at(value, f.gql);
      if (!f.of) return [f.rest, v];
      if (f.list) return [f.rest, ((v ?? []) as Json[]).map((item) => toRest(f.of!, item))];
      // A nullable nested resource stays null (a generated statement that was not run has no scan).
      if (v === null) return [f.rest, null];
      return [f.rest, toRest(f.of, (v ?? {}) as Json)];
    }),
  );
}

/** The resource's OpenAPI schema: closed, every field required. */
export function objectSchema(resource: Resource): JsonSchema {
  return {
    type: "object",
    additionalProperties: false,
    required: resource.fields.map((f) => f.rest),
    properties: Object.fromEntries(resource.fields.map((f) => [f.rest, f.schema])),
    ...(resource.extra ?? {}),
  };
}

const TYPE_IDS = CONNECTION_TYPES.map((t) => t.id);
const TYPE_SLUGS = CONNECTION_TYPES.map((t) => t.slug);
export const PROVIDER_IDS = Object.values(PROVIDERS).map((p) => p.id);
export const PROVIDER_SLUGS = Object.values(PROVIDERS).map((p) => p.slug);
export const AUTH_IDS_SCHEMA: JsonSchema = {
  type: "array",
  maxItems: MAX_AUTH_IDS,
  uniqueItems: true,
  items: { type: "string", pattern: `^[A-Za-z0-9_.:-]{1,${AUTH_ID_MAX}}$` },
  description: "Ids of auths linked to the connection, kept as given.",
};
export const configValuesName = (slug: string) => `ConfigValues.${slug}`;

export const EMBEDDING_STATUS: Resource = {
  name: "EmbeddingStatus",
  fields: [
    field("state", "state", { enum: ["PENDING", "RUNNING", "READY", "FAILED"] }),
    field("progress", "progress", { type: ["number", "null"], minimum: 0, maximum: 1 }),
    field("table_count", "tableCount", { type: ["integer", "null"], minimum: 0 }),
    field("model", "model", { type: ["string", "null"] }),
    field("error", "error", { type: ["string", "null"] }),
    field("updated_at", "updatedAt", nullable(schemaRef("DateTime"))),
  ],
};

export const CONNECTION_STATUS: Resource = {
  name: "ConnectionStatus",
  fields: [
    field("state", "state", { enum: ["UNKNOWN", "OK", "FAILING"], description: "UNKNOWN until a test or scan reaches the source." }),
    field("checked_at", "checkedAt", nullable(schemaRef("DateTime"))),
    field("error", "error", { type: ["string", "null"], description: "Why FAILING." }),
    field("last_used_at", "lastUsedAt", { ...nullable(schemaRef("DateTime")), description: "The last scan (recorded within seconds, in batches)." }),
  ],
};

export const CONNECTION: Resource = {
  name: "Connection",
  fields: [
    field("id", "id", { type: "string", format: "uuid" }),
    field("account_id", "accountId", { type: "string", format: "uuid" }),
    field("aid", "aid", { type: "integer", minimum: 1, description: "The account's number." }),
    field("label", "label", { type: "string", minLength: 1, maxLength: LABEL_MAX }),
    field("description", "description", { type: ["string", "null"], maxLength: DESCRIPTION_MAX }),
    field("connection_config_id", "connectionConfigId", { enum: TYPE_IDS }),
    field("connection_config_slug", "connectionConfigSlug", { enum: TYPE_SLUGS }),
    field("provider_id", "providerId", { enum: PROVIDER_IDS, description: "The database's vendor; follows from the type." }),
    field("provider_slug", "providerSlug", { enum: PROVIDER_SLUGS }),
    // Config keys are the connection type's own field names: passed through, not re-cased.
    field("config", "config", {
      type: "object",
      description: "The type's field values (see the ConfigValues.* schemas): passed through under the type's own field names.",
    }),
    field("auth_ids", "authIds", AUTH_IDS_SCHEMA),
    field("created", "created", schemaRef("DateTime")),
    field("updated", "updated", schemaRef("DateTime")),
    field("deleted", "deleted", nullable(schemaRef("DateTime"))),
    field("author_id", "authorId", { type: ["string", "null"], format: "uuid", description: "The token that created it." }),
    field("updated_by_user_id", "updatedByUserId", { type: ["string", "null"], format: "uuid", description: "The token that changed it last." }),
    nested("embedding_status", "embedding", EMBEDDING_STATUS),
    nested("status", "status", CONNECTION_STATUS),
  ],
  // The config's keys depend on the connection's type.
  extra: {
    allOf: TYPE_SLUGS.map((slug) => ({
      if: { properties: { connection_config_slug: { const: slug } }, required: ["connection_config_slug"] },
      then: { properties: { config: schemaRef(configValuesName(slug)) } },
    })),
  },
};

export const CONNECTION_CONFIG_FIELD: Resource = {
  name: "ConnectionConfigField",
  fields: [
    field("name", "name", { type: "string" }),
    field("label", "label", { type: "string" }),
    field("type", "type", { enum: ["string", "integer", "boolean", "text"] }),
    field("required", "required", { type: "boolean" }),
    field("secret", "secret", { type: "boolean", description: "Stored encrypted; sent as plaintext, returned only as enc:v1 ciphertext." }),
    field("default", "default", { type: ["string", "number", "boolean", "null"] }),
    field("description", "description", { type: "string" }),
    field("placeholder", "placeholder", { type: ["string", "null"], description: "An example for the empty input; never used as a value." }),
    field("group", "group", { enum: ["location", "authentication", "security"], description: "The section of a form it belongs to." }),
    field("order", "order", { type: "integer", minimum: 1, description: "1-based position on the form." }),
    field("minimum", "minimum", { type: ["integer", "null"] }),
    field("maximum", "maximum", { type: ["integer", "null"] }),
    field("max_length", "maxLength", { type: ["integer", "null"], minimum: 1 }),
    field("pattern", "pattern", { type: ["string", "null"], description: "A regular expression (ECMAScript) the whole value must match." }),
    { ...field("options", "options", nullable(arrayOf("ConnectionConfigFieldOption"))), select: "value label" },
    { ...field("depends_on", "dependsOn", nullable(schemaRef("ConnectionConfigFieldCondition"))), select: "field values" },
  ],
};

export const CONNECTION_CONFIG: Resource = {
  name: "ConnectionConfig",
  fields: [
    field("id", "id", { enum: TYPE_IDS }),
    field("slug", "slug", { enum: TYPE_SLUGS }),
    field("name", "name", { type: "string" }),
    field("description", "description", { type: "string" }),
    field("provider_id", "providerId", { enum: PROVIDER_IDS, description: "The database's vendor." }),
    field("provider_slug", "providerSlug", { enum: PROVIDER_SLUGS }),
    nested("fields", "fields", CONNECTION_CONFIG_FIELD, true),
    field("available", "available", { type: "boolean", description: "Whether this deployment can scan and list connections of this type (some need the Trino engine)." }),
    field("unavailable_reason", "unavailableReason", { type: ["string", "null"], description: "Why not, for the gateway's operator to act on; null when available." }),
  ],
};

export const COLUMN: Resource = {
  name: "Column",
  fields: [field("column_name", "name", { type: "string" }), field("column_datatype", "dataType", { type: "string", description: "The source's own type name." })],
};

/** A table's column, as the schema and search routes answer it: Lytics' two fields, then what the catalogue says. */
export const TABLE_COLUMN: Resource = {
  name: "TableColumn",
  fields: [
    ...COLUMN.fields,
    field("nullable", "nullable", { type: ["boolean", "null"], description: "Whether it admits NULL; null when the source does not say." }),
    field("primary_key", "primaryKey", { type: ["integer", "null"], minimum: 1, description: "1-based position in the primary key; null when not part of one." }),
    field("default", "default", { type: ["string", "null"], description: "The default, as the source spells the expression." }),
    field("comment", "comment", { type: ["string", "null"] }),
  ],
};

export const SCAN_RESULT: Resource = {
  name: "ScanResult",
  fields: [
    nested("columns", "columns", COLUMN, true),
    field("row_count", "rowCount", { type: "integer", minimum: 0, maximum: MAX_ROWS }),
    field("rows", "rows", {
      type: "array",
      maxItems: MAX_ROWS,
      items: { type: "object" },
      description: "Objects keyed by column name (later duplicates renamed `_2`, `_3`…); BIGINT beyond 2^53 as a string.",
    }),
    field("truncated", "truncated", { type: "boolean", description: "More rows existed than the limit let through." }),
  ],
};

export const TABLE_SUMMARY: Resource = {
  name: "TableSummary",
  fields: [
    field("table_name", "name", { type: "string" }),
    field("fully_qualified_name", "fullyQualifiedName", { type: "string" }),
    field("comment", "comment", { type: ["string", "null"] }),
    field("kind", "kind", { type: ["string", "null"], description: "table, view, materialized view, foreign table or sequence." }),
    field("estimated_rows", "estimatedRows", { type: ["number", "null"], minimum: 0, description: "The source's own estimate (planner statistics), not a count." }),
    field("num_columns", "numColumns", { type: ["integer", "null"], minimum: 0 }),
    field("error", "error", { type: ["string", "null"] }),
  ],
};

export const TABLE_MATCH: Resource = {
  name: "TableMatch",
  fields: [
    field("table_name", "table.name", { type: "string" }),
    field("fully_qualified_name", "fullyQualifiedName", { type: "string" }),
    field("comment", "table.comment", { type: ["string", "null"] }),
    field("score", "score", { type: "number", minimum: 0, maximum: 1, description: "Relevance, 1 meaning first in every ranking search fuses; compare within one answer." }),
    field("matched_columns", "matchedColumns", { type: "array", items: { type: "string" }, maxItems: 5, description: "Columns that made the match." }),
    field("matched_words", "matchedWords", { type: "array", items: { type: "string" }, description: "Words of the question found in the table's name, comment or columns." }),
    nested("columns", "table.columns", TABLE_COLUMN, true),
  ],
};

export const CONNECTION_TEST: Resource = {
  name: "ConnectionTest",
  fields: [
    field("ok", "ok", { type: "boolean" }),
    field("latency_ms", "latencyMs", { type: ["number", "null"], minimum: 0, description: "From the start of the test to the source's answer, login included." }),
    field("server_version", "serverVersion", { type: ["string", "null"], description: "What answered (through Trino: Trino's version)." }),
    field("readable_tables", "readableTables", { type: ["integer", "null"], minimum: 0 }),
    field("stage", "stage", { enum: ["dns", "host_policy", "network", "tls", "authentication", "database", "permissions", "source", null] }),
    field("code", "code", {
      enum: ["DNS_FAILED", "HOST_REFUSED", "UNREACHABLE", "TIMEOUT", "TLS_FAILED", "AUTHENTICATION_FAILED", "DATABASE_NOT_FOUND", "NO_READABLE_TABLE", "SOURCE_ERROR", null],
    }),
    field("message", "message", { type: ["string", "null"], description: "What to look at, naming the config fields." }),
    field("checked_at", "checkedAt", schemaRef("DateTime")),
  ],
};

export const GENERATED_SQL: Resource = {
  name: "GeneratedSql",
  fields: [
    field("query", "query", { type: "string", description: "One read-only statement, checked by the gate and by EXPLAIN at the source." }),
    field("tables", "tables", { type: "array", items: { type: "string" }, maxItems: 5, description: "The tables given to the model (closest in meaning)." }),
    field("attempts", "attempts", { type: "integer", minimum: 1, maximum: 2, description: "2 when the first statement was refused and corrected." }),
    { ...nested("scan", "scan", SCAN_RESULT), schema: nullable(schemaRef(SCAN_RESULT.name)) },
  ],
};

/**
 * The connection types the gateway knows (`ConnectionConfig` in the API). Field names follow what the
 * matching Trino connector needs (reference: Trino 476 connector docs), so a stored config can become a Trino
 * catalog without renaming: host/port/database build `connection-url`, user and password become
 * `connection-user` / `connection-password`, and connector-specific fields keep the connector's own words.
 * Ids are fixed so they stay stable across releases and instances.
 */
export type FieldType = "string" | "integer" | "boolean" | "text";

export interface ConnectionField {
  readonly name: string;
  readonly label: string;
  readonly type: FieldType;
  readonly required: boolean;
  readonly secret: boolean;
  readonly default: string | number | boolean | null;
  readonly description: string;
}

export interface ConnectionType {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly description: string;
  /** The Trino connector that serves this type as a catalog. */
  readonly trinoConnector: string;
  /** SQL dialect of the source, for the read-only gate. */
  readonly dialect: "pg" | "mysql" | "tsql" | "snowflake" | "bigquery" | "clickhouse" | "trino";
  /** Fields that identify where a secret is sent: changing one requires re-sending every secret. */
  readonly boundFields: readonly string[];
  readonly fields: readonly ConnectionField[];
}

const field = (
  name: string,
  label: string,
  type: FieldType,
  description: string,
  opts: { required?: boolean; secret?: boolean; default?: string | number | boolean | null } = {},
): ConnectionField =>
  Object.freeze({
    name,
    label,
    type,
    required: opts.required ?? false,
    secret: opts.secret ?? false,
    default: opts.default ?? null,
    description,
  });

const host = (what: string) => field("host", "Host", "string", `DNS name or IP address of the ${what}.`, { required: true });
const port = (def: number) => field("port", "Port", "integer", `TCP port (default ${def}).`, { default: def });
const user = field("user", "User", "string", "User name to log in with; a read-only role is recommended.", { required: true });
const password = (required: boolean) =>
  field("password", "Password", "string", "Password for the user. Stored encrypted; never returned in plaintext.", {
    required,
    secret: true,
  });
const ssl = (def: boolean) => field("ssl", "Use TLS", "boolean", "Connect with TLS.", { default: def });

/** host + port + database + user + password: the shape most JDBC connectors share. */
const jdbcFields = (what: string, defPort: number, database: { required: boolean; label?: string }, tls: boolean) => [
  host(what),
  port(defPort),
  field("database", database.label ?? "Database", "string", `Database to connect to.`, { required: database.required }),
  user,
  password(false),
  ssl(tls),
];

const types: ConnectionType[] = [
  {
    id: "6b1c2f0e-9a51-4d8e-8b0a-000000000001",
    slug: "postgres",
    name: "PostgreSQL",
    description: "PostgreSQL 11 or later (Trino connector: postgresql).",
    trinoConnector: "postgresql",
    dialect: "pg",
    boundFields: ["host", "port", "database", "user"],
    fields: jdbcFields("PostgreSQL server", 5432, { required: true }, false),
  },
  {
    id: "6b1c2f0e-9a51-4d8e-8b0a-000000000002",
    slug: "mysql",
    name: "MySQL",
    description: "MySQL 5.7 or 8.0+ (Trino connector: mysql). The catalog exposes every database as a schema.",
    trinoConnector: "mysql",
    dialect: "mysql",
    boundFields: ["host", "port", "database", "user"],
    fields: jdbcFields("MySQL server", 3306, { required: false, label: "Default database" }, false),
  },
  {
    id: "6b1c2f0e-9a51-4d8e-8b0a-000000000003",
    slug: "mariadb",
    name: "MariaDB",
    description: "MariaDB 10.10 or later (Trino connector: mariadb).",
    trinoConnector: "mariadb",
    dialect: "mysql",
    boundFields: ["host", "port", "database", "user"],
    fields: jdbcFields("MariaDB server", 3306, { required: false, label: "Default database" }, false),
  },
  {
    id: "6b1c2f0e-9a51-4d8e-8b0a-000000000004",
    slug: "redshift",
    name: "Amazon Redshift",
    description: "Amazon Redshift cluster or serverless workgroup (Trino connector: redshift).",
    trinoConnector: "redshift",
    dialect: "pg",
    boundFields: ["host", "port", "database", "user"],
    fields: jdbcFields("Redshift endpoint", 5439, { required: true }, true),
  },
  {
    id: "6b1c2f0e-9a51-4d8e-8b0a-000000000005",
    slug: "sqlserver",
    name: "Microsoft SQL Server",
    description: "SQL Server 2019+ or Azure SQL (Trino connector: sqlserver).",
    trinoConnector: "sqlserver",
    dialect: "tsql",
    boundFields: ["host", "port", "database", "user"],
    fields: jdbcFields("SQL Server", 1433, { required: true }, true),
  },
  {
    id: "6b1c2f0e-9a51-4d8e-8b0a-000000000006",
    slug: "snowflake",
    name: "Snowflake",
    description: "Snowflake account (Trino connector: snowflake; snowflake.account, database, role, warehouse).",
    trinoConnector: "snowflake",
    dialect: "snowflake",
    boundFields: ["account", "user", "database", "role"],
    fields: [
      field("account", "Account", "string", "Account identifier, e.g. myorg-myaccount (host <account>.snowflakecomputing.com).", { required: true }),
      user,
      password(true),
      field("database", "Database", "string", "Database (snowflake.database).", { required: true }),
      field("warehouse", "Warehouse", "string", "Virtual warehouse to run queries (snowflake.warehouse).", { required: true }),
      field("role", "Role", "string", "Role to assume (snowflake.role); a read-only role is recommended."),
    ],
  },
  {
    id: "6b1c2f0e-9a51-4d8e-8b0a-000000000007",
    slug: "bigquery",
    name: "Google BigQuery",
    description: "BigQuery project (Trino connector: bigquery; bigquery.project-id, bigquery.credentials-key).",
    trinoConnector: "bigquery",
    dialect: "bigquery",
    boundFields: ["project_id"],
    fields: [
      field("project_id", "Project id", "string", "Google Cloud project that holds the datasets (bigquery.project-id).", { required: true }),
      field("credentials_key", "Service account key", "text", "The service account's JSON key (bigquery.credentials-key). Stored encrypted.", {
        required: true,
        secret: true,
      }),
    ],
  },
  {
    id: "6b1c2f0e-9a51-4d8e-8b0a-000000000008",
    slug: "clickhouse",
    name: "ClickHouse",
    description: "ClickHouse over HTTP (Trino connector: clickhouse).",
    trinoConnector: "clickhouse",
    dialect: "clickhouse",
    boundFields: ["host", "port", "database", "user"],
    fields: jdbcFields("ClickHouse server", 8123, { required: false, label: "Default database" }, false),
  },
  {
    id: "6b1c2f0e-9a51-4d8e-8b0a-000000000009",
    slug: "trino",
    name: "Trino",
    description: "An existing Trino or Starburst cluster, queried directly.",
    trinoConnector: "trino",
    dialect: "trino",
    boundFields: ["host", "port", "user"],
    fields: [
      host("Trino coordinator"),
      port(8080),
      field("catalog", "Catalog", "string", "Default catalog.", { required: true }),
      field("schema", "Schema", "string", "Default schema."),
      user,
      password(false),
      ssl(false),
    ],
  },
];

export const CONNECTION_TYPES: readonly ConnectionType[] = Object.freeze(types.map((t) => Object.freeze(t)));

export function findConnectionType(idOrSlug: string): ConnectionType | undefined {
  const key = idOrSlug.trim().toLowerCase();
  return CONNECTION_TYPES.find((t) => t.id === key || t.slug === key);
}

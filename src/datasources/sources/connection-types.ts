import { createPrivateKey } from "node:crypto";
import { CONFIG_STRING_MAX, CONFIG_TEXT_MAX } from "../../limits";

/** A PEM private key as the base64 of its PKCS#8 DER form, as Snowflake's JDBC driver takes it inline. */
const pkcs8Base64 = (pem: string) => createPrivateKey(pem).export({ type: "pkcs8", format: "der" }).toString("base64");

/**
 * The connection types the gateway knows (`ConnectionConfig` in the API). Field names follow what the
 * matching Trino connector needs (reference: Trino 476 connector docs), so a stored config can become a Trino
 * catalog without renaming: host/port/database build `connection-url`, user and password become
 * `connection-user` / `connection-password`, and connector-specific fields keep the connector's own words.
 * Ids are fixed so they stay stable across releases and instances.
 */
export type FieldType = "string" | "integer" | "boolean" | "text";

/** Where a field sits on a form: where the source is, who logs in, how the link is protected. */
export type FieldGroup = "location" | "authentication" | "security";

export interface ConnectionField {
  readonly name: string;
  readonly label: string;
  readonly type: FieldType;
  readonly required: boolean;
  readonly secret: boolean;
  readonly default: string | number | boolean | null;
  readonly description: string;
  /** What a form shows in the empty input: an example, never a value that is used. */
  readonly placeholder: string | null;
  readonly group: FieldGroup;
  /** Integer bounds, inclusive. */
  readonly minimum: number | null;
  readonly maximum: number | null;
  /** Characters at most (strings and texts). */
  readonly maxLength: number | null;
  /** A regular expression (ECMAScript) a string must match whole; the validator applies the same one. */
  readonly pattern: string | null;
  /** The values a string may take, with their labels; null: free text. */
  readonly options: readonly { readonly value: string; readonly label: string }[] | null;
  /** The field applies only when another field has one of these values (a form hides it otherwise). */
  readonly dependsOn: { readonly field: string; readonly values: readonly (string | boolean)[] } | null;
  /** Older spellings accepted on input and stored as the value they stand for (ssl: true → verify-full). */
  readonly aliases: Readonly<Record<string, string>> | null;
  /** Text that must parse as PEM: certificates, or one unencrypted private key. */
  readonly format: "pem-certificates" | "pem-private-key" | null;
}

/** How a connection uses TLS, as libpq names the modes. */
export type SslMode = "disable" | "require" | "verify-ca" | "verify-full";
/** A config's ssl value as a mode (unset: disable). Booleans saved before modes existed were rewritten by migration 1764400000000, and the validator reads true/false as aliases. */
export const sslModeOf = (value: unknown): SslMode => (value === undefined || value === null ? "disable" : (String(value) as SslMode));

/** A database vendor. Ids are fixed, as the types' are. */
export interface Provider {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
}

const provider = (n: number, slug: string, name: string): Provider => Object.freeze({ id: `0c3e5a1d-7f20-4b6e-9d14-${String(n).padStart(12, "0")}`, slug, name });
export const PROVIDERS = Object.freeze({
  postgresql: provider(1, "postgresql", "PostgreSQL Global Development Group"),
  oracle: provider(2, "oracle", "Oracle (MySQL)"),
  mariadb: provider(3, "mariadb", "MariaDB"),
  aws: provider(4, "aws", "Amazon Web Services"),
  microsoft: provider(5, "microsoft", "Microsoft"),
  snowflake: provider(6, "snowflake", "Snowflake"),
  google: provider(7, "google", "Google Cloud"),
  clickhouse: provider(8, "clickhouse", "ClickHouse"),
  trino: provider(9, "trino", "Trino Software Foundation"),
});

/** What a Trino catalog's properties are built from: the stored config and the address to dial. */
export interface CatalogTarget {
  readonly config: Readonly<Record<string, unknown>>;
  /** The host to put in the URL: the checked IP address, or the name when TLS must check it. */
  readonly host: string;
  readonly port: string;
  readonly tls: SslMode;
  /** connection-user and connection-password. */
  readonly credentials: Record<string, string>;
}

/**
 * Everything that differs between connection types lives in its record: adding a type is one record here (plus its
 * rows in the tables of tests); the engines, the Trino catalogs and the gate read what they need from it.
 */
export interface ConnectionType {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly description: string;
  /** The Trino connector that serves this type as a catalog. */
  readonly trinoConnector: string;
  /** Who makes the database: Lytics' `provider_id` / `provider_slug` of a connection. */
  readonly provider: Provider;
  /** SQL dialect of the source, for the read-only gate. */
  readonly dialect: "pg" | "mysql" | "tsql" | "snowflake" | "bigquery" | "clickhouse" | "trino";
  /** Fields that identify where a secret is sent: changing one requires re-sending every secret. */
  readonly boundFields: readonly string[];
  readonly fields: readonly ConnectionField[];
  /** The direct driver that serves it when the gateway runs without Trino; null: it needs TRINO_URL. */
  readonly directEngine: "postgres" | "mysql" | null;
  /** The Trino catalog's properties; null when Trino cannot serve it (a Trino cluster is queried, not federated). */
  readonly catalog: ((target: CatalogTarget) => Record<string, string>) | null;
  /** The schema a scan starts in, so `SELECT * FROM album` works through Trino as it would on the source. */
  readonly defaultSchema: (config: Readonly<Record<string, unknown>>) => string | undefined;
  /** PostgreSQL family: the statement that clears a pooled session after a scan (Redshift has no DISCARD ALL). */
  readonly sessionReset?: "DISCARD ALL" | "RESET ALL";
  /** The gate asks the source for its own functions, operators, types and casts (PostgreSQL's catalogues). */
  readonly checksSourceCode?: boolean;
}

/** MySQL-style sources: the catalog exposes every database as a schema, so the default is the configured one. */
const theDatabase = (config: Readonly<Record<string, unknown>>) => (typeof config.database === "string" && config.database ? config.database.toLowerCase() : undefined);

/** Fields that end up inside a JDBC URL or a host name: restricted so they cannot smuggle URL parameters. */
const IDENTIFIER_FIELDS = new Set(["database", "catalog", "schema", "warehouse", "role", "project_id", "account"]);
const IDENTIFIER_PATTERN = "^[A-Za-z0-9_$][A-Za-z0-9_$.\\- ]{0,127}$";
const GROUPS: Record<string, FieldGroup> = {
  user: "authentication",
  password: "authentication",
  credentials_key: "authentication",
  role: "authentication",
  authenticator: "authentication",
  private_key: "authentication",
  ssl: "security",
  ssl_ca: "security",
  ssl_cert: "security",
  ssl_key: "security",
};

type FieldOptions = Partial<Pick<ConnectionField, "required" | "secret" | "default" | "placeholder" | "minimum" | "maximum" | "options" | "dependsOn" | "aliases" | "format">>;

const field = (name: string, label: string, type: FieldType, description: string, opts: FieldOptions = {}): ConnectionField =>
  Object.freeze({
    name,
    label,
    type,
    required: opts.required ?? false,
    secret: opts.secret ?? false,
    default: opts.default ?? null,
    description,
    placeholder: opts.placeholder ?? null,
    group: GROUPS[name] ?? "location",
    minimum: opts.minimum ?? null,
    maximum: opts.maximum ?? null,
    maxLength: type === "integer" || type === "boolean" ? null : IDENTIFIER_FIELDS.has(name) ? 128 : type === "text" ? CONFIG_TEXT_MAX : CONFIG_STRING_MAX,
    pattern: IDENTIFIER_FIELDS.has(name) ? IDENTIFIER_PATTERN : null,
    options: opts.options ?? null,
    dependsOn: opts.dependsOn ?? null,
    aliases: opts.aliases ?? null,
    format: opts.format ?? null,
  });

const host = (what: string) => field("host", "Host", "string", `DNS name or IP address of the ${what}.`, { required: true, placeholder: "db.example.com" });
const port = (def: number) => field("port", "Port", "integer", `TCP port (default ${def}).`, { default: def, placeholder: String(def), minimum: 1, maximum: 65535 });
const user = field("user", "User", "string", "User name to log in with; a read-only role is recommended.", { required: true, placeholder: "readonly" });
const password = (required: boolean) =>
  field("password", "Password", "string", "Password for the user. Stored encrypted; never returned in plaintext.", {
    required,
    secret: true,
  });
const SSL_MODES = [
  { value: "disable", label: "No TLS" },
  { value: "require", label: "TLS, certificate not checked" },
  { value: "verify-ca", label: "TLS, certificate signed by a trusted CA" },
  { value: "verify-full", label: "TLS, certificate trusted and naming the host" },
];
/** Modes that check the server's certificate, and modes that encrypt at all. */
const VERIFYING = ["verify-ca", "verify-full"];
const ENCRYPTING = ["require", ...VERIFYING];
const ssl = (def: SslMode) =>
  field(
    "ssl",
    "TLS",
    "string",
    "disable; require (encrypted, nothing checked); verify-ca (the certificate is signed by a public CA, or by ssl_ca); verify-full (that, and it names the host). true and false are read as verify-full and disable.",
    { default: def, options: SSL_MODES, aliases: { true: "verify-full", false: "disable" } },
  );
/** What the direct drivers can present and check: a private CA, and a client certificate with its key. */
const certificates = [
  field("ssl_ca", "CA certificate", "text", "PEM certificate(s) of the CA that signed the server's certificate, when it is not a public one.", {
    format: "pem-certificates",
    dependsOn: { field: "ssl", values: VERIFYING },
    placeholder: "-----BEGIN CERTIFICATE-----",
  }),
  field("ssl_cert", "Client certificate", "text", "PEM certificate the gateway presents, for sources that authenticate clients by certificate.", {
    format: "pem-certificates",
    dependsOn: { field: "ssl", values: ENCRYPTING },
    placeholder: "-----BEGIN CERTIFICATE-----",
  }),
  field("ssl_key", "Client key", "text", "The client certificate's private key: PEM, unencrypted. Stored encrypted; never returned in plaintext.", {
    secret: true,
    format: "pem-private-key",
    dependsOn: { field: "ssl", values: ENCRYPTING },
    placeholder: "-----BEGIN PRIVATE KEY-----",
  }),
];

/** host + port + database + user + password: the shape most JDBC connectors share; certificates where a direct driver serves the type. */
const jdbcFields = (what: string, defPort: number, database: { required: boolean; label?: string }, tls: SslMode, withCertificates = false) => [
  host(what),
  port(defPort),
  field("database", database.label ?? "Database", "string", `Database to connect to.`, { required: database.required, placeholder: "analytics" }),
  user,
  password(false),
  ssl(tls),
  ...(withCertificates ? certificates : []),
];

const types: ConnectionType[] = [
  {
    id: "6b1c2f0e-9a51-4d8e-8b0a-000000000001",
    slug: "postgres",
    provider: PROVIDERS.postgresql,
    name: "PostgreSQL",
    description: "PostgreSQL 11 or later (Trino connector: postgresql).",
    trinoConnector: "postgresql",
    dialect: "pg",
    boundFields: ["host", "port", "database", "user"],
    fields: jdbcFields("PostgreSQL server", 5432, { required: true }, "disable", true),
    directEngine: "postgres",
    catalog: ({ config: c, host, port, tls, credentials }) => ({
      "connection-url": `jdbc:postgresql://${host}:${port}/${String(c.database)}${tls === "disable" ? "" : `?ssl=true&sslmode=${tls}`}`,
      ...credentials,
    }),
    defaultSchema: () => "public",
    sessionReset: "DISCARD ALL",
    checksSourceCode: true,
  },
  {
    id: "6b1c2f0e-9a51-4d8e-8b0a-000000000002",
    slug: "mysql",
    provider: PROVIDERS.oracle,
    name: "MySQL",
    description: "MySQL 5.7 or 8.0+ (Trino connector: mysql). The catalog exposes every database as a schema.",
    trinoConnector: "mysql",
    dialect: "mysql",
    boundFields: ["host", "port", "database", "user"],
    fields: jdbcFields("MySQL server", 3306, { required: false, label: "Default database" }, "disable", true),
    directEngine: "mysql",
    catalog: ({ host, port, tls, credentials }) => ({
      "connection-url": `jdbc:mysql://${host}:${port}?sslMode=${{ disable: "DISABLED", require: "REQUIRED", "verify-ca": "VERIFY_CA", "verify-full": "VERIFY_IDENTITY" }[tls]}`,
      "case-insensitive-name-matching": "true",
      ...credentials,
    }),
    defaultSchema: theDatabase,
  },
  {
    id: "6b1c2f0e-9a51-4d8e-8b0a-000000000003",
    slug: "mariadb",
    provider: PROVIDERS.mariadb,
    name: "MariaDB",
    description: "MariaDB 10.10 or later (Trino connector: mariadb).",
    trinoConnector: "mariadb",
    dialect: "mysql",
    boundFields: ["host", "port", "database", "user"],
    fields: jdbcFields("MariaDB server", 3306, { required: false, label: "Default database" }, "disable", true),
    directEngine: "mysql",
    catalog: ({ host, port, tls, credentials }) => ({
      "connection-url": `jdbc:mariadb://${host}:${port}?sslMode=${tls === "require" ? "trust" : tls}`,
      "case-insensitive-name-matching": "true",
      ...credentials,
    }),
    defaultSchema: theDatabase,
  },
  {
    id: "6b1c2f0e-9a51-4d8e-8b0a-000000000004",
    slug: "redshift",
    provider: PROVIDERS.aws,
    name: "Amazon Redshift",
    description: "Amazon Redshift cluster or serverless workgroup (Trino connector: redshift).",
    trinoConnector: "redshift",
    dialect: "pg",
    boundFields: ["host", "port", "database", "user"],
    fields: jdbcFields("Redshift endpoint", 5439, { required: true }, "verify-full", true),
    directEngine: "postgres",
    catalog: ({ config: c, host, port, tls, credentials }) => ({
      "connection-url": `jdbc:redshift://${host}:${port}/${String(c.database)}${tls === "disable" ? "?ssl=false" : `?ssl=true&sslmode=${tls}`}`,
      ...credentials,
    }),
    defaultSchema: () => "public",
    sessionReset: "RESET ALL",
  },
  {
    id: "6b1c2f0e-9a51-4d8e-8b0a-000000000005",
    slug: "sqlserver",
    provider: PROVIDERS.microsoft,
    name: "Microsoft SQL Server",
    description: "SQL Server 2019+ or Azure SQL (Trino connector: sqlserver).",
    trinoConnector: "sqlserver",
    dialect: "tsql",
    boundFields: ["host", "port", "database", "user"],
    fields: jdbcFields("SQL Server", 1433, { required: true }, "verify-full"),
    directEngine: null,
    catalog: ({ config: c, host, port, tls, credentials }) => ({
      "connection-url": `jdbc:sqlserver://${host}:${port};databaseName=${String(c.database)};encrypt=${tls !== "disable"};trustServerCertificate=${tls === "require"}`,
      ...credentials,
    }),
    defaultSchema: () => "dbo",
  },
  {
    id: "6b1c2f0e-9a51-4d8e-8b0a-000000000006",
    slug: "snowflake",
    provider: PROVIDERS.snowflake,
    name: "Snowflake",
    description: "Snowflake account (Trino connector: snowflake; snowflake.account, database, role, warehouse).",
    trinoConnector: "snowflake",
    dialect: "snowflake",
    boundFields: ["account", "user", "database", "role", "authenticator"],
    fields: [
      field("account", "Account", "string", "Account identifier, e.g. myorg-myaccount (host <account>.snowflakecomputing.com).", {
        required: true,
        placeholder: "myorg-myaccount",
      }),
      user,
      field(
        "authenticator",
        "Sign in with",
        "string",
        "password, or key_pair (Snowflake blocks password sign-in for people from November 2025; a service user with a key pair is the way).",
        {
          default: "password",
          options: [
            { value: "password", label: "Password" },
            { value: "key_pair", label: "Key pair (private key)" },
          ],
        },
      ),
      Object.freeze({ ...password(true), dependsOn: { field: "authenticator", values: ["password"] } }),
      field("private_key", "Private key", "text", "The user's unencrypted PKCS#8 private key (PEM) whose public key is set on the Snowflake user. Stored encrypted.", {
        required: true,
        secret: true,
        format: "pem-private-key",
        dependsOn: { field: "authenticator", values: ["key_pair"] },
        placeholder: "-----BEGIN PRIVATE KEY-----",
      }),
      field("database", "Database", "string", "Database (snowflake.database).", { required: true, placeholder: "ANALYTICS" }),
      field("warehouse", "Warehouse", "string", "Virtual warehouse to run queries (snowflake.warehouse).", { required: true, placeholder: "COMPUTE_WH" }),
      field("role", "Role", "string", "Role to assume (snowflake.role); a read-only role is recommended.", { placeholder: "READER" }),
    ],
    directEngine: null,
    catalog: ({ config: c, credentials }) => ({
      // Key pair: the JDBC driver's JWT sign-in, the key passed inline (DER, base64) rather than as a file.
      "connection-url": `jdbc:snowflake://${String(c.account)}.snowflakecomputing.com${
        c.authenticator === "key_pair" ? `/?authenticator=SNOWFLAKE_JWT&private_key_base64=${encodeURIComponent(pkcs8Base64(String(c.private_key)))}` : ""
      }`,
      ...(c.authenticator === "key_pair" ? { "connection-user": credentials["connection-user"] } : credentials),
      "snowflake.account": String(c.account),
      "snowflake.database": String(c.database),
      "snowflake.warehouse": String(c.warehouse),
      ...(c.role ? { "snowflake.role": String(c.role) } : {}),
    }),
    defaultSchema: theDatabase,
  },
  {
    id: "6b1c2f0e-9a51-4d8e-8b0a-000000000007",
    slug: "bigquery",
    provider: PROVIDERS.google,
    name: "Google BigQuery",
    description: "BigQuery project (Trino connector: bigquery; bigquery.project-id, bigquery.credentials-key).",
    trinoConnector: "bigquery",
    dialect: "bigquery",
    boundFields: ["project_id"],
    fields: [
      field("project_id", "Project id", "string", "Google Cloud project that holds the datasets (bigquery.project-id).", { required: true, placeholder: "my-project" }),
      field("credentials_key", "Service account key", "text", "The service account's JSON key (bigquery.credentials-key). Stored encrypted.", {
        required: true,
        secret: true,
      }),
    ],
    directEngine: null,
    catalog: ({ config: c }) => ({
      "bigquery.project-id": String(c.project_id),
      "bigquery.credentials-key": Buffer.from(String(c.credentials_key), "utf8").toString("base64"),
    }),
    defaultSchema: theDatabase,
  },
  {
    id: "6b1c2f0e-9a51-4d8e-8b0a-000000000008",
    slug: "clickhouse",
    provider: PROVIDERS.clickhouse,
    name: "ClickHouse",
    description: "ClickHouse over HTTP (Trino connector: clickhouse).",
    trinoConnector: "clickhouse",
    dialect: "clickhouse",
    boundFields: ["host", "port", "database", "user"],
    fields: jdbcFields("ClickHouse server", 8123, { required: false, label: "Default database" }, "disable"),
    directEngine: null,
    catalog: ({ config: c, host, port, tls, credentials }) => ({
      "connection-url": `jdbc:clickhouse://${host}:${port}/${String(c.database ?? "")}${tls === "disable" ? "" : `?ssl=true&sslmode=${tls === "require" ? "none" : "strict"}`}`,
      ...credentials,
    }),
    defaultSchema: theDatabase,
  },
  {
    id: "6b1c2f0e-9a51-4d8e-8b0a-000000000009",
    slug: "trino",
    provider: PROVIDERS.trino,
    name: "Trino",
    description: "An existing Trino or Starburst cluster, queried directly.",
    trinoConnector: "trino",
    dialect: "trino",
    boundFields: ["host", "port", "user"],
    fields: [
      host("Trino coordinator"),
      port(8080),
      field("catalog", "Catalog", "string", "Default catalog.", { required: true, placeholder: "hive" }),
      field("schema", "Schema", "string", "Default schema.", { placeholder: "default" }),
      user,
      // Trino accepts a password only over TLS (its clients refuse to send one in clear).
      Object.freeze({ ...password(false), dependsOn: { field: "ssl", values: ENCRYPTING } }),
      ssl("disable"),
    ],
    directEngine: null,
    catalog: null,
    defaultSchema: theDatabase,
  },
];

export const CONNECTION_TYPES: readonly ConnectionType[] = Object.freeze(types.map((t) => Object.freeze(t)));

export function findConnectionType(idOrSlug: string): ConnectionType | undefined {
  const key = idOrSlug.trim().toLowerCase();
  return CONNECTION_TYPES.find((t) => t.id === key || t.slug === key);
}

import type { EngineConnection } from "./query-engine";

/** Catalog names are derived from the connection id: stable, unique, and never user text. */
export const catalogNameOf = (connectionId: string) => `gw_${connectionId.replace(/-/g, "")}`;

/** A Trino string literal: single quotes doubled. Values were validated on create (no control characters). */
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * The catalog properties of one connection, built only from its validated structured fields (hosts were
 * checked, database names hold no URL characters). `address` is the checked IP to dial when no TLS name check
 * needs the host name.
 */
function catalogProperties(connection: EngineConnection, address: string | null): Record<string, string> {
  const c = connection.config;
  const tls = c.ssl === true;
  const host = tls || !address ? String(c.host) : address.includes(":") ? `[${address}]` : address;
  const port = c.port;
  const credentials = (): Record<string, string> => ({
    "connection-user": String(c.user),
    "connection-password": typeof c.password === "string" ? c.password : "",
  });
  switch (connection.type.slug) {
    case "postgres":
      return { "connection-url": `jdbc:postgresql://${host}:${port}/${c.database}${tls ? "?ssl=true&sslmode=verify-full" : ""}`, ...credentials() };
    case "redshift":
      return { "connection-url": `jdbc:redshift://${host}:${port}/${c.database}${tls ? "?ssl=true" : ""}`, ...credentials() };
    case "mysql":
      return { "connection-url": `jdbc:mysql://${host}:${port}${tls ? "?sslMode=VERIFY_IDENTITY" : ""}`, "case-insensitive-name-matching": "true", ...credentials() };
    case "mariadb":
      return { "connection-url": `jdbc:mariadb://${host}:${port}${tls ? "?sslMode=verify-full" : ""}`, "case-insensitive-name-matching": "true", ...credentials() };
    case "sqlserver":
      return { "connection-url": `jdbc:sqlserver://${host}:${port};databaseName=${c.database};encrypt=${tls}`, ...credentials() };
    case "clickhouse":
      return { "connection-url": `jdbc:clickhouse://${host}:${port}/${c.database ?? ""}${tls ? "?ssl=true" : ""}`, ...credentials() };
    case "snowflake":
      return {
        "connection-url": `jdbc:snowflake://${c.account}.snowflakecomputing.com`,
        ...credentials(),
        "snowflake.account": String(c.account),
        "snowflake.database": String(c.database),
        "snowflake.warehouse": String(c.warehouse),
        ...(c.role ? { "snowflake.role": String(c.role) } : {}),
      };
    case "bigquery":
      return {
        "bigquery.project-id": String(c.project_id),
        "bigquery.credentials-key": Buffer.from(String(c.credentials_key), "utf8").toString("base64"),
      };
    default:
      throw new Error(`no Trino connector for ${connection.type.slug}`);
  }
}

export function createCatalogSql(connection: EngineConnection, address: string | null): string {
  const properties = Object.entries(catalogProperties(connection, address))
    .map(([k, v]) => `"${k}" = ${literal(v)}`)
    .join(", ");
  return `CREATE CATALOG ${catalogNameOf(connection.id)} USING ${connection.type.trinoConnector} WITH (${properties})`;
}

/** The schema a scan starts in, so `SELECT * FROM album` works as it would on the source. */
export function defaultSchemaOf(connection: EngineConnection): string | undefined {
  if (connection.type.slug === "postgres" || connection.type.slug === "redshift") return "public";
  if (connection.type.slug === "sqlserver") return "dbo";
  const db = connection.config.database;
  return typeof db === "string" && db ? db.toLowerCase() : undefined;
}

export { literal as trinoLiteral };

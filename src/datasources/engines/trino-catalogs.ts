import { sslModeOf } from "../sources/connection-types";
import type { EngineConnection } from "./query-engine";

/** Catalog names are derived from the connection id: stable, unique, and never user text. */
export const catalogNameOf = (connectionId: string) => `gw_${connectionId.replace(/-/g, "")}`;

/** A Trino string literal: single quotes doubled. Values were validated on create (no control characters). */
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * The catalog properties of one connection, built by its type's record from its validated structured fields (hosts
 * were checked, database names hold no URL characters). `address` is the checked IP to dial when no TLS name check
 * needs the host name.
 */
function catalogProperties(connection: EngineConnection, address: string | null): Record<string, string> {
  const c = connection.config;
  const tls = sslModeOf(c.ssl);
  const host = tls === "verify-full" || !address ? String(c.host) : address.includes(":") ? `[${address}]` : address;
  const credentials = { "connection-user": String(c.user), "connection-password": typeof c.password === "string" ? c.password : "" };
  if (!connection.type.catalog) throw new Error(`no Trino connector for ${connection.type.slug}`);
  return connection.type.catalog({ config: c, host, port: String(c.port), tls, credentials });
}

export function createCatalogSql(connection: EngineConnection, address: string | null): string {
  const properties = Object.entries(catalogProperties(connection, address))
    .map(([k, v]) => `"${k}" = ${literal(v)}`)
    .join(", ");
  return `CREATE CATALOG ${catalogNameOf(connection.id)} USING ${connection.type.trinoConnector} WITH (${properties})`;
}

/** The schema a scan starts in, so `SELECT * FROM album` works as it would on the source. */
export const defaultSchemaOf = (connection: EngineConnection): string | undefined => connection.type.defaultSchema(connection.config);

export { literal as trinoLiteral };

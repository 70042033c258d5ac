import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createCatalogSql } from "../../src/datasources/engines/trino-catalogs";
import type { EngineConnection } from "../../src/datasources/engines/query-engine";
import { findConnectionType } from "../../src/datasources/sources/connection-types";
import { mergeConfig } from "../../src/services/config-validator";

/** A config as create leaves it (validated, defaults applied, secrets in plaintext as the engine sees them). */
const connection = (slug: string, input: Record<string, unknown>): EngineConnection => {
  const type = findConnectionType(slug)!;
  const merged = mergeConfig(type, null, input);
  return { id: "7d444840-9dc0-4b4c-9a5f-1d1b5d1a0f00", accountId: "a", configVersion: 1, type, config: { ...merged.values, ...merged.newSecrets } };
};

/** What Trino is told per connection type: a stand-in for the cloud warehouses that cannot run here. */
describe("Trino catalog properties", () => {
  it("signs in to Snowflake with a key pair as the JDBC driver's JWT, the key inline, and no password", () => {
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const sql = createCatalogSql(
      connection("snowflake", { account: "myorg-acct1", user: "SVC", authenticator: "key_pair", private_key: privateKey, database: "DB", warehouse: "WH" }),
      null,
    );
    const der = privateKey.replace(/-----[^-]+-----|\s/g, "");
    expect(sql).toContain(`"connection-url" = 'jdbc:snowflake://myorg-acct1.snowflakecomputing.com/?authenticator=SNOWFLAKE_JWT&private_key_base64=${encodeURIComponent(der)}'`);
    expect(sql).toContain(`"connection-user" = 'SVC'`);
    expect(sql).not.toContain("connection-password");
    const withPassword = createCatalogSql(connection("snowflake", { account: "myorg-acct1", user: "P", password: "pw", database: "DB", warehouse: "WH" }), null);
    expect(withPassword).toContain(`"connection-url" = 'jdbc:snowflake://myorg-acct1.snowflakecomputing.com'`);
    expect(withPassword).toContain(`"connection-password" = 'pw'`);
  });

  it.each([
    ["postgres", "disable", "jdbc:postgresql://10.0.0.5:5432/db'"],
    ["postgres", "require", "jdbc:postgresql://10.0.0.5:5432/db?ssl=true&sslmode=require'"],
    ["postgres", "verify-full", "jdbc:postgresql://db.example.com:5432/db?ssl=true&sslmode=verify-full'"],
    ["mysql", "verify-ca", "jdbc:mysql://10.0.0.5:3306?sslMode=VERIFY_CA'"],
    ["mariadb", "require", "jdbc:mariadb://10.0.0.5:3306?sslMode=trust'"],
    ["sqlserver", "require", "encrypt=true;trustServerCertificate=true'"],
    ["sqlserver", "verify-full", "encrypt=true;trustServerCertificate=false'"],
  ])("puts %s's TLS mode %s into its URL, dialling the checked address unless the name must be checked", (slug, ssl, url) => {
    const sql = createCatalogSql(connection(slug, { host: "db.example.com", database: "db", user: "u", ssl }), "10.0.0.5");
    expect(sql).toContain(url);
  });
});

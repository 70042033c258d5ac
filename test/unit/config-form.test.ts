import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { makeTestCertificates } from "../support/tls-certs";
import { CONNECTION_TYPES, type ConnectionField } from "../../src/datasources/sources/connection-types";
import { mergeConfig } from "../../src/services/config-validator";

/** A valid config of each type, which each case below changes in one field. */
const VALID: Record<string, Record<string, unknown>> = {
  postgres: { host: "db.example.com", database: "analytics", user: "r" },
  mysql: { host: "db.example.com", user: "r" },
  mariadb: { host: "db.example.com", user: "r" },
  redshift: { host: "db.example.com", database: "dev", user: "r" },
  sqlserver: { host: "db.example.com", database: "sales", user: "r" },
  snowflake: { account: "myorg-acct1", user: "r", password: "pw", database: "DB", warehouse: "WH" },
  bigquery: { project_id: "my-project-1", credentials_key: "{}" },
  clickhouse: { host: "db.example.com", user: "default" },
  trino: { host: "db.example.com", catalog: "hive", user: "r" },
};

const problemsOf = (slug: string, change: Record<string, unknown>): string[] => {
  const type = CONNECTION_TYPES.find((t) => t.slug === slug)!;
  try {
    mergeConfig(type, null, { ...VALID[slug], ...change });
    return [];
  } catch (error) {
    return (error as { problems?: string[] }).problems ?? [(error as Error).message];
  }
};

const cases = CONNECTION_TYPES.flatMap((t) => t.fields.map((f) => [t.slug, f.name, f] as [string, string, ConnectionField]));

/** What ConnectionConfigField tells a form is exactly what the gateway enforces. */
describe("connection type fields: form metadata and validation agree", () => {
  it("covers every type with a valid config", () => {
    for (const t of CONNECTION_TYPES) expect(problemsOf(t.slug, {}), t.slug).toEqual([]);
  });

  it.each(cases)("%s.%s: its bounds, length, pattern and options are the ones enforced", (slug, name, f) => {
    const field = `config.${name}`;
    if (f.minimum !== null) {
      expect(problemsOf(slug, { [name]: f.minimum })).toEqual([]);
      expect(problemsOf(slug, { [name]: f.minimum - 1 }).join()).toContain(field);
    }
    if (f.maximum !== null) {
      expect(problemsOf(slug, { [name]: f.maximum })).toEqual([]);
      expect(problemsOf(slug, { [name]: f.maximum + 1 }).join()).toContain(field);
    }
    if (f.maxLength !== null && f.type !== "text" && !f.secret && f.options === null) {
      expect(problemsOf(slug, { [name]: "a".repeat(f.maxLength) })).toEqual([]);
      expect(problemsOf(slug, { [name]: "a".repeat(f.maxLength + 1) }).join()).toContain(field);
    }
    if (f.pattern !== null) {
      expect(new RegExp(f.pattern).test("ok_name-1")).toBe(true);
      expect(problemsOf(slug, { [name]: "x;sslmode=disable" }).join()).toContain(field);
      expect(problemsOf(slug, { [name]: "x&user=admin" }).join()).toContain(field);
    }
    if (f.options !== null) {
      // Another option may make other fields apply (key_pair needs private_key): only this field's problems count.
      for (const o of f.options) expect(problemsOf(slug, { [name]: o.value }).filter((p) => p.startsWith(`${field}:`))).toEqual([]);
      expect(problemsOf(slug, { [name]: "none-of-these" }).join()).toContain(field);
    }
    if (f.type === "integer") expect(f.minimum !== null && f.maximum !== null, `${slug}.${name} has bounds`).toBe(true);
  });

  it("refuses a field whose condition is not met, accepts it once it is, and does not require it meanwhile", () => {
    const certs = makeTestCertificates("form_user");
    const valueFor = (f: ConnectionField) => (f.format === "pem-certificates" ? certs.ca : f.format === "pem-private-key" ? certs.client.key : "pw");
    const conditional = cases.filter(([, , f]) => f.dependsOn !== null);
    expect(conditional.map(([slug, name]) => `${slug}.${name}`).sort()).toEqual(
      [
        "trino.password",
        "snowflake.password",
        "snowflake.private_key",
        ...["postgres", "mysql", "mariadb", "redshift"].flatMap((t) => ["ssl_ca", "ssl_cert", "ssl_key"].map((n) => `${t}.${n}`)),
      ].sort(),
    );
    for (const [slug, name, f] of conditional) {
      const { field, values } = f.dependsOn!;
      const controller = CONNECTION_TYPES.find((t) => t.slug === slug)!.fields.find((c) => c.name === field)!;
      const other = controller.options!.find((o) => !values.includes(o.value))!.value;
      const about = (problems: string[]) => problems.filter((p) => p.startsWith(`config.${name}:`));
      expect(about(problemsOf(slug, { [name]: valueFor(f), [field]: other })), `${slug}.${name}`).toEqual([
        `config.${name}: applies only when ${field} is ${values.join(" or ")}; leave it out (or send null to remove it)`,
      ]);
      expect(about(problemsOf(slug, { [name]: valueFor(f), [field]: values[0] })), `${slug}.${name}`).toEqual([]);
      // Not required while it does not apply, even when required otherwise.
      expect(about(problemsOf(slug, { [name]: null, [field]: other })), `${slug}.${name}`).toEqual([]);
    }
    fs.rmSync(certs.dir, { recursive: true, force: true });
  });

  it("reads the older ssl booleans as the modes they meant, and refuses PEM that does not parse", () => {
    const postgres = CONNECTION_TYPES.find((t) => t.slug === "postgres")!;
    expect(mergeConfig(postgres, null, { ...VALID.postgres, ssl: true }).values.ssl).toBe("verify-full");
    expect(mergeConfig(postgres, null, { ...VALID.postgres, ssl: "false" }).values.ssl).toBe("disable");
    const bundle = "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----";
    expect(problemsOf("postgres", { ssl: "verify-ca", ssl_ca: bundle }).join()).toContain("config.ssl_ca: must be one or more PEM certificates");
    expect(problemsOf("postgres", { ssl: "require", ssl_key: "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----" }).join()).toContain(
      "config.ssl_key: must be an unencrypted PEM private key",
    );
  });
});

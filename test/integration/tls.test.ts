import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../support/gateway";
import { expectNoSecretLeak } from "../support/secrets";
import { describeWith } from "../support/services";
import { startTlsPostgres, type TlsPostgres } from "../support/tls-postgres";

type Config = Record<string, unknown>;

/** The TLS modes, a private CA and client certificates, against a real PostgreSQL with TLS made for the test. */
describe("TLS to the source", () => {
  let pg: TlsPostgres;
  let gw: TestGateway;
  let admin: string;
  const config = (over: Config = {}): Config => ({ host: "127.0.0.1", port: pg.port, database: "postgres", user: "postgres", ...over });

  beforeAll(async () => {
    pg = await startTlsPostgres();
    gw = await startGateway("pglite", { ALLOWED_HOSTS: "127.0.0.1/32" });
  }, 90_000);
  afterAll(async () => {
    await gw?.stop();
    await pg?.stop();
    if (!gw) return;
    expectNoSecretLeak(gw.captured);
    // The client key is a secret: it never comes back.
    expect(gw.captured.join("\n")).not.toContain(pg.certs.client.key.split("\n")[1]);
  });
  // Unsaved tests share one budget per account: a fresh account for each case.
  beforeEach(async () => {
    const account = await gw.gateway.core.accounts.create("tls");
    admin = (await gw.gateway.core.auth.createToken(account.id, "admin")).token;
  });

  const test = async (over: Config) => {
    const res = await gw.http("POST", "/v2/connection/test", { token: admin, body: { connection_config_slug: "postgres", config: config(over) } });
    expect(res.status, res.text).toBe(200);
    return res.body.data as { ok: boolean; stage: string | null; code: string | null };
  };

  it.each([
    ["disable", {}, true],
    ["require: encrypted, nothing checked", { ssl: "require" }, true],
    ["verify-ca with the private CA, by IP address", { ssl: "verify-ca", ssl_ca: "CA" }, true],
    ["verify-ca without the CA (not a public one)", { ssl: "verify-ca" }, false],
    ["verify-ca with another CA", { ssl: "verify-ca", ssl_ca: "OTHER" }, false],
    ["verify-full with the CA, by the name the certificate has", { ssl: "verify-full", ssl_ca: "CA", host: "localhost" }, true],
    ["verify-full with the CA, by an IP address the certificate does not name", { ssl: "verify-full", ssl_ca: "CA" }, false],
    ["true, read as verify-full (without the CA)", { ssl: true, host: "localhost" }, false],
  ] as [string, Config, boolean][])("%s", async (_name, over, ok) => {
    const resolved = { ...over, ...(over.ssl_ca === "CA" ? { ssl_ca: pg.certs.ca } : over.ssl_ca === "OTHER" ? { ssl_ca: pg.certs.otherCa } : {}) };
    const result = await test(resolved);
    expect(result).toMatchObject(ok ? { ok: true } : { ok: false, stage: "tls", code: "TLS_FAILED" });
  });

  it("logs in with a client certificate where the source requires one, and tells its absence apart", async () => {
    const base = { ssl: "verify-full", ssl_ca: pg.certs.ca, host: "localhost", database: pg.certDatabase, user: pg.certUser };
    expect(await test(base)).toMatchObject({ ok: false, stage: "authentication" });
    const withCert = await test({ ...base, ssl_cert: pg.certs.client.cert, ssl_key: pg.certs.client.key });
    expect(withCert).toMatchObject({ ok: true, readable_tables: 1 });
  });

  it("saves a verify-full connection with a client key stored encrypted, and scans through it", async () => {
    const body = {
      label: "tls",
      connection_config_slug: "postgres",
      config: config({
        ssl: "verify-full",
        ssl_ca: pg.certs.ca,
        host: "localhost",
        database: pg.certDatabase,
        user: pg.certUser,
        ssl_cert: pg.certs.client.cert,
        ssl_key: pg.certs.client.key,
      }),
    };
    const created = await gw.http("POST", "/v2/connection", { token: admin, body });
    expect(created.status, created.text).toBe(201);
    expect(created.body.data.config).toMatchObject({ ssl: "verify-full", ssl_key: expect.stringMatching(/^enc:v1:/), ssl_ca: pg.certs.ca });
    const scan = await gw.http("POST", `/v2/connection/${created.body.data.id}/scan`, {
      token: admin,
      body: { query: "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()" },
    });
    expect(scan.status, scan.text).toBe(200);
    expect(scan.body.data.rows).toEqual([{ ssl: true }]);
  });

  describeWith("trino", "through Trino", (trinoUrl) => {
    it("puts the mode into the catalog's URL, and refuses certificates it would need as files", { timeout: 120_000 }, async () => {
      const viaTrino = await startGateway("pglite", { ALLOWED_HOSTS: "127.0.0.1/32", TRINO_URL: trinoUrl });
      try {
        const test = (over: Config) =>
          viaTrino.http("POST", "/v2/connection/test", { token: viaTrino.a.admin, body: { connection_config_slug: "postgres", config: config(over) } });
        const required = await test({ ssl: "require" });
        expect(required.body.data, required.text).toMatchObject({ ok: true, server_version: expect.stringMatching(/^Trino/) });
        // Trino's JVM does not trust the test's private CA: verify-full fails at the TLS stage there.
        expect((await test({ ssl: "verify-full", host: "localhost" })).body.data).toMatchObject({ ok: false, stage: "tls" });
        const files = await test({ ssl: "verify-ca", ssl_ca: pg.certs.ca });
        expect(files.status).toBe(503);
        expect(files.body.errors[0].message).toContain("config.ssl_ca: certificates are used by the direct drivers");
      } finally {
        await viaTrino.stop();
        gw.captured.push(...viaTrino.captured);
      }
    });
  });

  it.each([
    ["a CA that is not PEM", { ssl: "verify-ca", ssl_ca: "not a certificate" }, "config.ssl_ca: must be one or more PEM certificates"],
    [
      "a key that is not PEM",
      { ssl: "require", ssl_cert: "CERT", ssl_key: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----" },
      "config.ssl_key: must be an unencrypted PEM private key",
    ],
    ["a CA without a verifying mode", { ssl: "require", ssl_ca: "CA" }, "config.ssl_ca: applies only when ssl is verify-ca or verify-full"],
    ["an unknown mode", { ssl: "prefer" }, "config.ssl: must be one of disable, require, verify-ca, verify-full"],
  ])("refuses %s by field, and saves nothing", async (_name, over, message) => {
    const resolved = Object.fromEntries(Object.entries(over).map(([k, v]) => [k, v === "CA" ? pg.certs.ca : v === "CERT" ? pg.certs.client.cert : v]));
    const res = await gw.http("POST", "/v2/connection", { token: admin, body: { label: "bad tls", connection_config_slug: "postgres", config: config(resolved) } });
    expect(res.status).toBe(400);
    expect(
      res.body.errors.some((e: { message: string }) => e.message.startsWith(message)),
      res.text,
    ).toBe(true);
  });
});

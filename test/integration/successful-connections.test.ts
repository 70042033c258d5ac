import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pgInput } from "../support/fixtures";
import { startGateway, type TestGateway } from "../support/gateway";
import { expectNoSecretLeak, PLAIN } from "../support/secrets";
import { storesUnderTest } from "../support/services";
import { graphqlTransport, restTransport, type Transport } from "../support/transports";

const ENC = /^enc:v1:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/;

describe.each(storesUnderTest())("connections on %s: successful operations", (store) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(store);
  });
  afterAll(async () => {
    await gw.stop();
    expectNoSecretLeak(gw.captured);
  });

  describe.each([["graphql"], ["rest"]] as const)("through %s", (name) => {
    let t: Transport;
    beforeAll(() => {
      t = name === "graphql" ? graphqlTransport(gw) : restTransport(gw);
    });

    it("creates a connection with defaults applied and the secret encrypted", async () => {
      const created = await t.create(gw.a.admin, pgInput(`create ${name}`));
      expect(created.ok).toBe(true);
      if (!created.ok) return;
      expect(created.status).toBe(name === "rest" ? 201 : 200);
      const c = created.data;
      expect(c).toMatchObject({
        accountId: gw.a.accountId,
        label: `create ${name}`,
        description: "warehouse replica",
        connectionConfigSlug: "postgres",
        deleted: null,
        embedding: { state: "PENDING" },
      });
      expect(c.config).toMatchObject({ host: "1.2.3.10", port: 5432, database: "analytics", user: "reader", ssl: "disable" });
      expect(c.config.password).toMatch(ENC);
      expect(c.authorId).toBe(c.updatedByUserId);
      expect(new Date(c.created).getTime()).toBeGreaterThan(Date.now() - 60_000);
    });

    it("gets, lists and finds a connection by type id as well as slug", async () => {
      const configs = await t.getConfig(gw.a.reader, "postgres");
      expect(configs.ok).toBe(true);
      const typeId = configs.ok ? configs.data.id : "";
      const created = await t.create(gw.a.admin, pgInput(`by id ${name}`, { connectionConfigSlug: undefined, connectionConfigId: typeId }));
      expect(created.ok && created.data.connectionConfigSlug).toBe("postgres");
      const id = created.ok ? created.data.id : "";
      const got = await t.get(gw.a.reader, id);
      expect(got.ok && got.data).toMatchObject({ id, label: `by id ${name}`, connectionConfigId: typeId });
      const listed = await t.list(gw.a.reader);
      expect(listed.ok && listed.data.map((c: { id: string }) => c.id)).toContain(id);
      const sameAccount = await t.list(gw.a.reader, gw.a.accountId);
      expect(sameAccount.ok).toBe(true);
    });

    it("updates label and description, keeps a secret sent back as its ciphertext, and re-encrypts a new one", async () => {
      const created = await t.create(gw.a.admin, pgInput(`update ${name}`));
      if (!created.ok) throw new Error(created.message);
      const { id, config } = created.data;
      const relabelled = await t.update(gw.a.admin, id, { label: `updated ${name}`, description: null });
      expect(relabelled.ok && relabelled.data).toMatchObject({ label: `updated ${name}`, description: null });
      expect(relabelled.ok && relabelled.data.config.password).toBe(config.password);

      // ssl is not bound to the secret: echoing the ciphertext keeps it. true is the older spelling of verify-full.
      const tls = await t.update(gw.a.admin, id, { config: { ssl: true, password: config.password } });
      expect(tls.ok && tls.data.config).toMatchObject({ ssl: "verify-full", password: config.password, host: "1.2.3.10" });

      // Moving the connection needs the secret again; with it, the new ciphertext differs.
      const moved = await t.update(gw.a.admin, id, { config: { host: "1.2.4.7", password: PLAIN.password2 } });
      if (!moved.ok) throw new Error(moved.message);
      expect(moved.data.config.host).toBe("1.2.4.7");
      expect(moved.data.config.password).toMatch(ENC);
      expect(moved.data.config.password).not.toBe(config.password);
      expect(moved.data.embedding.state).toBe("PENDING");
      expect(new Date(moved.data.updated).getTime()).toBeGreaterThanOrEqual(new Date(created.data.updated).getTime());
    });

    it("keeps Lytics' auth ids as given, reports the account's number and the type's vendor, and takes the vendor back", async () => {
      const created = await t.create(gw.a.admin, pgInput(`lytics ${name}`, { authIds: ["4f1b2c", "auth_2.x:y"], providerSlug: "PostgreSQL" }));
      if (!created.ok) throw new Error(created.message);
      const c = created.data;
      expect(c).toMatchObject({ authIds: ["4f1b2c", "auth_2.x:y"], providerSlug: "postgresql", providerId: "0c3e5a1d-7f20-4b6e-9d14-000000000001" });
      const [account] = await gw.gateway.core.store.dataSource.query("SELECT aid FROM accounts WHERE id = $1", [gw.a.accountId]);
      expect(c.aid).toBe(account.aid);
      // Sent back as read, the vendor is accepted; the ids are replaced only when given, and emptied by null.
      const kept = await t.update(gw.a.admin, c.id, { label: `lytics ${name} 2`, providerId: c.providerId, providerSlug: c.providerSlug });
      expect(kept.ok && kept.data).toMatchObject({ label: `lytics ${name} 2`, authIds: ["4f1b2c", "auth_2.x:y"] });
      const replaced = await t.update(gw.a.admin, c.id, { authIds: ["only"] });
      expect(replaced.ok && replaced.data.authIds).toEqual(["only"]);
      const read = await t.get(gw.a.reader, c.id);
      expect(read.ok && read.data.authIds).toEqual(["only"]);
      const emptied = await t.update(gw.a.admin, c.id, { authIds: null });
      expect(emptied.ok && emptied.data.authIds).toEqual([]);
      // Each account has its own number.
      const theirs = await t.create(gw.b.admin, pgInput(`lytics b ${name}`));
      expect(theirs.ok && theirs.data.aid).not.toBe(c.aid);
      expect(theirs.ok && theirs.data.authIds).toEqual([]);
    });

    it("removes an optional field with null and keeps the rest", async () => {
      const created = await t.create(gw.a.admin, pgInput(`nulls ${name}`));
      if (!created.ok) throw new Error(created.message);
      const updated = await t.update(gw.a.admin, created.data.id, { config: { password: null, ssl: null } });
      expect(updated.ok && updated.data.config).toEqual({ host: "1.2.3.10", port: 5432, database: "analytics", user: "reader", ssl: "disable" });
    });

    it("soft-deletes: deleted is set, the connection leaves every read, and its label is free again", async () => {
      const created = await t.create(gw.a.admin, pgInput(`delete ${name}`));
      if (!created.ok) throw new Error(created.message);
      const id = created.data.id;
      const deleted = await t.remove(gw.a.admin, id);
      expect(deleted.ok && deleted.data.deleted).toBeTruthy();
      expect(deleted.ok && deleted.data.id).toBe(id);
      expect((await t.get(gw.a.admin, id)).ok).toBe(false);
      const listed = await t.list(gw.a.admin);
      expect(listed.ok && listed.data.map((c: { id: string }) => c.id)).not.toContain(id);
      const again = await t.create(gw.a.admin, pgInput(`delete ${name}`));
      expect(again.ok).toBe(true);
      // The row itself stays for audit.
      const rows = await gw.gateway.core.store.dataSource.query("SELECT deleted FROM connections WHERE id = $1", [id]);
      expect(rows).toHaveLength(1);
      expect(rows[0].deleted).not.toBeNull();
    });

    it("lists connection types with their fields", async () => {
      const one = await t.getConfig(gw.a.reader, "snowflake");
      expect(one.ok && one.data.fields.find((f: { name: string }) => f.name === "password")).toMatchObject({ secret: true, required: true });
    });

    it("tells a form how to render and check each field: placeholder, group, order, bounds, pattern, condition", async () => {
      const fields = async (slug: string) => {
        const got = await t.getConfig(gw.a.reader, slug);
        if (!got.ok) throw new Error(got.message);
        return Object.fromEntries((got.data.fields as { name: string; pattern: string }[]).map((f) => [f.name, f]));
      };
      const pg = await fields("postgres");
      expect(pg.port).toMatchObject({ group: "location", order: 2, minimum: 1, maximum: 65535, placeholder: "5432", maxLength: null, options: null, dependsOn: null });
      expect(pg.database).toMatchObject({ maxLength: 128, pattern: expect.stringMatching(/^\^/) });
      expect(new RegExp(pg.database.pattern).test("x;sslmode=disable")).toBe(false);
      expect(pg.user).toMatchObject({ group: "authentication", order: 4 });
      expect(pg.ssl).toMatchObject({ group: "security", order: 6, default: "disable", options: expect.arrayContaining([{ value: "verify-full", label: expect.any(String) }]) });
      expect(pg.ssl_ca).toMatchObject({ group: "security", dependsOn: { field: "ssl", values: ["verify-ca", "verify-full"] } });
      expect((await fields("trino")).password).toMatchObject({ dependsOn: { field: "ssl", values: ["require", "verify-ca", "verify-full"] } });
    });
  });

  it("creates every connection type from valid input", async () => {
    const t = graphqlTransport(gw);
    const configs: Record<string, Record<string, unknown>> = {
      mysql: { host: "1.2.3.11", user: "r", password: PLAIN.password },
      mariadb: { host: "1.2.3.12", user: "r", database: "shop" },
      redshift: { host: "1.2.3.13", database: "dev", user: "r", password: PLAIN.password },
      sqlserver: { host: "1.2.3.14", database: "sales", user: "r", password: PLAIN.password },
      snowflake: { account: "myorg-acct1", user: "r", password: PLAIN.password, database: "DB", warehouse: "WH", role: "READER" },
      bigquery: { project_id: "my-project-1", credentials_key: PLAIN.bigqueryKey },
      clickhouse: { host: "1.2.3.15", user: "default" },
      trino: { host: "1.2.3.16", catalog: "hive", user: "r" },
    };
    for (const [slug, config] of Object.entries(configs)) {
      const created = await t.create(gw.a.admin, { label: `type ${slug}`, connectionConfigSlug: slug, config });
      expect(created.ok ? created.data.connectionConfigSlug : created.message).toBe(slug);
    }
    // Snowflake with a key pair: the key is a secret like the password it replaces.
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const keyPair = await t.create(gw.a.admin, {
      label: "type snowflake key pair",
      connectionConfigSlug: "snowflake",
      config: { account: "myorg-acct1", user: "SVC", authenticator: "key_pair", private_key: privateKey, database: "DB", warehouse: "WH" },
    });
    expect(keyPair.ok && keyPair.data.config).toMatchObject({ authenticator: "key_pair", private_key: expect.stringMatching(ENC) });
    expect(keyPair.ok && "password" in keyPair.data.config).toBe(false);
    gw.captured.push(JSON.stringify(keyPair));
    expect(JSON.stringify(keyPair)).not.toContain(privateKey.split("\n")[1]);
    const bq = await t.list(gw.a.admin);
    const bigquery = bq.ok && bq.data.find((c: { connectionConfigSlug: string }) => c.connectionConfigSlug === "bigquery");
    expect(bigquery.config.credentials_key).toMatch(ENC);
  });

  it("stores only ciphertext: no plaintext secret in the database", async () => {
    const rows = await gw.gateway.core.store.dataSource.query("SELECT config::text AS c FROM connections");
    expect(rows.length).toBeGreaterThan(0);
    gw.captured.push(...rows.map((r: { c: string }) => r.c));
  });
});

describe("ALLOWED_HOSTS", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway("pglite", { ALLOWED_HOSTS: "127.0.0.1/32,db.internal" });
  });
  afterAll(async () => {
    await gw.stop();
    expectNoSecretLeak(gw.captured);
  });

  it("admits an address inside an allowed CIDR and nothing next to it", async () => {
    const t = restTransport(gw);
    const inside = await t.create(gw.a.admin, pgInput("local", { config: { host: "127.0.0.1", database: "d", user: "u" } }));
    expect(inside.ok).toBe(true);
    const beside = await t.create(gw.a.admin, pgInput("beside", { config: { host: "127.0.0.2", database: "d", user: "u" } }));
    expect(beside.ok || beside.message).toContain("config.host: 127.0.0.2 is a loopback address");
  });

  it("admits a named host whatever it resolves to, and re-checks on update", async () => {
    const t = graphqlTransport(gw);
    const named = await t.create(gw.a.admin, pgInput("named", { config: { host: "db.internal", database: "d", user: "u" } }));
    expect(named.ok).toBe(true);
    const moved = await t.update(gw.a.admin, named.ok ? named.data.id : "", { config: { host: "169.254.169.254" } });
    expect(moved.ok || moved.message).toContain("cloud metadata");
  });
});

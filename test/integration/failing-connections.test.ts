import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorCode } from "../../src/errors";
import { LYTICS_CODES } from "../../src/http/rest/lytics-codes";
import { pgInput } from "../support/fixtures";
import { startGateway, type TestGateway } from "../support/gateway";
import { expectNoSecretLeak, PLAIN } from "../support/secrets";
import { storesUnderTest } from "../support/services";
import { graphqlTransport, restTransport, type ConnectionInput, type Outcome, type Transport } from "../support/transports";

type Who = "adminA" | "readerA" | "adminB" | "none" | "bogus";
type Target = "ownConnection" | "otherAccountConnection" | "deletedConnection" | "missing" | "malformed";

interface Case {
  name: string;
  who: Who;
  run(t: Transport, token: string | undefined, ids: Record<Target, string>, gw: TestGateway): Promise<Outcome>;
  code: string;
  /** Text the message must contain: the field or limit it names. */
  names?: string;
  /** The same through /v2, where the field has its REST name. */
  restNames?: string;
}

const create =
  (input: ConnectionInput, accountId?: (gw: TestGateway) => string): Case["run"] =>
  (t, token, _ids, gw) =>
    t.create(token, input, accountId?.(gw));
const withConfig = (config: Record<string, unknown>) => pgInput("bad", { config });
const base = { host: "1.2.3.10", database: "analytics", user: "reader", password: PLAIN.password };

const SNOWFLAKE_KEY = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
}).privateKey;

const CASES: Case[] = [
  { name: "a missing required field", who: "adminA", run: create(withConfig({ ...base, host: undefined })), code: "BAD_USER_INPUT", names: "config.host" },
  { name: "an unknown config field", who: "adminA", run: create(withConfig({ ...base, sslmode: "disable" })), code: "BAD_USER_INPUT", names: "config.sslmode" },
  { name: "a config that is not an object", who: "adminA", run: create(pgInput("bad", { config: ["host"] })), code: "BAD_USER_INPUT", names: "config" },
  {
    name: "an unknown connection type",
    who: "adminA",
    run: create(pgInput("bad", { connectionConfigSlug: "oracle" })),
    code: "BAD_USER_INPUT",
    names: "connectionConfigSlug",
    restNames: "connection_config_slug",
  },
  {
    name: "no connection type",
    who: "adminA",
    run: create(pgInput("bad", { connectionConfigSlug: undefined })),
    code: "BAD_USER_INPUT",
    names: "connectionConfigId",
    restNames: "connection_config_id",
  },
  {
    name: "a type id and slug that disagree",
    who: "adminA",
    run: create(pgInput("bad", { connectionConfigId: "6b1c2f0e-9a51-4d8e-8b0a-000000000002" })),
    code: "BAD_USER_INPUT",
    names: "connectionConfigSlug",
    restNames: "connection_config_slug",
  },
  { name: "a port out of range", who: "adminA", run: create(withConfig({ ...base, port: 70000 })), code: "BAD_USER_INPUT", names: "config.port" },
  { name: "a port of the wrong type", who: "adminA", run: create(withConfig({ ...base, port: "fifty" })), code: "BAD_USER_INPUT", names: "config.port" },
  { name: "a boolean of the wrong type", who: "adminA", run: create(withConfig({ ...base, ssl: "yes" })), code: "BAD_USER_INPUT", names: "config.ssl" },
  { name: "a loopback host", who: "adminA", run: create(withConfig({ ...base, host: "127.0.0.1" })), code: "BAD_USER_INPUT", names: "config.host" },
  { name: "a name resolving to loopback", who: "adminA", run: create(withConfig({ ...base, host: "localhost" })), code: "BAD_USER_INPUT", names: "config.host" },
  { name: "a private host", who: "adminA", run: create(withConfig({ ...base, host: "10.1.2.3" })), code: "BAD_USER_INPUT", names: "config.host" },
  { name: "the cloud metadata address", who: "adminA", run: create(withConfig({ ...base, host: "169.254.169.254" })), code: "BAD_USER_INPUT", names: "config.host" },
  { name: "an IPv4-mapped loopback", who: "adminA", run: create(withConfig({ ...base, host: "::ffff:127.0.0.1" })), code: "BAD_USER_INPUT", names: "config.host" },
  { name: "a raw URL as host", who: "adminA", run: create(withConfig({ ...base, host: "postgres://u:p@1.2.3.10/db" })), code: "BAD_USER_INPUT", names: "config.host" },
  {
    name: "JDBC parameters smuggled in the database",
    who: "adminA",
    run: create(withConfig({ ...base, database: "db?socketFactory=x" })),
    code: "BAD_USER_INPUT",
    names: "config.database",
  },
  { name: "a line break in the user", who: "adminA", run: create(withConfig({ ...base, user: "a\nconnection-url=x" })), code: "BAD_USER_INPUT", names: "config.user" },
  {
    name: "a ciphertext as a new secret",
    who: "adminA",
    run: create(withConfig({ ...base, password: "enc:v1:t1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA" })),
    code: "BAD_USER_INPUT",
    names: "config.password",
  },
  {
    name: "a snowflake account that is not an identifier",
    who: "adminA",
    run: create({ label: "sf", connectionConfigSlug: "snowflake", config: { account: "evil.com/x", user: "u", password: PLAIN.password, database: "d", warehouse: "w" } }),
    code: "BAD_USER_INPUT",
    names: "config.account",
  },
  { name: "an empty label", who: "adminA", run: create(pgInput("")), code: "BAD_USER_INPUT", names: "label" },
  { name: "a blank label", who: "adminA", run: create(pgInput("   ")), code: "BAD_USER_INPUT", names: "label" },
  { name: "a label over 200 characters", who: "adminA", run: create(pgInput("x".repeat(201))), code: "BAD_USER_INPUT", names: "label" },
  { name: "a NUL byte in a label", who: "adminA", run: create(pgInput("nul\u0000label")), code: "BAD_USER_INPUT", names: "label" },
  { name: "a line break in a label", who: "adminA", run: create(pgInput("two\nlines")), code: "BAD_USER_INPUT", names: "label" },
  { name: "a NUL byte in a description", who: "adminA", run: create(pgInput("nul description", { description: "a\u0000b" })), code: "BAD_USER_INPUT", names: "description" },
  {
    name: "a NUL byte in an updated description",
    who: "adminA",
    run: (t, tok, ids) => t.update(tok, ids.ownConnection, { description: "x\u0000" }),
    code: "BAD_USER_INPUT",
    names: "description",
  },
  { name: "a description over 2000 characters", who: "adminA", run: create(pgInput("long", { description: "d".repeat(2001) })), code: "BAD_USER_INPUT", names: "description" },
  { name: "a duplicate label", who: "adminA", run: create(pgInput("taken")), code: "CONFLICT", names: "label" },
  { name: "a reader creating", who: "readerA", run: create(pgInput("reader")), code: "FORBIDDEN" },
  { name: "a reader updating", who: "readerA", run: (t, tok, ids) => t.update(tok, ids.ownConnection, { label: "r" }), code: "FORBIDDEN" },
  { name: "a reader deleting", who: "readerA", run: (t, tok, ids) => t.remove(tok, ids.ownConnection), code: "FORBIDDEN" },
  { name: "no token listing", who: "none", run: (t, tok) => t.list(tok), code: "UNAUTHENTICATED" },
  { name: "no token creating", who: "none", run: create(pgInput("anon")), code: "UNAUTHENTICATED" },
  { name: "an unknown token", who: "bogus", run: (t, tok, ids) => t.get(tok, ids.ownConnection), code: "UNAUTHENTICATED" },
  { name: "another account's id in a list", who: "adminA", run: (t, tok, _ids, gw) => t.list(tok, gw.b.accountId), code: "FORBIDDEN", names: "accountId", restNames: "account_id" },
  {
    name: "another account's id in a get",
    who: "adminA",
    run: (t, tok, ids, gw) => t.get(tok, ids.ownConnection, gw.b.accountId),
    code: "FORBIDDEN",
    names: "accountId",
    restNames: "account_id",
  },
  {
    name: "another account's id in a create",
    who: "adminA",
    run: create(pgInput("cross"), (gw) => gw.b.accountId),
    code: "FORBIDDEN",
    names: "accountId",
    restNames: "account_id",
  },
  { name: "getting another account's connection", who: "adminA", run: (t, tok, ids) => t.get(tok, ids.otherAccountConnection), code: "NOT_FOUND" },
  { name: "updating another account's connection", who: "adminA", run: (t, tok, ids) => t.update(tok, ids.otherAccountConnection, { label: "mine" }), code: "NOT_FOUND" },
  { name: "deleting another account's connection", who: "adminA", run: (t, tok, ids) => t.remove(tok, ids.otherAccountConnection), code: "NOT_FOUND" },
  { name: "getting a deleted connection", who: "adminA", run: (t, tok, ids) => t.get(tok, ids.deletedConnection), code: "NOT_FOUND" },
  { name: "updating a deleted connection", who: "adminA", run: (t, tok, ids) => t.update(tok, ids.deletedConnection, { label: "back" }), code: "NOT_FOUND" },
  { name: "deleting a deleted connection", who: "adminA", run: (t, tok, ids) => t.remove(tok, ids.deletedConnection), code: "NOT_FOUND" },
  { name: "getting a missing connection", who: "adminA", run: (t, tok, ids) => t.get(tok, ids.missing), code: "NOT_FOUND" },
  { name: "updating a malformed id", who: "adminA", run: (t, tok, ids) => t.update(tok, ids.malformed, { label: "x" }), code: "NOT_FOUND" },
  {
    name: "changing the host without the secret",
    who: "adminA",
    run: (t, tok, ids) => t.update(tok, ids.ownConnection, { config: { host: "1.2.4.1" } }),
    code: "BAD_USER_INPUT",
    names: "config.password",
  },
  {
    name: "changing the user while echoing the ciphertext",
    who: "adminA",
    run: async (t, tok, ids) => {
      const own = await t.get(tok, ids.ownConnection);
      return t.update(tok, ids.ownConnection, { config: { user: "admin", password: own.ok ? own.data.config.password : "" } });
    },
    code: "BAD_USER_INPUT",
    names: "config.password",
  },
  {
    name: "another connection's ciphertext",
    who: "adminA",
    run: async (t, tok, ids) => {
      const other = await t.create(tok, pgInput(`donor ${t.name} ${Math.random()}`));
      const stolen = other.ok ? other.data.config.password : "";
      return t.update(tok, ids.ownConnection, { config: { password: stolen } });
    },
    code: "BAD_USER_INPUT",
    names: "config.password",
  },
  {
    name: "an update to a loopback host",
    who: "adminA",
    run: (t, tok, ids) => t.update(tok, ids.ownConnection, { config: { host: "127.0.0.2", password: PLAIN.password3 } }),
    code: "BAD_USER_INPUT",
    names: "config.host",
  },
  {
    name: "an unknown field in an update",
    who: "adminA",
    run: (t, tok, ids) => t.update(tok, ids.ownConnection, { config: { options: "-c statement_timeout=0" } }),
    code: "BAD_USER_INPUT",
    names: "config.options",
  },
  {
    name: "removing a required field",
    who: "adminA",
    run: (t, tok, ids) => t.update(tok, ids.ownConnection, { config: { database: null, password: PLAIN.password3 } }),
    code: "BAD_USER_INPUT",
    names: "config.database",
  },
  {
    name: "changing a connection's type",
    who: "adminA",
    run: (t, tok, ids) => t.update(tok, ids.ownConnection, { connectionConfigSlug: "mariadb" }),
    code: "BAD_USER_INPUT",
    names: "connectionConfigSlug: a connection's type cannot be changed",
    restNames: "connection_config_slug: a connection's type cannot be changed",
  },
  {
    name: "a provider other than the type's vendor",
    who: "adminA",
    run: create(pgInput("bad", { providerSlug: "aws" })),
    code: "BAD_USER_INPUT",
    names: "providerSlug: a postgres connection's provider is postgresql, not 'aws'",
    restNames: "provider_slug: a postgres connection's provider is postgresql, not 'aws'",
  },
  {
    name: "a provider id other than the type's vendor, on update",
    who: "adminA",
    run: (t, tok, ids) => t.update(tok, ids.ownConnection, { label: "renamed", providerId: "0c3e5a1d-7f20-4b6e-9d14-000000000004" }),
    code: "BAD_USER_INPUT",
    names: "providerId: a postgres connection's provider is postgresql",
    restNames: "provider_id: a postgres connection's provider is postgresql",
  },
  {
    name: "more auth ids than the limit",
    who: "adminA",
    run: create(pgInput("bad", { authIds: Array.from({ length: 21 }, (_, i) => `auth${i}`) })),
    code: "BAD_USER_INPUT",
    names: "authIds: at most 20 ids, not 21",
    restNames: "auth_ids: at most 20 ids, not 21",
  },
  {
    name: "an auth id with a space",
    who: "adminA",
    run: (t, tok, ids) => t.update(tok, ids.ownConnection, { authIds: ["fine", "not fine"] }),
    code: "BAD_USER_INPUT",
    names: "authIds: item 2 must be 1 to 64 letters",
    restNames: "auth_ids: item 2 must be 1 to 64 letters",
  },
  {
    name: "an auth id given twice",
    who: "adminA",
    run: create(pgInput("bad", { authIds: ["a1", "a1"] })),
    code: "BAD_USER_INPUT",
    names: "authIds: 'a1' is given twice",
    restNames: "auth_ids: 'a1' is given twice",
  },
  {
    name: "a field whose condition is not met (a Trino password without TLS)",
    who: "adminA",
    run: create(pgInput("bad", { connectionConfigSlug: "trino", config: { host: "1.2.3.16", catalog: "hive", user: "r", password: PLAIN.password } })),
    code: "BAD_USER_INPUT",
    names: "config.password: applies only when ssl is require or verify-ca or verify-full",
  },
  {
    name: "a Snowflake key pair without its key",
    who: "adminA",
    run: create({ label: "sf", connectionConfigSlug: "snowflake", config: { account: "myorg-acct1", user: "SVC", authenticator: "key_pair", database: "d", warehouse: "w" } }),
    code: "BAD_USER_INPUT",
    names: "config.private_key: required for Snowflake",
  },
  {
    name: "a Snowflake key pair with a password as well",
    who: "adminA",
    run: create({
      label: "sf",
      connectionConfigSlug: "snowflake",
      config: {
        account: "myorg-acct1",
        user: "SVC",
        authenticator: "key_pair",
        private_key: SNOWFLAKE_KEY,
        password: PLAIN.password,
        database: "d",
        warehouse: "w",
      },
    }),
    code: "BAD_USER_INPUT",
    names: "config.password: applies only when authenticator is password",
  },
  { name: "relabelling to a taken label", who: "adminA", run: (t, tok, ids) => t.update(tok, ids.ownConnection, { label: "TAKEN" }), code: "CONFLICT", names: "label" },
  { name: "an unknown connection type by slug", who: "adminA", run: (t, tok) => t.getConfig(tok, "db2"), code: "NOT_FOUND" },
];

const STATUS: Record<string, number> = { BAD_USER_INPUT: 400, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, UNAUTHENTICATED: 401 };

describe.each(storesUnderTest())("connections on %s: refused operations change nothing", (store) => {
  let gw: TestGateway;
  const ids = {} as Record<Target, string>;
  const tokens = {} as Record<Who, string | undefined>;

  beforeAll(async () => {
    gw = await startGateway(store);
    const t = graphqlTransport(gw);
    const made = async (token: string, label: string) => {
      const r = await t.create(token, pgInput(label));
      if (!r.ok) throw new Error(r.message);
      return r.data.id as string;
    };
    ids.ownConnection = await made(gw.a.admin, "own");
    await made(gw.a.admin, "taken");
    ids.otherAccountConnection = await made(gw.b.admin, "theirs");
    ids.deletedConnection = await made(gw.a.admin, "gone");
    await t.remove(gw.a.admin, ids.deletedConnection);
    ids.missing = "7d444840-9dc0-4b4c-9a5f-1d1b5d1a0f00";
    ids.malformed = "not-a-uuid";
    Object.assign(tokens, { adminA: gw.a.admin, readerA: gw.a.reader, adminB: gw.b.admin, none: undefined, bogus: "gwt_unknown0000000000000000000000000000000000" });
  });
  afterAll(async () => {
    await gw.stop();
    expectNoSecretLeak(gw.captured);
  });

  describe.each([["graphql"], ["rest"]] as const)("through %s", (name) => {
    it.each(CASES)("refuses $name", async (c) => {
      const t = name === "graphql" ? graphqlTransport(gw) : restTransport(gw);
      const snapshot = async () =>
        // Every column a request may change; the embedding_* columns move on their own as background jobs run.
        JSON.stringify(
          await gw.gateway.core.store.dataSource.query(
            `SELECT id, account_id, label, description, connection_config_id, config, config_version, created, updated, deleted,
                    author_id, updated_by_user_id, embedding_generation, aid, auth_ids
               FROM connections WHERE label <> 'donor' AND label NOT LIKE 'donor %' ORDER BY id`,
          ),
        );
      const before = await snapshot();
      const outcome = await c.run(t, tokens[c.who], ids, gw);
      expect(outcome.ok, JSON.stringify(outcome)).toBe(false);
      if (outcome.ok) return;
      expect(outcome.code).toBe(c.code);
      const names = name === "rest" ? (c.restNames ?? c.names) : c.names;
      if (names) expect(outcome.message).toContain(names);
      if (name === "rest") {
        expect(outcome.status).toBe(STATUS[c.code]);
        if (c.code === "UNAUTHENTICATED") expect(outcome.body).toEqual({ message: "Not authorized", status: 401 });
        else
          expect(outcome.body).toMatchObject({
            status: STATUS[c.code],
            request_id: expect.any(String),
            errors: [{ code: c.code, lytics_code: LYTICS_CODES[c.code as ErrorCode], level: "warn", timestamp: expect.any(String) }],
          });
      } else if (c.code === "UNAUTHENTICATED") {
        expect(outcome.status).toBe(401);
      }
      expect(await snapshot()).toBe(before);
    });
  });

  it("answers one error per bad field, naming it in extensions.field (GraphQL) and in each message (REST)", async () => {
    const config = { host: "db.example.com", port: 70000, database: "x", user: "u", sslmode: "disable" };
    const gql = await gw.gql(
      `mutation($i: CreateConnectionInput!) { createConnection(input: $i) { id } }`,
      { i: { label: "two bad fields", connectionConfigSlug: "postgres", config } },
      gw.a.admin,
    );
    const errors = gql.body.errors as { message: string; extensions: { code: string; field?: string } }[];
    expect(errors.map((e) => e.extensions.field).sort()).toEqual(["config.port", "config.sslmode"]);
    for (const e of errors) {
      expect(e.extensions.code).toBe("BAD_USER_INPUT");
      expect(e.message.startsWith(`${e.extensions.field}: `)).toBe(true);
      expect(e.extensions).not.toHaveProperty("problems");
    }
    const rest = await gw.http("POST", "/v2/connection", { token: gw.a.admin, body: { label: "two bad fields", connection_config_slug: "postgres", config } });
    expect(rest.status).toBe(400);
    expect((rest.body.errors as { message: string }[]).map((e) => e.message.split(":")[0]).sort()).toEqual(["config.port", "config.sslmode"]);
    // One bad field: one error, its field named too.
    const taken = await gw.gql(`mutation($i: CreateConnectionInput!) { createConnection(input: $i) { id } }`, { i: pgInput("taken") }, gw.a.admin);
    expect(taken.body.errors).toHaveLength(1);
    expect(taken.body.errors[0].extensions).toMatchObject({ code: "CONFLICT", field: "label" });
  });

  it("answers another account's connection exactly like a missing one", async () => {
    const t = restTransport(gw);
    const other = await t.get(gw.a.admin, ids.otherAccountConnection);
    const missing = await t.get(gw.a.admin, ids.missing);
    const strip = (o: Outcome) => (o.ok ? o : { ...o, body: { ...o.body, request_id: "", errors: o.body.errors.map((e: object) => ({ ...e, timestamp: "" })) } });
    expect(strip(other)).toEqual(strip(missing));
  });

  describe("REST-only refusals", () => {
    it.each([
      ["invalid JSON", { raw: "{not json", headers: { "content-type": "application/json" } }, 400, "not valid JSON"],
      ["an unknown body field", { body: { ...pgInput("x"), connection_config_slug: "postgres", connectionConfigSlug: undefined, colour: "red" } }, 400, "colour: unknown field"],
      ["a label of the wrong type", { body: { label: 5, connection_config_slug: "postgres", config: {} } }, 400, "label: String cannot represent a non string value"],
      ["a type id of the wrong type", { body: { label: "x", connection_config_id: { id: 1 }, config: {} } }, 400, "connection_config_id:"],
      ["a body that is not an object", { body: ["label"] }, 400, "body:"],
      ["another type id on update", { method: "PUT", body: { connection_config_id: "x" } }, 400, "connection_config_id: a connection's type cannot be changed"],
      [
        "a JSON body sent as text/plain",
        { raw: JSON.stringify({ label: "plain", connection_config_slug: "postgres", config: {} }) },
        415,
        "Content-Type: application/json (the request said text/plain",
      ],
      ["a form-encoded body", { raw: "label=x", headers: { "content-type": "application/x-www-form-urlencoded" } }, 415, "application/x-www-form-urlencoded"],
      ["a body over 1 MB", { body: { label: "big", connection_config_slug: "postgres", config: { host: "x".repeat(1_100_000) } } }, 413, "1mb"],
    ] as const)("refuses %s", async (what, options, status, names) => {
      const { method = "POST", ...request } = options as { method?: string };
      const res = await gw.http(method, method === "PUT" ? `/v2/connection/${ids.ownConnection}` : "/v2/connection", { token: gw.a.admin, ...request });
      expect(res.status).toBe(status);
      expect(res.body.errors[0].code).toBe("BAD_USER_INPUT");
      expect(res.body.errors[0].lytics_code).toBe(what === "invalid JSON" ? "JSON-BADREQ-025" : "BADREQ-001");
      expect(res.body.errors[0].message).toContain(names);
    });

    it("answers an unknown route with the error envelope", async () => {
      const res = await gw.http("GET", "/v2/nothing-here", { token: gw.a.admin });
      expect(res.status).toBe(404);
      expect(res.body.errors[0].code).toBe("NOT_FOUND");
    });
  });
});

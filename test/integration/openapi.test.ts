import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApiDocument as doc, type Method, type Operation, type Ref, type ResponseObject, type Header } from "../../src/http/rest/openapi";
import { restRouter } from "../../src/http/rest/router";
import { ROUTES } from "../../src/http/rest/routes";
import { projectRoot } from "../../src/paths";
import { chinookConfig, DATASET_DB, datasetUrl } from "../support/datasets";
import { startGateway, type TestGateway } from "../support/gateway";
import { expectNoSecretLeak, PLAIN } from "../support/secrets";
import { describeWith, requireService } from "../support/services";
import { aiStandIn } from "../support/ai-stand-in";

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  body: any;
}

const DOC_ID = "https://gateway.invalid/openapi.json";
const METHODS: Method[] = ["get", "put", "post", "delete"];
const pointer = (...parts: string[]) => parts.map((p) => "/" + encodeURIComponent(p.replace(/~/g, "~0").replace(/\//g, "~1"))).join("");
const isRef = (x: object): x is Ref => "$ref" in x;
const key = (method: string, template: string) => `${method.toUpperCase()} ${template}`;

/** What the document promises, applied to one reply: its status is listed, its headers and body match the schemas. */
class Contract {
  /** "POST /connection/{id}/scan" → the statuses seen and checked. */
  readonly seen = new Map<string, Set<string>>();
  validated = 0;
  private readonly ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor() {
    addFormats(this.ajv);
    // The document's own sections hold the schemas; Ajv only needs to walk into them by JSON pointer.
    for (const section of ["openapi", "jsonSchemaDialect", "info", "servers", "security", "tags", "paths", "components"]) this.ajv.addKeyword(section);
    this.ajv.addSchema({ ...doc, $id: DOC_ID });
  }

  /** Compiles (in strict mode, so a misspelt keyword fails) the schema at this pointer of the document. */
  validator(at: string): ValidateFunction {
    let v = this.compiled.get(at);
    if (!v) {
      v = this.ajv.compile({ $ref: `${DOC_ID}#${at}` });
      this.compiled.set(at, v);
    }
    return v;
  }

  operation(method: Method, template: string): Operation {
    const op = doc.paths[template]?.[method];
    if (!op) throw new Error(`${key(method, template)} is not in the document`);
    return op;
  }

  /** The response object for a status with the pointer it lives at, following a $ref to components. */
  response(method: Method, template: string, status: number): { response: ResponseObject; at: string } | undefined {
    const listed = this.operation(method, template).responses[String(status)];
    if (!listed) return undefined;
    if (!isRef(listed)) return { response: listed, at: pointer("paths", template, method, "responses", String(status)) };
    const name = listed.$ref.split("/").pop()!;
    return { response: doc.components.responses[name], at: listed.$ref.slice(1) };
  }

  check(method: Method, template: string, reply: Reply): void {
    const where = `${key(method, template)} → ${reply.status}`;
    const found = this.response(method, template, reply.status);
    if (!found) {
      const listed = Object.keys(this.operation(method, template).responses).join(", ");
      throw new Error(`${where}: the document does not list ${reply.status} for this operation (it lists ${listed}); body ${reply.text.slice(0, 300)}`);
    }
    const { response, at } = found;
    for (const [name, declared] of Object.entries(response.headers ?? {})) {
      const headerAt = isRef(declared) ? declared.$ref.slice(1) : `${at}${pointer("headers", name)}`;
      const header: Header = isRef(declared) ? doc.components.headers[declared.$ref.split("/").pop()!] : declared;
      const value = reply.headers[name.toLowerCase()];
      if (value === undefined) {
        if (header.required) throw new Error(`${where}: required header ${name} is missing`);
        continue;
      }
      const valid = this.validator(`${headerAt}/schema`);
      // Header values are text; an integer header is checked as the number it spells.
      if (!valid(value) && !(/^-?\d+$/.test(String(value)) && valid(Number(value)))) {
        throw new Error(`${where}: header ${name}: ${JSON.stringify(value)} ${this.ajv.errorsText(valid.errors)}`);
      }
    }
    const mediaType = String(reply.headers["content-type"] ?? "")
      .split(";")[0]
      .trim();
    const content = response.content ?? {};
    if (!(mediaType in content)) throw new Error(`${where}: content-type ${mediaType || "(none)"} is not documented (${Object.keys(content).join(", ")})`);
    const valid = this.validator(`${at}${pointer("content", mediaType, "schema")}`);
    if (!valid(reply.body)) {
      throw new Error(`${where}: body does not match the document: ${this.ajv.errorsText(valid.errors)}\n${reply.text.slice(0, 600)}`);
    }
    const requestId = (reply.body as { request_id?: string } | null)?.request_id;
    if (requestId !== undefined && requestId !== reply.headers["x-request-id"]) {
      throw new Error(`${where}: request_id ${requestId} differs from X-Request-Id ${String(reply.headers["x-request-id"])}`);
    }
    const statuses = this.seen.get(key(method, template)) ?? new Set<string>();
    statuses.add(String(reply.status));
    this.seen.set(key(method, template), statuses);
    this.validated++;
  }

  /** A body the server accepted must be one the document accepts too. */
  checkRequest(method: Method, template: string, body: unknown): void {
    const schemaAt = `${pointer("paths", template, method, "requestBody", "content", "application/json", "schema")}`;
    const valid = this.validator(schemaAt);
    if (!valid(body)) throw new Error(`${key(method, template)}: the server accepted a body the document refuses: ${this.ajv.errorsText(valid.errors)}`);
  }
}

const templateMatches = (template: string, concrete: string) => new RegExp(`^${template.replace(/\{\w+\}/g, "[^/]+")}$`).test(concrete);

/** Every operation of the document as "METHOD /path". */
const documentedOperations = () => Object.entries(doc.paths).flatMap(([template, item]) => METHODS.filter((m) => item[m]).map((m) => key(m, template)));

/** What the router answers, read from the Express router itself rather than from a list kept beside it. */
function registeredRoutes(): string[] {
  const router = restRouter({ apollo: {} as never, contextFor: () => Promise.reject(new Error("not called")), onRoute: () => undefined });
  const routes = router.stack.flatMap((layer) => (layer.route ? layer.route.stack.map((l) => key(l.method, layer.route!.path.replace(/:(\w+)/g, "{$1}"))) : []));
  return [...new Set(routes)];
}

function send(base: string, method: string, url: string, o: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const payload = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
  const headers: Record<string, string> = { ...o.headers };
  if (o.token) headers.authorization = o.token;
  if (payload !== undefined) {
    headers["content-type"] ??= "application/json";
    headers["content-length"] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    // node:http rather than fetch: fetch refuses a body on GET, and the body probes run on every method.
    const req = http.request(base + url, { method: method.toUpperCase(), headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = null;
        }
        resolve({ status: res.statusCode!, headers: res.headers, text, body });
      });
    });
    req.on("error", reject);
    req.end(payload);
  });
}

interface Call {
  method: Method;
  path: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  token?: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

/** Runs a call on a gateway and holds its reply to the document; returns the reply for the test's own assertions. */
function caller(contract: Contract, gw: () => TestGateway) {
  return async (c: Call): Promise<Reply> => {
    const url = `/v2${c.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(c.params![name]))}${c.query ? `?${new URLSearchParams(c.query)}` : ""}`;
    const reply = await send(gw().url, c.method, url, { token: c.token, body: c.body, raw: c.raw, headers: c.headers });
    gw().captured.push(reply.text, JSON.stringify(reply.headers));
    contract.check(c.method, c.path, reply);
    if (reply.status < 300 && c.body !== undefined) contract.checkRequest(c.method, c.path, c.body);
    return reply;
  };
}

describe("the OpenAPI document of /v2", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await new Validator().validate(structuredClone(doc) as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("compiles every schema in strict JSON Schema 2020-12 (a misspelt keyword would pass silently otherwise)", () => {
    const contract = new Contract();
    for (const name of Object.keys(doc.components.schemas)) contract.validator(pointer("components", "schemas", name));
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const method of METHODS.filter((m) => item[m])) {
        for (const status of Object.keys(item[method]!.responses)) {
          const { response, at } = contract.response(method, template, Number(status))!;
          for (const mediaType of Object.keys(response.content ?? {})) contract.validator(`${at}${pointer("content", mediaType, "schema")}`);
        }
        if (item[method]!.requestBody) contract.validator(pointer("paths", template, method, "requestBody", "content", "application/json", "schema"));
      }
    }
  });

  it("documents exactly the routes the router registers", () => {
    const registered = registeredRoutes();
    expect(registered.length).toBeGreaterThan(10);
    expect([...registered].sort()).toEqual(documentedOperations().sort());
  });

  it("names each route's operation after the GraphQL operation it runs", () => {
    for (const route of ROUTES) {
      const name = /^(?:query|mutation) (\w+)/.exec(route.document)?.[1] ?? "";
      expect(name.charAt(0).toLowerCase() + name.slice(1), route.path).toBe(route.operationId);
      expect(doc.paths[route.path.replace(/:(\w+)/g, "{$1}")]?.[route.method]?.operationId).toBe(route.operationId);
    }
  });

  it("carries the package's version", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot(), "package.json"), "utf8"));
    expect(doc.info.version).toBe(pkg.version);
  });

  it("fails a reply whose status the operation does not list, or whose body drifted", () => {
    const contract = new Contract();
    const reply = (status: number, body: unknown): Reply => ({
      status,
      headers: { "content-type": "application/json; charset=utf-8", "x-request-id": "r-1" },
      text: JSON.stringify(body),
      body,
    });
    const configs = { data: [], status: 200, request_id: "r-1" };
    expect(() => contract.check("get", "/connectionconfig", reply(200, configs))).not.toThrow();
    expect(() => contract.check("get", "/connectionconfig", reply(404, { status: 404, errors: [], request_id: "r-1" }))).toThrow(/does not list 404/);
    expect(() => contract.check("get", "/connectionconfig", reply(418, {}))).toThrow(/does not list 418/);
    expect(() => contract.check("get", "/connectionconfig", reply(200, { ...configs, extra: 1 }))).toThrow(/does not match/);
    expect(() => contract.check("get", "/connectionconfig", { ...reply(200, configs), headers: { "content-type": "application/json" } })).toThrow(/X-Request-Id is missing/);
    expect(() => contract.check("patch" as Method, "/connectionconfig", reply(200, configs))).toThrow(/not in the document/);
  });
});

/** Statuses the document lists that these tests do not provoke, each with the reason; the last test keeps this list honest. */
const NOT_PROVOKED: Record<string, string> = {
  "GET /connection/{id}/schema 504": "needs a catalog query to outlast SCAN_TIMEOUT_MS",
  "GET /connection/{id}/schema/{table} 504": "needs a catalog query to outlast SCAN_TIMEOUT_MS",
};

describeWith("postgres", "/v2 replies against the OpenAPI document", (pgBase) => {
  const mariaBase = requireService("mariadb");
  const trinoUrl = requireService("trino");
  const contract = new Contract();
  let gw: TestGateway;
  const call = caller(contract, () => gw);
  const pg = new URL(datasetUrl(pgBase));
  const pgConfig = (database = DATASET_DB, port = Number(pg.port || 5432)) => ({ host: pg.hostname, port, database, user: decodeURIComponent(pg.username) });
  let labels = 0;
  const create = async (config: Record<string, unknown>, slug = "postgres"): Promise<string> => {
    const res = await call({ method: "post", path: "/connection", token: gw.a.admin, body: { label: `openapi ${++labels}`, connection_config_slug: slug, config } });
    expect(res.status).toBe(201);
    return res.body.data.id;
  };
  let chinook = "";

  /** A request each operation accepts from an admin; the probes below change only what they test. */
  const samples = (id: string): Record<string, Call> => ({
    listConnections: { method: "get", path: "/connection" },
    createConnection: { method: "post", path: "/connection", body: { label: `probe ${++labels}`, connection_config_slug: "postgres", config: pgConfig() } },
    getConnection: { method: "get", path: "/connection/{id}", params: { id } },
    updateConnection: { method: "put", path: "/connection/{id}", params: { id }, body: { label: "renamed" } },
    deleteConnection: { method: "delete", path: "/connection/{id}", params: { id } },
    scan: { method: "post", path: "/connection/{id}/scan", params: { id }, body: { query: "SELECT 1" } },
    testConnection: { method: "post", path: "/connection/{id}/test", params: { id } },
    generateSql: { method: "post", path: "/ai/sql/{id}", params: { id }, body: { text: "albums" } },
    testConnectionConfig: { method: "post", path: "/connection/test", body: { connection_config_slug: "postgres", config: pgConfig() } },
    listTables: { method: "get", path: "/connection/{id}/schema", params: { id } },
    describeTable: { method: "get", path: "/connection/{id}/schema/{table}", params: { id, table: "album" } },
    refreshSchema: { method: "post", path: "/connection/{id}/schema/refresh", params: { id } },
    searchSchema: { method: "get", path: "/connection/{id}/search", params: { id }, query: { q: "albums" } },
    listConnectionConfigs: { method: "get", path: "/connectionconfig" },
    getConnectionConfig: { method: "get", path: "/connectionconfig/{idOrSlug}", params: { idOrSlug: "postgres" } },
    getOpenApiDocument: { method: "get", path: "/openapi.json" },
  });
  const everyOperation = () => Object.entries(samples(randomUUID()));
  const authenticated = () => everyOperation().filter(([name]) => name !== "getOpenApiDocument");

  beforeAll(async () => {
    gw = await startGateway("pglite", { ALLOWED_HOSTS: "127.0.0.1/32", SCAN_TIMEOUT_MS: "1500" });
    chinook = await create({ ...pgConfig(), password: PLAIN.password });
  });
  afterAll(async () => {
    await gw.stop();
    expectNoSecretLeak(gw.captured);
  });

  it("serves the document without a token, as application/json", async () => {
    const res = await call({ method: "get", path: "/openapi.json" });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it("routes every documented operation (401 without a token, or with an unknown one)", async () => {
    for (const [name, sample] of authenticated()) {
      const res = await call(sample);
      expect(res.status, name).toBe(401);
      expect((await call({ ...sample, token: "gwt_unknown" })).status, name).toBe(401);
    }
  });

  it("answers methods the document does not list with the catch-all 404", async () => {
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const method of [...METHODS, "patch"].filter((m) => !item[m as Method])) {
        const concrete = template.replace(/\{\w+\}/g, randomUUID());
        // GET /connection/{id}/schema/refresh is describeTable of a table named "refresh", not a stray method.
        if (Object.entries(doc.paths).some(([t, other]) => other[method as Method] && templateMatches(t, concrete))) continue;
        const res = await send(gw.url, method, `/v2${concrete}`, { token: gw.a.admin });
        expect(res.status, `${method} ${template}`).toBe(404);
        expect(res.body.errors[0].message).toMatch(/^no route /);
      }
    }
  });

  it("refuses a body that is not JSON (400), one sent as another type (415) and one over 1 MB (413) on every route", async () => {
    for (const [name, sample] of everyOperation()) {
      const malformed = await call({ ...sample, body: undefined, raw: "{not json", token: gw.a.admin });
      expect(malformed.status, name).toBe(400);
      // The public document needs no body and reads none.
      if (name !== "getOpenApiDocument") {
        const asText = await call({ ...sample, body: undefined, raw: JSON.stringify(sample.body ?? {}), headers: { "content-type": "text/plain" }, token: gw.a.admin });
        expect(asText.status, name).toBe(415);
        expect(asText.body.errors[0].message, name).toContain("Content-Type: application/json");
      }
      const big = await call({ ...sample, body: { pad: "x".repeat(1_100_000) }, token: gw.a.admin });
      expect(big.status, name).toBe(413);
    }
  });

  it("lists and gets connection types", async () => {
    const list = await call({ method: "get", path: "/connectionconfig", token: gw.a.reader });
    expect(list.body.data.length).toBeGreaterThan(0);
    for (const idOrSlug of ["postgres", list.body.data[1].id]) {
      expect((await call({ method: "get", path: "/connectionconfig/{idOrSlug}", params: { idOrSlug }, token: gw.a.reader })).status).toBe(200);
    }
    expect((await call({ method: "get", path: "/connectionconfig/{idOrSlug}", params: { idOrSlug: "oracle" }, token: gw.a.reader })).status).toBe(404);
  });

  it("creates, reads, updates and deletes connections, secrets only as ciphertext", async () => {
    const got = await call({ method: "get", path: "/connection/{id}", params: { id: chinook }, token: gw.a.reader });
    expect(got.body.data.config.password).toMatch(/^enc:v1:/);
    expect((await call({ method: "get", path: "/connection", token: gw.a.reader, query: { account_id: gw.a.accountId } })).status).toBe(200);
    const kept = await call({
      method: "put",
      path: "/connection/{id}",
      params: { id: chinook },
      token: gw.a.admin,
      body: { description: "Chinook", config: { password: got.body.data.config.password } },
    });
    expect(kept.body.data.config.password).toBe(got.body.data.config.password);

    const doomed = await create(pgConfig());
    const deleted = await call({ method: "delete", path: "/connection/{id}", params: { id: doomed }, token: gw.a.admin });
    expect(deleted.body.data.deleted).not.toBeNull();
    for (const method of ["get", "put", "delete"] as const) {
      const body = method === "put" ? { label: "gone" } : undefined;
      expect((await call({ method, path: "/connection/{id}", params: { id: doomed }, token: gw.a.admin, body })).status).toBe(404);
    }
  });

  it("takes a connection back as it was read: GET, edit the label, PUT the whole object", async () => {
    const id = await create({ ...pgConfig(), password: PLAIN.password });
    const read = (await call({ method: "get", path: "/connection/{id}", params: { id }, token: gw.a.reader })).body.data;
    const put = (body: unknown) => call({ method: "put", path: "/connection/{id}", params: { id }, token: gw.a.admin, body });
    const edited = await put({ ...read, label: `${read.label} (edited)` });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.data).toMatchObject({ label: `${read.label} (edited)`, config: read.config, created: read.created, connection_config_slug: "postgres" });
    // The config did not change, so neither did its version: no new embeddings.
    expect(edited.body.data.config.password).toBe(read.config.password);

    // What is read-only is ignored only while it is the connection's own.
    for (const [change, names] of [
      [{ id: randomUUID() }, "id: read-only"],
      [{ account_id: gw.b.accountId }, "account_id: read-only"],
      [{ connection_config_slug: "mariadb" }, "connection_config_slug: a connection's type cannot be changed"],
      [{ connection_config_id: "6b1c2f0e-9a51-4d8e-8b0a-000000000002" }, "connection_config_id:"],
    ] as const) {
      const refused = await put({ ...read, ...change });
      expect(refused.status, JSON.stringify(change)).toBe(400);
      expect(refused.body.errors[0].message).toContain(names);
    }
    const after = (await call({ method: "get", path: "/connection/{id}", params: { id }, token: gw.a.reader })).body.data;
    expect(after.label).toBe(`${read.label} (edited)`);
    expect(after.connection_config_slug).toBe("postgres");
  });

  it("refuses a label another live connection has with 409, on create and on update", async () => {
    const taken = (await call({ method: "get", path: "/connection/{id}", params: { id: chinook }, token: gw.a.reader })).body.data.label as string;
    const other = await create(pgConfig());
    const onCreate = await call({
      method: "post",
      path: "/connection",
      token: gw.a.admin,
      body: { label: taken.toUpperCase(), connection_config_slug: "postgres", config: pgConfig() },
    });
    expect(onCreate.status).toBe(409);
    expect(onCreate.body.errors[0]).toMatchObject({ code: "CONFLICT", level: "warn" });
    const onUpdate = await call({ method: "put", path: "/connection/{id}", params: { id: other }, token: gw.a.admin, body: { label: taken } });
    expect(onUpdate.status).toBe(409);
    expect(onUpdate.body.errors[0].message).toContain("label:");
  });

  it("refuses invalid connection bodies with 400", async () => {
    const valid = { label: "invalid probe", connection_config_slug: "postgres", config: pgConfig() };
    for (const body of [
      {},
      { ...valid, colour: "red" },
      { ...valid, config: { ...pgConfig(), port: 70000 } },
      { ...valid, label: "x".repeat(201) },
      { ...valid, connection_config_slug: "oracle" },
      ["label"],
    ]) {
      expect((await call({ method: "post", path: "/connection", token: gw.a.admin, body })).status, JSON.stringify(body).slice(0, 80)).toBe(400);
    }
    for (const body of [{ connection_config_id: "x" }, { config: { host: "10.0.0.1" } }, { label: "" }]) {
      expect((await call({ method: "put", path: "/connection/{id}", params: { id: chinook }, token: gw.a.admin, body })).status).toBe(400);
    }
  });

  it("refuses readers on mutations and other accounts' ids with 403", async () => {
    const own = samples(chinook);
    for (const name of ["createConnection", "updateConnection", "deleteConnection", "refreshSchema", "testConnectionConfig"]) {
      expect((await call({ ...own[name], token: gw.a.reader })).status, name).toBe(403);
    }
    // Every route but this document itself: the GraphQL field may take no accountId, the rule still holds.
    for (const [name, sample] of Object.entries(own).filter(([name]) => name !== "getOpenApiDocument")) {
      const res = await call({ ...sample, token: gw.a.admin, query: { ...sample.query, account_id: gw.b.accountId } });
      expect(res.status, name).toBe(403);
      expect(res.body.errors[0].code, name).toBe("FORBIDDEN");
    }
  });

  it("answers 404 for a missing or another account's connection on every connection route", async () => {
    const other = await call({ method: "post", path: "/connection", token: gw.b.admin, body: { label: "b's", connection_config_slug: "postgres", config: pgConfig() } });
    for (const id of [randomUUID(), "not-a-uuid", other.body.data.id]) {
      for (const [name, sample] of Object.entries(samples(id)).filter(([, s]) => s.path.startsWith("/connection/{id}") || s.path.startsWith("/ai/"))) {
        expect((await call({ ...sample, token: gw.a.admin })).status, `${name} ${id}`).toBe(404);
      }
    }
  });

  it("scans: rows, refusals, and upstream failures", async () => {
    const scan = (id: string, body: unknown, query?: Record<string, string>) =>
      call({ method: "post", path: "/connection/{id}/scan", params: { id }, token: gw.a.reader, body, query });
    const rows = await scan(chinook, { query: "SELECT genre_id, name FROM genre ORDER BY genre_id", primary_keys: ["genre_id"] }, { limit: "3" });
    expect(rows.body.data).toMatchObject({ row_count: 3, truncated: true });
    expect((await scan(chinook, { query: "SELECT * FROM big_numbers" })).status).toBe(200);
    for (const [body, query] of [
      [{ query: "  " }, undefined],
      [{ query: "SELECT 1" }, { limit: "0" }],
      [{ query: "SELECT 1" }, { limit: "many" }],
      [{ query: "DELETE FROM album" }, undefined],
      [{ query: "SELECT 1 AS a", primary_keys: ["b"] }, undefined],
      [{}, undefined],
    ] as const) {
      expect((await scan(chinook, body, query)).status, JSON.stringify([body, query])).toBe(400);
    }
    // The user's mistake, reported by the source: 400 QUERY_ERROR; the source refusing for its own reasons: 502.
    const missing = await scan(chinook, { query: "SELECT * FROM no_such_table" });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0]).toMatchObject({ code: "QUERY_ERROR", message: expect.stringContaining("no_such_table") });
    expect((await scan(chinook, { query: "SELECT * FROM slow_3" })).status).toBe(504);
    expect((await scan(await create(pgConfig("gw_openapi_no_such_db")), { query: "SELECT 1" })).status).toBe(502);
    expect((await scan(await create(pgConfig(DATASET_DB, 1)), { query: "SELECT 1" })).status).toBe(503);
  });

  it("lists and describes tables, with their refusals and upstream failures", async () => {
    const tables = (id: string, query?: Record<string, string>) => call({ method: "get", path: "/connection/{id}/schema", params: { id }, token: gw.a.reader, query });
    const describeTable = (id: string, table: string) => call({ method: "get", path: "/connection/{id}/schema/{table}", params: { id, table }, token: gw.a.reader });
    expect((await tables(chinook)).body.data).toContainEqual(
      expect.objectContaining({ table_name: "album", fully_qualified_name: "public.album", num_columns: 3, error: null, kind: "table" }),
    );
    expect((await tables(chinook, { refresh: "true" })).status).toBe(200);
    expect((await tables(chinook, { refresh: "maybe" })).status).toBe(400);
    expect((await describeTable(chinook, "album")).status).toBe(200);
    expect((await describeTable(chinook, "public.album")).status).toBe(200);
    expect((await describeTable(chinook, "no_such_table")).status).toBe(404);
    expect((await describeTable(chinook, "\u0001")).status).toBe(400);
    const noDb = await create(pgConfig("gw_openapi_no_such_db"));
    const refused = await create(pgConfig(DATASET_DB, 1));
    expect([(await tables(noDb)).status, (await describeTable(noDb, "album")).status]).toEqual([502, 502]);
    expect([(await tables(refused)).status, (await describeTable(refused, "album")).status]).toEqual([503, 503]);
  });

  it("answers 429 with Retry-After past 10 scans or column lists in 10 s", async () => {
    const id = await create(pgConfig());
    const scans = await Promise.all(
      Array.from({ length: 12 }, () => call({ method: "post", path: "/connection/{id}/scan", params: { id }, token: gw.a.reader, body: { query: "SELECT 1 AS one" } })),
    );
    expect(scans.map((r) => r.status).sort()).toEqual([...Array(10).fill(200), 429, 429]);
    const columns = await Promise.all(
      Array.from({ length: 12 }, () => call({ method: "get", path: "/connection/{id}/schema/{table}", params: { id, table: "genre" }, token: gw.a.reader })),
    );
    expect(columns.map((r) => r.status).sort()).toEqual([...Array(10).fill(200), 429, 429]);
  });

  it("tests connections: what answered, where a test stopped, 429 past the budget, 503 without an engine", async () => {
    const test = (id: string) => call({ method: "post", path: "/connection/{id}/test", params: { id }, token: gw.a.reader });
    const ok = await test(chinook);
    expect(ok.body.data).toMatchObject({ ok: true, stage: null, server_version: expect.stringMatching(/^PostgreSQL/) });
    const stopped = await test(await create(pgConfig(DATASET_DB, 1)));
    expect(stopped.body.data).toMatchObject({ ok: false, stage: "network", code: "UNREACHABLE" });
    const snowflake = { account: "myorg-acct1", user: "r", password: PLAIN.password, database: "DB", warehouse: "WH" };
    expect((await test(await create(snowflake, "snowflake"))).status).toBe(503);
    const unsaved = (body: unknown) => call({ method: "post", path: "/connection/test", token: gw.b.admin, body });
    expect((await unsaved({ connection_config_slug: "snowflake", config: snowflake })).status).toBe(503);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await unsaved({ connection_config_slug: "postgres", config: pgConfig(DATASET_DB, 1) })).status);
    expect(statuses).toEqual([...Array(9).fill(200), 429, 429]);
    const saved = [];
    for (let i = 0; i < 10; i++) saved.push((await test(chinook)).status);
    expect(saved).toContain(429);
  });

  it("writes SQL with an AI endpoint: 200, 409 before embeddings, 502 refused, 503 without AI_URL, 504 too slow, 429", { timeout: 120_000 }, async () => {
    expect((await call({ ...samples(chinook).generateSql, token: gw.a.reader })).status).toBe(503);
    const ai = await aiStandIn({ sql: "SELECT 1 AS one" });
    const aiGw = await startGateway("pglite", { ALLOWED_HOSTS: "127.0.0.1/32", AI_URL: ai.url, AI_TIMEOUT_MS: "300" });
    const viaAi = caller(contract, () => aiGw);
    try {
      const made = async (config: Record<string, unknown>) =>
        (await viaAi({ method: "post", path: "/connection", token: aiGw.a.admin, body: { label: `ai ${++labels}`, connection_config_slug: "postgres", config } })).body.data
          .id as string;
      const ask = (id: string, body: unknown = { text: "albums" }) => viaAi({ method: "post", path: "/ai/sql/{id}", params: { id }, token: aiGw.a.reader, body });
      const id = await made(pgConfig());
      const deadline = Date.now() + 90_000;
      let first = await ask(id, { text: "albums", run: true });
      while (first.status === 409 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        first = await ask(id, { text: "albums", run: true });
      }
      expect(first.body.data).toMatchObject({ query: "SELECT 1 AS one", scan: { row_count: 1 } });
      // A source that cannot be reached has no embeddings: 409 says they are not ready.
      const unreachable = await made(pgConfig(DATASET_DB, 1));
      await new Promise((r) => setTimeout(r, 500));
      expect((await ask(unreachable)).status).toBe(409);
      ai.queue.push({ status: 400 });
      expect((await ask(id)).status).toBe(502);
      ai.queue.push({ sql: "SELECT 1", delayMs: 1_000 }, { sql: "SELECT 1", delayMs: 1_000 }, { sql: "SELECT 1", delayMs: 1_000 });
      expect((await ask(id)).status).toBe(504);
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) statuses.push((await ask(id)).status);
      expect(statuses).toContain(429);
    } finally {
      await aiGw.stop();
      await ai.close();
      gw.captured.push(...aiGw.captured);
    }
  });

  it("searches tables by meaning once the embeddings are ready, and refreshes them", { timeout: 120_000 }, async () => {
    const deadline = Date.now() + 90_000;
    let state = "";
    while (state !== "READY" && Date.now() < deadline) {
      const res = await call({ method: "get", path: "/connection/{id}", params: { id: chinook }, token: gw.a.reader });
      state = res.body.data.embedding_status.state;
      if (state === "FAILED") throw new Error(`embedding failed: ${res.text}`);
      if (state !== "READY") await new Promise((r) => setTimeout(r, 250));
    }
    expect(state).toBe("READY");
    const search = (query: Record<string, string>) => call({ method: "get", path: "/connection/{id}/search", params: { id: chinook }, token: gw.a.reader, query });
    const found = await search({ q: "music albums by artists", k: "3" });
    expect(found.body.data).toHaveLength(3);
    for (const query of [{}, { q: "albums", k: "0" }, { q: "albums", k: "many" }, { q: "the of which" }]) {
      expect((await search(query as Record<string, string>)).status, JSON.stringify(query)).toBe(400);
    }
    // Embedded by a process with other search settings: 503 naming both models, not an empty answer.
    const store = gw.gateway.core.store.dataSource;
    const [{ model }] = await store.query("SELECT embedding_model AS model FROM connections WHERE id = $1", [chinook]);
    await store.query("UPDATE connections SET embedding_model = 'another-model' WHERE id = $1", [chinook]);
    expect((await search({ q: "music albums" })).status).toBe(503);
    await store.query("UPDATE connections SET embedding_model = $2 WHERE id = $1", [chinook, model]);
    const refreshed = await call({ method: "post", path: "/connection/{id}/schema/refresh", params: { id: chinook }, token: gw.a.admin });
    expect(refreshed.body.data.embedding_status.state).toBe("PENDING");
  });

  it("holds for MariaDB through the direct driver", async (ctx) => {
    if (!mariaBase) return ctx.skip();
    const id = await create(chinookConfig(mariaBase), "mariadb");
    const scan = await call({ method: "post", path: "/connection/{id}/scan", params: { id }, token: gw.a.reader, body: { query: "SELECT * FROM Invoice" }, query: { limit: "5" } });
    expect(scan.body.data.row_count).toBe(5);
    expect((await call({ method: "get", path: "/connection/{id}/schema", params: { id }, token: gw.a.reader })).body.data.length).toBeGreaterThan(10);
    expect((await call({ method: "get", path: "/connection/{id}/schema/{table}", params: { id, table: "Album" }, token: gw.a.reader })).status).toBe(200);
  });

  // Trino builds a catalog for the connection on first use: slower than the default test timeout allows.
  it("holds for scans and schema through Trino", { timeout: 120_000 }, async (ctx) => {
    if (!trinoUrl) return ctx.skip();
    const trinoGw = await startGateway("pglite", { ALLOWED_HOSTS: "127.0.0.1/32", TRINO_URL: trinoUrl });
    const viaTrino = caller(contract, () => trinoGw);
    try {
      const created = await viaTrino({
        method: "post",
        path: "/connection",
        token: trinoGw.a.admin,
        body: { label: "chinook via trino", connection_config_slug: "postgres", config: pgConfig() },
      });
      const id = created.body.data.id;
      const scan = await viaTrino({
        method: "post",
        path: "/connection/{id}/scan",
        params: { id },
        token: trinoGw.a.reader,
        body: { query: "SELECT * FROM invoice" },
        query: { limit: "5" },
      });
      expect(scan.body.data.row_count).toBe(5);
      expect(
        (await viaTrino({ method: "post", path: "/connection/{id}/scan", params: { id }, token: trinoGw.a.reader, body: { query: "SELECT * FROM no_such_table" } })).status,
      ).toBe(400);
      expect((await viaTrino({ method: "get", path: "/connection/{id}/schema", params: { id }, token: trinoGw.a.reader })).status).toBe(200);
      expect((await viaTrino({ method: "get", path: "/connection/{id}/schema/{table}", params: { id, table: "public.album" }, token: trinoGw.a.reader })).status).toBe(200);
    } finally {
      await trinoGw.stop();
      gw.captured.push(...trinoGw.captured);
    }
  });

  it("answers 500 on every authenticated route once the store is gone; the document is still served", async () => {
    await gw.gateway.core.store.dataSource.destroy();
    for (const [name, sample] of authenticated()) {
      expect((await call({ ...sample, token: gw.a.admin })).status, name).toBe(500);
    }
    expect((await call({ method: "get", path: "/openapi.json" })).status).toBe(200);
  });

  it("has seen every documented status of every operation", () => {
    const documented = Object.entries(doc.paths).flatMap(([template, item]) =>
      METHODS.filter((m) => item[m]).flatMap((m) => Object.keys(item[m]!.responses).map((status) => `${key(m, template)} ${status}`)),
    );
    const seen = [...contract.seen].flatMap(([op, statuses]) => [...statuses].map((s) => `${op} ${s}`));
    const missing = documented.filter((d) => !seen.includes(d));
    expect(missing.sort()).toEqual(Object.keys(NOT_PROVOKED).sort());
    console.info(
      `openapi: ${documentedOperations().length} operations, ${documented.length} documented responses, ` + `${seen.length} provoked, ${contract.validated} replies validated`,
    );
  });
});

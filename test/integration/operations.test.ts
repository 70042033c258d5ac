import { TOKEN_CACHE_MS } from "../../src/services/auth.service";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_ALIASES } from "../../src/limits";
import { startGateway, type TestGateway } from "../support/gateway";
import { expectNoSecretLeak } from "../support/secrets";
import { describeWith } from "../support/services";

describe("operations endpoints (embedded store)", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway("pglite");
  });
  afterAll(async () => {
    await gw.stop();
    expectNoSecretLeak(gw.captured);
  });

  it("answers /healthz", async () => {
    const res = await gw.http("GET", "/healthz");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
  });

  it("reports the store and migrations in /readyz", async () => {
    const res = await gw.http("GET", "/readyz");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ready", checks: { store: "ok", migrations: "ok", secrets: "ok" } });
  });

  it("counts requests and latency by operation in /metrics", async () => {
    await gw.gql("query Anything { connections { id } }", {}, gw.a.admin);
    await gw.http("GET", "/v2/connectionconfig", { token: gw.a.admin });
    const res = await gw.http("GET", "/metrics");
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(res.text).toMatch(/gateway_requests_total\{operation="query.connections",status="200"\} [1-9]/);
    expect(res.text).toMatch(/gateway_requests_total\{operation="GET \/v2\/connectionconfig",status="200"\} [1-9]/);
    expect(res.text).toMatch(/gateway_request_duration_seconds_bucket\{le="0.5",operation="query.connections"\} [1-9]/);
    expect(res.text).toContain("gateway_process_resident_memory_bytes");
  });

  it("echoes a well-formed X-Request-Id and replaces a malformed one", async () => {
    const good = await gw.http("GET", "/healthz", { headers: { "x-request-id": "abc-123" } });
    expect(good.headers.get("x-request-id")).toBe("abc-123");
    const bad = await gw.http("GET", "/healthz", { headers: { "x-request-id": "<script>" } });
    expect(bad.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const rest = await gw.http("GET", "/v2/connection", { token: gw.a.admin, headers: { "x-request-id": "trace-42" } });
    expect(rest.body.request_id).toBe("trace-42");
  });

  it("logs each request as JSON with its request id and no token", async () => {
    await gw.http("GET", "/v2/connection", { token: gw.a.admin, headers: { "x-request-id": "log-check-1" } });
    const line = gw.logs
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l))
      .find((l) => l.requestId === "log-check-1" && l.msg === "request");
    expect(line).toMatchObject({ method: "GET", path: "/v2/connection", status: 200, operation: "GET /v2/connection" });
    expect(gw.logs.join("\n")).not.toContain(gw.a.admin);
  });

  it("stores API tokens only as their SHA-256", async () => {
    const rows: { token_hash: string }[] = await gw.gateway.core.store.dataSource.query("SELECT * FROM api_tokens");
    const stored = JSON.stringify(rows);
    for (const token of [gw.a.admin, gw.a.reader, gw.b.admin, gw.b.reader]) {
      expect(stored).not.toContain(token.slice(4));
      expect(rows.map((r) => r.token_hash)).toContain(createHash("sha256").update(token).digest("hex"));
    }
  });

  it("accepts a token with or without the Bearer prefix and refuses a revoked one", async () => {
    expect((await gw.http("GET", "/v2/connection", { token: gw.a.reader })).status).toBe(200);
    expect((await gw.http("GET", "/v2/connection", { token: `Bearer ${gw.a.reader}` })).status).toBe(200);
    const { token } = await gw.gateway.core.auth.createToken(gw.a.accountId, "reader");
    await gw.gateway.core.store.dataSource.query("UPDATE api_tokens SET revoked = now() WHERE token_hash = $1", [createHash("sha256").update(token).digest("hex")]);
    const res = await gw.http("GET", "/v2/connection", { token });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ message: "Not authorized", status: 401 });
  });

  it("refuses a GraphQL GET without a preflight header (CSRF prevention)", async () => {
    const res = await gw.http("GET", "/graphql?query=%7B__typename%7D", { headers: { accept: "application/json" } });
    expect(res.status).toBe(400);
    expect(res.text).toContain("CSRF");
  });

  it(`refuses more than ${MAX_ALIASES} aliases in one document`, async () => {
    const fields = Array.from({ length: MAX_ALIASES + 1 }, (_, i) => `a${i}: connectionConfigs { slug }`).join(" ");
    const res = await gw.gql(`{ ${fields} }`, {}, gw.a.admin);
    expect(res.body.errors[0]).toMatchObject({ message: `more than ${MAX_ALIASES} aliases in one document`, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } });
    const ok = await gw.gql(`{ ${fields.split(" a30:")[0]} }`, {}, gw.a.admin);
    expect(ok.body.errors).toBeUndefined();
  });

  it("lets anonymous callers introspect but not read", async () => {
    const schema = await gw.gql("{ __schema { queryType { name } } }");
    expect(schema.status).toBe(200);
    expect(schema.body.data.__schema.queryType.name).toBe("Query");
    const data = await gw.gql("{ __typename connectionConfigs { slug } }");
    expect(data.status).toBe(401);
    expect(data.body.errors[0].extensions.code).toBe("UNAUTHENTICATED");
  });

  it("sends no CORS headers to an origin that is not configured", async () => {
    const res = await gw.http("OPTIONS", "/graphql", { headers: { origin: "https://evil.example", "access-control-request-method": "POST" } });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("hides internal failures behind INTERNAL_SERVER_ERROR with a request id, detail only in the log", async () => {
    // Past the verified-token cache, so the token itself is looked up in the store that is gone.
    await new Promise((r) => setTimeout(r, TOKEN_CACHE_MS + 50));
    await gw.gateway.core.store.dataSource.destroy();
    const graphql = await gw.gql("{ connections { id } }", {}, gw.a.admin);
    expect(graphql.status).toBe(503);
    expect(graphql.body.errors[0].message).toBe("Internal server error");
    expect(graphql.body.errors[0].extensions).toMatchObject({ code: "INTERNAL_SERVER_ERROR", requestId: expect.any(String) });
    const rest = await gw.http("GET", "/v2/connection", { token: gw.a.admin });
    expect(rest.status).toBe(500);
    expect(rest.body.errors[0]).toMatchObject({ code: "INTERNAL_SERVER_ERROR" });
    expect(rest.text).not.toMatch(/TypeORM|pg|Driver|stack|at /);
    const ready = await gw.http("GET", "/readyz");
    expect(ready.status).toBe(503);
    expect(ready.body.checks.store).toBe("failing: unreachable");
    expect(gw.logs.some((l) => l.includes('"msg":"token lookup failed"'))).toBe(true);
  });
});

describe("CORS with configured origins", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway("pglite", { CORS_ORIGINS: "https://app.example.com" });
  });
  afterAll(() => gw.stop());

  it("allows exactly the configured origin", async () => {
    const allowed = await gw.http("OPTIONS", "/v2/connection", { headers: { origin: "https://app.example.com", "access-control-request-method": "GET" } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    const other = await gw.http("OPTIONS", "/v2/connection", { headers: { origin: "https://other.example.com", "access-control-request-method": "GET" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describeWith("redis", "readiness with Redis", (redisUrl) => {
  it("includes Redis in /readyz when it answers", async () => {
    const gw = await startGateway("pglite", { REDIS_URL: redisUrl });
    try {
      let res = await gw.http("GET", "/readyz");
      for (let i = 0; i < 20 && res.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        res = await gw.http("GET", "/readyz");
      }
      expect(res.body).toEqual({ status: "ready", checks: { store: "ok", migrations: "ok", secrets: "ok", redis: "ok" } });
    } finally {
      await gw.stop();
    }
  });

  it("reports not ready, but keeps serving, while Redis is unreachable", async () => {
    const gw = await startGateway("pglite", { REDIS_URL: "redis://127.0.0.1:1" });
    try {
      const res = await gw.http("GET", "/readyz");
      expect(res.status).toBe(503);
      expect(res.body.checks.redis).toBe("failing: unreachable");
      const list = await gw.http("GET", "/v2/connection", { token: gw.a.admin });
      expect(list.status).toBe(200);
    } finally {
      await gw.stop();
    }
  });
});

import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endpointOf, OpenAiHttpError, postJson } from "../../src/datasources/ai/openai-http";

/** postJson against a real HTTP server on loopback, answering each request from a script. */
describe("postJson", () => {
  let server: http.Server;
  let url = "";
  let script: ((res: http.ServerResponse) => void)[] = [];
  let requests = 0;
  const options = { apiKey: "k", timeoutMs: 1_000, retries: 2, maxBytes: 1_000 };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        requests++;
        (script.shift() ?? ((r) => r.writeHead(500).end()))(res);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/x`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const run = async (steps: ((res: http.ServerResponse) => void)[]) => {
    script = steps;
    requests = 0;
    return postJson(url, { a: 1 }, options).catch((error: unknown) => error);
  };

  it("retries 429 and 5xx, waiting what Retry-After says, then answers the JSON", async () => {
    const started = Date.now();
    const answer = await run([(r) => r.writeHead(429, { "retry-after": "1" }).end(), (r) => r.writeHead(503).end(), (r) => r.end('{"ok":true}')]);
    expect(answer).toEqual({ ok: true });
    expect(requests).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });

  it("does not retry what the request caused (4xx), and gives up on 5xx after its retries", async () => {
    expect(await run([(r) => r.writeHead(401).end()])).toMatchObject({ kind: "status", status: 401, message: "answered HTTP 401" });
    expect(requests).toBe(1);
    expect(await run([])).toMatchObject({ kind: "status", status: 500 });
    expect(requests).toBe(3);
  });

  it("refuses an answer past maxBytes, or one that is not JSON, without retrying", async () => {
    const big = await run([(r) => r.end(JSON.stringify({ text: "x".repeat(5_000) }))]);
    expect(big).toBeInstanceOf(OpenAiHttpError);
    expect(big).toMatchObject({ kind: "too-large", message: "answered more than 1000 bytes" });
    expect(await run([(r) => r.end("<html>")])).toMatchObject({ kind: "not-json" });
    expect(requests).toBe(1);
  });

  it("says timeout when an attempt outlives its deadline, and unreachable when nothing listens", async () => {
    const slow = await run([(r) => setTimeout(() => r.end("{}"), 1_500), (r) => setTimeout(() => r.end("{}"), 1_500), (r) => setTimeout(() => r.end("{}"), 1_500)]);
    expect(slow).toMatchObject({ kind: "timeout", message: "did not answer within 1000 ms (timeout)" });
    const closed = await postJson("http://127.0.0.1:1/v1/x", {}, { ...options, retries: 0 }).catch((e: unknown) => e);
    expect(closed).toMatchObject({ kind: "unreachable" });
  }, 15_000);

  it("appends the path to a base URL unless it is there", () => {
    expect(endpointOf("http://h:1/", "/v1/embeddings")).toBe("http://h:1/v1/embeddings");
    expect(endpointOf("http://h:1/v1/embeddings", "/v1/embeddings")).toBe("http://h:1/v1/embeddings");
  });
});

import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenAiEmbedder } from "../../src/datasources/embedders/openai.embedder";

/**
 * A stand-in for a hosted OpenAI-compatible embeddings service (none can be reached from here): a real HTTP server
 * on loopback that answers like /v1/embeddings, with scripted failures.
 */
describe(OpenAiEmbedder.name, () => {
  let server: http.Server;
  let url = "";
  const requests: { auth?: string; input: string[]; model: string }[] = [];
  let failures: number[] = [];
  let delayMs = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const parsed = JSON.parse(body) as { input: string[]; model: string };
        requests.push({ auth: req.headers.authorization, ...parsed });
        const status = failures.shift();
        if (status) {
          res.writeHead(status).end("{}");
          return;
        }
        setTimeout(() => {
          const data = parsed.input.map((t, index) => ({ index, embedding: [t.length, 1, 0] })).reverse();
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data }));
        }, delayMs);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("sends batches with the model and bearer key, and keeps the order of the texts", async () => {
    requests.length = 0;
    const e = new OpenAiEmbedder({ url, model: "m1", apiKey: "sk-test-key", batchSize: 2 });
    const out = await e.embed(["a", "bb", "ccc", "dddd", "eeeee"]);
    expect(requests.map((r) => r.input.length)).toEqual([2, 2, 1]);
    expect(requests[0]).toMatchObject({ auth: "Bearer sk-test-key", model: "m1" });
    expect(out.map((v) => v[0])).toEqual([1, 2, 3, 4, 5]);
    expect(e.model).toBe("openai-compatible:m1");
    expect(e.dimensions).toBe(3);
  });

  it("retries 429 and 5xx answers, then succeeds", async () => {
    failures = [429, 503];
    requests.length = 0;
    const out = await new OpenAiEmbedder({ url, model: "m", apiKey: null, retries: 3 }).embed(["x"]);
    expect(out).toHaveLength(1);
    expect(requests).toHaveLength(3);
    expect(requests[0].auth).toBeUndefined();
  });

  it("gives up on a 4xx without retrying, naming the status and not the key", async () => {
    failures = [401];
    requests.length = 0;
    const error = await new OpenAiEmbedder({ url, model: "m", apiKey: "sk-secret-xyz" }).embed(["x"]).catch((e) => e);
    expect(error.message).toBe("embeddings endpoint answered HTTP 401");
    expect(requests).toHaveLength(1);
  });

  it("times out a call that does not answer", async () => {
    delayMs = 500;
    try {
      await expect(new OpenAiEmbedder({ url, model: "m", apiKey: null, timeoutMs: 100, retries: 0 }).embed(["x"])).rejects.toThrow(/abort|timeout/i);
    } finally {
      delayMs = 0;
    }
  });
});

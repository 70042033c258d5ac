import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { chinookConnection } from "../support/datasets";
import { startGateway, type TestGateway } from "../support/gateway";
import { describeWith, requireService } from "../support/services";

/** One sample of a Prometheus text exposition, by metric name and exact label set; null when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split("\n")) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.keys(labels).length === Object.keys(got).length && Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return null;
}

/** /metrics beyond request counts: scan latency by engine, rate-limit rejections, cache hit ratio, queue depth. */
describeWith("redis", "gateway metrics", (redisUrl) => {
  const mariaBase = requireService("mariadb");
  let gw: TestGateway;
  const metrics = async () => (await gw.http("GET", "/metrics")).text;
  const createMaria = async (label: string) => {
    const res = await gw.http("POST", "/v2/connection", { token: gw.a.admin, body: chinookConnection(label, "mariadb", mariaBase!) });
    expect(res.status).toBe(201);
    return res.body.data.id as string;
  };
  const scan = (id: string, query: string) => gw.http("POST", `/v2/connection/${id}/scan`, { token: gw.a.reader, body: { query } });

  beforeAll(async () => {
    // A queue of this file's own with no worker: enqueued embedding jobs stay waiting, so the depth is exact.
    gw = await startGateway("pglite", { REDIS_URL: redisUrl, QUEUE_PREFIX: `gw-metrics-${randomUUID().slice(0, 8)}`, ALLOWED_HOSTS: "127.0.0.1/32" });
  });
  afterAll(() => gw.stop());

  it("reports the embedding queue depth from BullMQ", async () => {
    const before = sample(await metrics(), "gateway_embed_queue_depth");
    expect(before).toBe(0);
    await createMaria("depth one");
    await createMaria("depth two");
    await expect.poll(async () => sample(await metrics(), "gateway_embed_queue_depth")).toBe(2);
  });

  it("times scans by engine and outcome", async () => {
    const id = await createMaria("scans");
    expect((await scan(id, "SELECT Name FROM Genre")).status).toBe(200);
    expect((await scan(id, "SELECT nope FROM Genre")).status).toBe(400);
    const text = await metrics();
    expect(sample(text, "gateway_scan_duration_seconds_count", { engine: "mysql", outcome: "ok" })).toBe(1);
    expect(sample(text, "gateway_scan_duration_seconds_count", { engine: "mysql", outcome: "QUERY_ERROR" })).toBe(1);
    expect(sample(text, "gateway_scan_duration_seconds_sum", { engine: "mysql", outcome: "ok" })).toBeGreaterThan(0);
    // A query the gate refuses never reaches an engine, so it is not a scan latency.
    expect((await scan(id, "DELETE FROM Genre")).body.errors[0].code).toBe("READ_ONLY_VIOLATION");
    expect(sample(await metrics(), "gateway_scan_duration_seconds_count", { engine: "mysql", outcome: "READ_ONLY_VIOLATION" })).toBeNull();
  });

  it("counts rate-limit rejections by field", async () => {
    const id = await createMaria("limited");
    const statuses = [];
    for (let i = 0; i < 12; i++) statuses.push((await scan(id, "SELECT 1")).status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    expect(sample(await metrics(), "gateway_rate_limit_rejections_total", { field: "Query.scan" })).toBe(2);
  });

  it("counts schema cache hits and misses and reports their ratio", async () => {
    const id = await createMaria("cached");
    const list = () => gw.http("GET", `/v2/connection/${id}/schema`, { token: gw.a.reader });
    const before = await metrics();
    const hits0 = sample(before, "gateway_schema_cache_lookups_total", { result: "hit" }) ?? 0;
    const misses0 = sample(before, "gateway_schema_cache_lookups_total", { result: "miss" }) ?? 0;
    for (let i = 0; i < 4; i++) expect((await list()).status).toBe(200);
    const after = await metrics();
    const hits = sample(after, "gateway_schema_cache_lookups_total", { result: "hit" })!;
    const misses = sample(after, "gateway_schema_cache_lookups_total", { result: "miss" })!;
    expect([hits - hits0, misses - misses0]).toEqual([3, 1]);
    expect(sample(after, "gateway_schema_cache_hit_ratio")).toBeCloseTo(hits / (hits + misses), 6);
  });
});

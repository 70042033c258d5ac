import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Prometheus metrics on a registry of this gateway's own, so several gateways in one process stay apart.
 * A leaf module like the logger: services and datasources record into it, the HTTP edge serves it.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: "gateway_requests_total",
    help: "HTTP requests by operation (GraphQL root fields or /v2 route) and status",
    labelNames: ["operation", "status"] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: "gateway_request_duration_seconds",
    help: "HTTP request latency by operation",
    labelNames: ["operation"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly scans = new Histogram({
    name: "gateway_scan_duration_seconds",
    help: "Scan latency from the gate to the last row, by engine and outcome (ok or the error code)",
    labelNames: ["engine", "outcome"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly rateLimited = new Counter({
    name: "gateway_rate_limit_rejections_total",
    help: "Requests refused by the rate limit, by GraphQL field",
    labelNames: ["field"] as const,
    registers: [this.registry],
  });
  private readonly rateLimitFallbacks = new Counter({
    name: "gateway_rate_limit_fallback_total",
    help: "Rate-limit decisions taken by the per-instance limiter because Redis could not be reached",
    registers: [this.registry],
  });
  private readonly cacheLookups = new Counter({
    name: "gateway_schema_cache_lookups_total",
    help: "Schema cache lookups by result (hit or miss; an unreachable cache counts as a miss)",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  private readonly embeddedRestarts = new Counter({
    name: "gateway_embedded_restarts_total",
    help: "Embedded PGlite databases restarted to stop a statement past its deadline (or a failed thread), by database",
    labelNames: ["database"] as const,
    registers: [this.registry],
  });
  private readonly healthWrites = new Counter({
    name: "gateway_connection_health_writes_total",
    help: "Statements that wrote connection health (each carries every verdict waiting since the last one)",
    registers: [this.registry],
  });
  private queueDepthOf: () => Promise<number | null> = async () => null;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "gateway_" });
    const lookups = this.cacheLookups;
    new Gauge({
      name: "gateway_schema_cache_hit_ratio",
      help: "Schema cache hits over lookups since start (NaN before the first lookup)",
      registers: [this.registry],
      async collect() {
        const values = (await lookups.get()).values;
        const count = (result: string) => values.find((v) => v.labels.result === result)?.value ?? 0;
        const hits = count("hit");
        this.set(hits / (hits + count("miss")));
      },
    });
    const depth = () => this.queueDepthOf();
    new Gauge({
      name: "gateway_embed_queue_depth",
      help: "Embedding jobs waiting, delayed or running (-1 when the queue cannot be reached)",
      registers: [this.registry],
      async collect() {
        this.set((await depth()) ?? -1);
      },
    });
  }

  /** The queue is built after the metrics; its depth is asked at each scrape. */
  watchQueueDepth(depth: () => Promise<number | null>): void {
    this.queueDepthOf = depth;
  }

  observe(operation: string, status: number, seconds: number): void {
    this.requests.inc({ operation, status: String(status) });
    this.latency.observe({ operation }, seconds);
  }

  healthWritten(): void {
    this.healthWrites.inc();
  }

  observeScan(engine: string, outcome: string, seconds: number): void {
    this.scans.observe({ engine, outcome }, seconds);
  }

  rateLimitRejected(field: string): void {
    this.rateLimited.inc({ field });
  }

  rateLimitFellBack(): void {
    this.rateLimitFallbacks.inc();
  }

  cacheLookup(hit: boolean): void {
    this.cacheLookups.inc({ result: hit ? "hit" : "miss" });
  }

  embeddedRestarted(database: "metadata store" | "demo database"): void {
    this.embeddedRestarts.inc({ database });
  }
}

import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";

/** Prometheus metrics on a registry of this server's own, so several gateways in one process stay apart. */
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
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "gateway_" });
  }

  observe(operation: string, status: number, seconds: number): void {
    this.requests.inc({ operation, status: String(status) });
    this.latency.observe({ operation }, seconds);
  }
}

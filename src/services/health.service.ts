import { withDeadline } from "../datasources/redis/deadline";

export interface ReadinessCheck {
  readonly name: string;
  /** Resolves when healthy; rejects with a short reason otherwise. */
  check(): Promise<void>;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

/** Runs every check in parallel, each bounded by a timeout, so /readyz answers even when a dependency hangs. */
export class HealthService {
  constructor(
    private readonly checks: readonly ReadinessCheck[],
    private readonly timeoutMs = 2_000,
  ) {}

  async readiness(): Promise<Readiness> {
    const results = await Promise.all(
      this.checks.map(async (c) => {
        try {
          await withDeadline(c.check(), this.timeoutMs, "check");
          return [c.name, "ok"] as const;
        } catch (error) {
          return [c.name, `failing: ${(error as Error).message}`] as const;
        }
      }),
    );
    return { ready: results.every(([, r]) => r === "ok"), checks: Object.fromEntries(results) };
  }
}

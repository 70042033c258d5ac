import { randomUUID } from "node:crypto";
import type { EngineRegistry } from "../datasources/engines/engine-registry";
import type { EngineConnection } from "../datasources/engines/query-engine";
import { DeadlineExceeded, withDeadline } from "../datasources/redis/deadline";
import type { ConnectionType } from "../datasources/sources/connection-types";
import type { HostPolicy } from "../datasources/sources/host-policy";
import type { ConnectionTest } from "../schema/connection-test.type";
import { classifyTestError, testFailure } from "./connection-test";

/**
 * Tests a config by doing what a scan would: the host checked against the policy (here a name that does not resolve
 * fails, where saving accepts it), a fresh login (its own pool or Trino catalog, made for the test and dropped
 * after, so a pooled session from before a password change cannot pass for a working login), and a look at how
 * many tables the user may read. A failure is an answer (`ok: false` with where it stopped), not an error.
 */
export class ConnectionTestService {
  constructor(
    private readonly engines: EngineRegistry,
    private readonly hosts: HostPolicy,
    /** The whole test, login included: past it the answer is a failure at the network stage. */
    private readonly deadlineMs: number,
  ) {}

  async test(accountId: string, type: ConnectionType, config: Readonly<Record<string, string | number | boolean>>): Promise<ConnectionTest> {
    // No engine for this type here is the deployment's limit (503), not a property of the config: an error.
    const engine = this.engines.for(type, config);
    const checkedAt = new Date();
    const started = performance.now();
    const failed = (failure: ReturnType<typeof testFailure>): ConnectionTest => ({ ok: false, latencyMs: null, serverVersion: null, readableTables: null, checkedAt, ...failure });
    if (typeof config.host === "string") {
      try {
        await this.hosts.check(config.host, { field: "config.host", port: typeof config.port === "number" ? config.port : undefined, unresolved: "refuse" });
      } catch (error) {
        return failed(classifyTestError(error));
      }
    }
    const probe: EngineConnection = { id: randomUUID(), accountId, configVersion: 1, type, config };
    try {
      const result = await withDeadline(engine.probe(probe), this.deadlineMs, "connection test");
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      if (result.readableTables === 0) return { ...failed(testFailure("permissions")), latencyMs, serverVersion: result.serverVersion, readableTables: 0 };
      return { ok: true, latencyMs, serverVersion: result.serverVersion, readableTables: result.readableTables, checkedAt, stage: null, code: null, message: null };
    } catch (error) {
      if (error instanceof DeadlineExceeded) {
        return failed({ stage: "network", code: "TIMEOUT", message: `the source did not answer within ${this.deadlineMs} ms` });
      }
      return failed(classifyTestError(error));
    } finally {
      // The test's own pool or catalog: never reused.
      void engine.release(probe.id).catch(() => undefined);
    }
  }
}

import { beforeAll, expect, it } from "vitest";
import { differing, formatLoadReport, runLoad, type CaseResult, type LoadReport } from "../bench/load";
import { describeWith } from "../support/services";

/**
 * The load driver of `npm run bench:load` with small bounded counts: two real gateway processes sharing PostgreSQL
 * and Redis, autocannon on both at concurrency 1, 4 and 16. Asserts behaviour, not speed.
 */
const LEVELS = [1, 4, 16];
const RATE_LIMIT_SCANS = 30;

describeWith("redis", "load across two gateway processes", (redisUrl) => {
  describeWith("postgres", "two gateways under autocannon", (pgBase) => {
    let report: LoadReport;
    const gateway = () => report.cases.filter((r) => !r.baseline);

    beforeAll(async () => {
      report = await runLoad({
        pgBase,
        redisUrl,
        levels: LEVELS,
        load: { requests: 200 },
        scanRounds: 1,
        scanConnections: 10,
        rateLimitScans: RATE_LIMIT_SCANS,
        log: process.env.LOAD_LOG ? (line) => console.log(`${new Date().toISOString()} ${line}`) : undefined,
      });
      console.log(formatLoadReport(report));
    }, 120_000);

    it("ran every case at every level, each to its full count", () => {
      const names = (group: string) => [...new Set(report.cases.filter((r) => r.group === group).map((r) => r.name))];
      expect(names("http")).toEqual(["bare node:http no-op", "list connections: REST", "list connections: GraphQL", "get one connection: REST", "get one connection: GraphQL"]);
      expect(names("scan")).toEqual(["scan: bare pg driver", "scan: gateway REST", "scan: gateway GraphQL"]);
      for (const r of report.cases) {
        expect(LEVELS).toContain(r.concurrency);
        // 10 connections x 9 measured scans; 200 requests for the rest.
        expect(r.requests, `${r.name} c=${r.concurrency}`).toBe(r.group === "scan" && !r.baseline ? 90 : 200);
      }
      expect(report.cases).toHaveLength(LEVELS.length * 8);
    });

    it("had no errors, no wrong bodies and no non-2xx answer: scans kept within each connection's budget, so no 429", () => {
      const failures = (r: CaseResult) => ({ case: `${r.name} c=${r.concurrency}`, errors: r.errors, badBodies: r.badBodies, non2xx: r.non2xx, limited: r.limited });
      for (const r of report.cases) expect(failures(r), r.firstFailure).toEqual({ ...failures(r), errors: 0, badBodies: 0, non2xx: 0, limited: 0 });
    });

    it("spread the load over both instances once there are two connections or more", () => {
      for (const r of gateway()) {
        if (r.concurrency === 1) expect(r.served, r.name).toEqual([r.requests, 0]);
        else {
          expect(r.served[0], `${r.name} c=${r.concurrency} on A`).toBeGreaterThan(0);
          expect(r.served[1], `${r.name} c=${r.concurrency} on B`).toBeGreaterThan(0);
        }
      }
    });

    it("answered identically from both instances: one distinct body per case across A and B", () => {
      expect(differing(report)).toEqual([]);
      for (const name of new Set(gateway().map((r) => r.name))) {
        const bodies = new Set(
          gateway()
            .filter((r) => r.name === name)
            .flatMap((r) => [...r.bodies[0], ...r.bodies[1]]),
        );
        expect(bodies.size, name).toBe(1);
        const fromB = gateway()
          .filter((r) => r.name === name && r.concurrency > 1)
          .flatMap((r) => r.bodies[1]);
        expect(fromB.length, `${name}: B answered`).toBeGreaterThan(0);
      }
      const scan = gateway().find((r) => r.name === "scan: gateway GraphQL")!;
      expect(JSON.parse(scan.bodies[0][0]).data.scan).toMatchObject({ rowCount: 20, truncated: false });
    });

    it("lets exactly 10 of 30 concurrent scans at one connection through across both instances, 429 with Retry-After for the rest", () => {
      const rl = report.rateLimit;
      expect({ ok: rl.ok, limited: rl.limited, other: rl.other, badRetryAfter: rl.badRetryAfter }).toEqual({ ok: 10, limited: 20, other: 0, badRetryAfter: 0 });
      expect(rl.perInstance[0].ok + rl.perInstance[0].limited).toBe(RATE_LIMIT_SCANS / 2);
      expect(rl.perInstance[1].ok + rl.perInstance[1].limited).toBe(RATE_LIMIT_SCANS / 2);
      expect(rl.ms).toBeLessThan(10_000); // all inside one window
    });

    it("measured memory of both gateway processes", () => {
      for (const mb of [...report.rss.startMb, ...report.rss.hwmMb]) expect(mb).toBeGreaterThan(20);
      for (const r of gateway()) expect(Math.min(...r.peakRssMb!)).toBeGreaterThan(20);
    });
  });
});

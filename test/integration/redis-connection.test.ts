import type { ChildProcess } from "node:child_process";
import pino from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { REDIS_DEADLINE_MS } from "../../src/datasources/redis/deadline";
import { connectRedis, type RedisConnection } from "../../src/datasources/redis/redis";
import { freePort, startRedis, until } from "../support/faults";
import { describeWith } from "../support/services";

const logger = pino({ level: "silent" });

/** How a call ended ("ok" or its error message) and how long it took. */
async function timed(work: Promise<unknown>): Promise<{ outcome: string; ms: number }> {
  const started = performance.now();
  const outcome = await work.then(
    () => "ok",
    (error: Error) => error.message,
  );
  return { outcome, ms: performance.now() - started };
}

/**
 * The policy of src/datasources/redis/redis.ts, client by client, against a Redis of this file's own: the gateway's
 * suites see its effects through their fallbacks; this one checks the client's side (how fast a command gives up,
 * that a frozen Redis leaves no commands piling up, that it recovers by itself).
 */
describeWith("redis", "Redis connections on the request path", () => {
  let port = 0;
  let redis: ChildProcess | null = null;
  let connection: RedisConnection;

  beforeAll(async () => {
    port = await freePort();
    connection = connectRedis(`redis://127.0.0.1:${port}`, logger, "commands");
  });

  afterAll(async () => {
    redis?.kill("SIGCONT");
    await connection.close();
    redis?.kill("SIGKILL");
  });

  it("fails a command at once while Redis is down", async () => {
    const { outcome, ms } = await timed(connection.client.get("k"));
    expect(outcome).not.toBe("ok");
    expect(ms).toBeLessThan(100);
  });

  it("settles each command by the deadline while Redis is frozen, then drops the silent connection so none piles up", async () => {
    redis = await startRedis(port);
    await until(async () => (await connection.client.ping()) === "PONG", 10_000, "the client to reconnect");
    redis.kill("SIGSTOP");
    const frozen = await Promise.all(Array.from({ length: 200 }, () => timed(connection.client.get("k"))));
    expect(frozen.every((r) => r.outcome !== "ok" && r.ms < REDIS_DEADLINE_MS + 250)).toBe(true);
    // Past the socket timeout (2 s of silence) the connection is dropped with the commands it held, and the
    // reconnection never gets past its handshake: new commands fail at once.
    await until(async () => (await timed(connection.client.get("k"))).ms < 100, 5_000, "commands to fail at once");
    expect(connection.client.commandQueue.length).toBeLessThan(10);
    redis.kill("SIGCONT");
    await until(async () => (await connection.client.ping().catch(() => null)) === "PONG", 10_000, "the client to recover after the thaw");
  }, 30_000);
});

describeWith("redis", "Redis connection of a BullMQ worker", () => {
  let port = 0;
  let redis: ChildProcess | null = null;

  afterAll(() => {
    redis?.kill("SIGKILL");
  });

  it("waits for Redis instead of failing (what BullMQ requires of a consumer)", async () => {
    port = await freePort();
    const connection = connectRedis(`redis://127.0.0.1:${port}`, logger, "worker");
    try {
      const waiting = connection.client.ping();
      redis = await startRedis(port);
      expect(await waiting).toBe("PONG");
    } finally {
      await connection.close();
    }
  }, 30_000);
});

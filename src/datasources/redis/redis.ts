import type { Logger } from "pino";
import { createClient } from "redis";

export type RedisClient = ReturnType<typeof createClient>;

/**
 * Connects in the background: the gateway starts and serves even while Redis is down (the cache and the
 * limiter fall back), and reconnects with backoff. Commands fail fast instead of queueing while offline.
 * `close` is safe in any state: a client still connecting is waited for briefly, then quit or destroyed
 * (destroying a socket mid-connect can leave it open and the process alive).
 */
export function connectRedis(url: string, logger: Logger): { client: RedisClient; close(): Promise<void> } {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    // node-redis's own per-command timeout only covers commands not yet written, so a frozen Redis (accepting, never
    // answering) would hold them forever: callers wrap each call in withDeadline(REDIS_DEADLINE_MS), and the
    // abandoned commands are bounded here (past it, new ones fail at once).
    commandsQueueMaxLength: 1_000,
    socket: { connectTimeout: 3_000, reconnectStrategy: (retries: number) => Math.min(200 * 2 ** retries, 5_000) },
  });
  let reported = false;
  client.on("error", (error: Error) => {
    if (!reported) logger.warn({ err: { message: error.message } }, "redis unavailable; retrying in the background");
    reported = true;
  });
  client.on("ready", () => {
    if (reported) logger.info("redis connected");
    reported = false;
  });
  const connected = client.connect().then(
    () => true,
    () => false,
  );
  return {
    client,
    async close() {
      await Promise.race([connected, new Promise((r) => setTimeout(r, 1_000))]);
      if (client.isReady) await client.quit().catch(() => client.destroy());
      else if (client.isOpen) client.destroy();
    },
  };
}

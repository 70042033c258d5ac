import type { Logger } from "pino";
import { createClient } from "redis";

export type RedisClient = ReturnType<typeof createClient>;

/**
 * Connects in the background: the gateway starts and serves even while Redis is down (the cache and the
 * limiter fall back), and reconnects with backoff. Commands fail fast instead of queueing while offline.
 */
export function connectRedis(url: string, logger: Logger): RedisClient {
  const client = createClient({
    url,
    disableOfflineQueue: true,
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
  client.connect().catch(() => undefined);
  return client;
}

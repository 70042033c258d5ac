import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "pino";
import { QUEUE_DEADLINE_MS, REDIS_DEADLINE_MS, withDeadline } from "./deadline";

export type RedisClient = Redis;

/**
 * What a connection serves. Each gets its own connection, so a slow BullMQ script never queues a cache read behind
 * it, and a worker's blocking read never shares a socket with anything.
 * - `commands`: the schema cache, the rate limiter and the readiness check (the request path);
 * - `queue`: BullMQ's producer (enqueue, job look-ups, the queue depth for /metrics), also on the request path;
 * - `worker`: BullMQ's consumer in the `worker` process, which no request ever waits on.
 */
export type RedisRole = "commands" | "queue" | "worker";

/** Far beyond any deadline (so a healthy but busy Redis is not dropped), short enough to bound a freeze. */
const SILENT_SOCKET_MS = 2_000;

/**
 * The Redis policy of the gateway, for every connection it opens (only `connectRedis` below builds clients).
 *
 * Every role: connects in the background, so the gateway starts and serves while Redis is down; a connection
 * attempt gives up after 3 s; reconnection never stops, waiting 200 ms, then twice as long each time, at most 5 s.
 *
 * The request path (`commands`, `queue`) must never wait on Redis; a call that fails takes the same fallback as a
 * dead Redis (a cache miss, the per-instance limiter, a job left PENDING for the reconciler, -1 in /metrics):
 * - no offline queue: a command issued while the connection is not ready (down, reconnecting, or connected to a
 *   Redis that does not answer its handshake) fails at once instead of waiting for the connection;
 * - no retry: a command in flight when the connection drops fails at once (`maxRetriesPerRequest: 0`) and is not
 *   sent again on reconnection (its caller has long taken its fallback);
 * - a deadline per command (`commandTimeout`: REDIS_DEADLINE_MS, or QUEUE_DEADLINE_MS for BullMQ's scripts), so a
 *   command settles in time even where its caller does not bound it; callers still bound whole operations (several
 *   commands, BullMQ's own waits) with `withDeadline`;
 * - a silent socket is dropped (`socketTimeout`): a frozen Redis accepts and never answers, and a command past its
 *   deadline still waits for its reply in ioredis's queue. Once a connection has heard nothing for 2 s while
 *   commands are outstanding it is destroyed, which rejects them all, so a freeze leaves at most 2 s of abandoned
 *   commands behind; the reconnection to a frozen Redis never gets past its handshake, so meanwhile commands fail
 *   at once (not ready).
 *
 * The `worker` role is what BullMQ requires of a consumer: commands wait for the connection
 * (`maxRetriesPerRequest: null`, the offline queue on) and no timeout cuts them, since its blocking reads wait
 * for jobs by design. BullMQ copies these options into the connections it duplicates from this one.
 */
function redisOptions(role: RedisRole): RedisOptions {
  const common: RedisOptions = {
    lazyConnect: false,
    connectTimeout: 3_000,
    retryStrategy: (attempt: number) => Math.min(100 * 2 ** attempt, 5_000),
  };
  if (role === "worker") return { ...common, maxRetriesPerRequest: null, enableOfflineQueue: true };
  return {
    ...common,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: role === "queue" ? QUEUE_DEADLINE_MS : REDIS_DEADLINE_MS,
    socketTimeout: SILENT_SOCKET_MS,
  };
}

export interface RedisConnection {
  readonly client: RedisClient;
  /** Safe in any state: quits politely when Redis answers in time, then drops the connection and its retries. */
  close(): Promise<void>;
}

/** Builds a client for `role` with the policy above; an outage is logged once, and the return to service too. */
export function connectRedis(url: string, logger: Logger, role: RedisRole = "commands"): RedisConnection {
  const client = new Redis(url, redisOptions(role));
  let reported = false;
  client.on("error", (error: Error) => {
    if (!reported) logger.warn({ err: { message: error.message }, redis: role }, "redis unavailable; retrying in the background");
    reported = true;
  });
  client.on("ready", () => {
    if (reported) logger.info({ redis: role }, "redis connected");
    reported = false;
  });
  return {
    client,
    async close() {
      if (client.status === "ready") await withDeadline(client.quit(), REDIS_DEADLINE_MS, "redis quit").catch(() => undefined);
      client.disconnect();
    },
  };
}
